// The OpenAPI 3 document served at /openapi.json. Each route group keeps
// its path items in src/api/openapi/<group>.json ({"paths": {...}} and, if
// it needs them, {"components": {"schemas": {...}}}); base.json holds the
// rest (info, security schemes, the shared Error schemas). The build
// compiles the files in (CMakeLists.txt); the server merges them at start.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace eider::api {

class Router;

struct OpenApiPart {
  std::string_view name;  // the file name, "users.json"
  std::string_view text;
};

// Every file of src/api/openapi, as built (generated source).
const std::vector<OpenApiPart>& openapi_parts();

// The merged document as JSON text. Code::invalid_argument names the file
// that is not JSON, or a path or component two files both define.
Result<std::string> build_openapi(const std::vector<OpenApiPart>& parts);

// What the document and the router disagree on, one line each ("GET
// /users/{user}: served but not documented", "... documented but not
// served"); empty when they list exactly the same operations.
std::vector<std::string> openapi_mismatches(std::string_view document, const Router& router);

// "/users/:user" -> "/users/{user}".
std::string openapi_path(std::string_view pattern);

}  // namespace eider::api
