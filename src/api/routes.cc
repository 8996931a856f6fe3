#include "api/routes.h"

#include "api/router.h"

namespace eider::api {

void add_all_routes(Router& router) {
  add_core_routes(router);
  add_auth_routes(router);
  add_users_routes(router);
  add_addresses_routes(router);
  add_events_routes(router);
  add_mailbox_routes(router);
  add_message_routes(router);
}

}  // namespace eider::api
