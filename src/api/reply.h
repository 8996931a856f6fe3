// JSON replies in WildDuck's shapes: a success is HTTP 200 with
// {"success": true, ...}; an error is {"error": text, "code": Code} with
// the status WildDuck gives that code. Routes build every reply with these,
// never by hand, so the shapes cannot drift.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "api/http.h"
#include "core/status.h"

namespace eider::api {

namespace json = boost::json;

// 200 {"success": true, ...fields}.
Reply ok(json::object fields = {});

// Any status with a JSON body, as given.
Reply json_reply(unsigned status, const json::value& body);

// `status` {"error": text, "code": code}.
Reply fail(unsigned status, std::string_view code, std::string_view text);

// 400 {"error": message, "code": "InputValidationError", "details": {field: message}}.
Reply validation_failed(std::string_view message, json::object details);

// A failed store or mail call the route has no more specific answer for:
// not_found 404 "NotFound", invalid_argument 400 InputValidationError,
// already_exists 400 "AlreadyExists", over_quota 403 "OverQuota",
// too_large 413 "PayloadTooLarge", auth_failed 403 "AuthFailed",
// permission_denied 403 "NotPermitted", unavailable 503 "ServiceUnavailable",
// everything else 500 "InternalDatabaseError" (WildDuck's code for a store failure).
Reply from_status(const Status& status);

// The common refusals, with WildDuck's texts.
Reply user_not_found();      // 404 UserNotFound
Reply missing_privileges();  // 403 MissingPrivileges
Reply invalid_token();       // 401 InvalidToken
Reply payload_too_large();   // 413 PayloadTooLarge
Reply internal_error();      // 500 InternalServerError

// The JSON text of a value (for SSE data lines and tests).
std::string to_text(const json::value& value);

}  // namespace eider::api
