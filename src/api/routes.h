// Every route group, one function per group, each in its own file
// (routes_<group>.cc). add_all_routes (routes.cc) calls them all; a new
// group adds its line there and here (docs/api.md, "Adding a route").
#pragma once

namespace eider::api {

class Router;

void add_core_routes(Router& router);       // /health, /metrics, /openapi.json
void add_auth_routes(Router& router);       // /authenticate, /preauth
void add_users_routes(Router& router);      // /users
void add_addresses_routes(Router& router);  // addresses, forwarded addresses, domain aliases
void add_events_routes(Router& router);     // /users/:user/updates, /users/:user/logout
void add_mailbox_routes(Router& router);    // /users/:user/mailboxes
void add_message_routes(Router& router);    // .../messages, /users/:user/search

void add_all_routes(Router& router);

}  // namespace eider::api
