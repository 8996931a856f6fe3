// The HTTP API (docs/api.md): the net::Service that `eider serve` listens
// with. Each connection is one coroutine on an I/O thread reading HTTP/1.1
// requests one at a time (api/server.cc); route handlers (api/routes.h) do
// their store work on the store threads.
#pragma once

#include "api/router.h"
#include "net/server.h"

namespace eider::api {

// The connection handler for the API listener. `services` (and what it
// refers to) must outlive the Server's connections.
net::Service service(const Services& services);

}  // namespace eider::api
