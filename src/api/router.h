// Routes: method + path pattern (/users/:user/mailboxes/:mailbox) to a
// handler coroutine, with who may call it and how large its body may be.
// Each route group registers its routes from its own file
// (routes_<group>.cc, `void add_<group>_routes(Router&)`, listed once in
// api/routes.h); docs/api.md, "Adding a route".
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/http.h"

namespace eider::core {
struct Limits;
class Metrics;
}  // namespace eider::core
namespace eider::mail {
class Mail;
class AuthLimiter;
}  // namespace eider::mail
namespace eider::notify {
class Notifier;
}
namespace eider::store {
class Store;
class Executor;
}  // namespace eider::store

namespace eider::api {

class Router;

// Who may call a route.
enum class Access {
  open,   // anyone, no token (health, the OpenAPI document)
  admin,  // the admin token only (or anyone when no api-token is set)
  user,   // the admin, or a user token whose user is the route's :user
          // (`me` there names the token's own user)
  token,  // the admin or any valid user token; the handler scopes what it
          // shows by Context::caller
};

struct Settings {
  std::string admin_token;  // "" = the API is open (loopback only)
  uint64_t body_limit = 1024 * 1024;
  uint64_t requests_per_ip = 8;
  uint64_t header_timeout = 10;     // seconds
  uint64_t token_ttl = 14 * 86400;  // seconds
  std::string openapi;              // the merged document, served at /openapi.json
};

// What handlers use; outlives every connection.
struct Services {
  const Settings& settings;
  const core::Limits& limits;
  mail::Mail& mail;
  store::Store& store;
  store::Executor& executor;
  mail::AuthLimiter& limiter;
  notify::Notifier& notifier;
  const Router& router;
};

// Who is calling: the admin, or one user through a user token.
struct Caller {
  bool admin = false;
  int64_t user_id = 0;       // the token's user (admin: 0)
  int64_t user_created = 0;  // its creation time, for its id
  std::string token_hash;    // the user token's hash (hex), for DELETE /authenticate
};

class Context {
 public:
  Context(const Request& request, const Services& services)
      : request(request), services(services) {}

  const Request& request;
  const Services& services;
  Caller caller;
  // Path parameters by name, percent-decoded (`me` already replaced).
  std::vector<std::pair<std::string, std::string>> params;
  // Path parameters, query parameters and the JSON body's fields, merged
  // (WildDuck's req.params): what a route's Schema validates.
  boost::json::object input;
  // The raw body, when the route takes one and it was not JSON.
  std::string_view raw_body;

  std::string_view param(std::string_view name) const;
};

using Handler = std::function<boost::asio::awaitable<Reply>(Context&)>;

struct RouteOptions {
  Access access = Access::admin;
  // Largest body; 0 = the api-body-limit setting.
  uint64_t body_limit = 0;
  // A body whose Content-Type is not JSON is handed over raw
  // (Context::raw_body) instead of refused: message upload.
  bool raw_body = false;
};

struct Route {
  std::string method;   // "GET", "POST", "PUT", "DELETE"
  std::string pattern;  // "/users/:user"
  std::vector<std::string> segments;
  RouteOptions options;
  Handler handler;
};

class Router {
 public:
  void add(std::string method, std::string pattern, RouteOptions options, Handler handler);
  void get(std::string pattern, RouteOptions options, Handler handler) {
    add("GET", std::move(pattern), options, std::move(handler));
  }
  void post(std::string pattern, RouteOptions options, Handler handler) {
    add("POST", std::move(pattern), options, std::move(handler));
  }
  void put(std::string pattern, RouteOptions options, Handler handler) {
    add("PUT", std::move(pattern), options, std::move(handler));
  }
  void del(std::string pattern, RouteOptions options, Handler handler) {
    add("DELETE", std::move(pattern), options, std::move(handler));
  }

  struct Match {
    const Route* route = nullptr;  // null: no route for this method and path
    std::vector<std::pair<std::string, std::string>> params;
    // When route is null: the methods the path has (empty: unknown path).
    std::vector<std::string> allowed;
    bool bad_encoding = false;  // a path segment's percent-encoding is broken
  };
  // The route for method and path (undecoded). A literal segment wins over
  // a parameter (/users/me/... is /users/:user/... with :user = me, but
  // /users/resolve/:username is its own route).
  Match find(std::string_view method, std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// Percent-decodes `text` ('+' as a space when `plus_is_space`); nullopt on a
// broken escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace eider::api
