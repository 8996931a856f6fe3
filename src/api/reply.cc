#include "api/reply.h"

#include <boost/json/serialize.hpp>

namespace eider::api {

Reply json_reply(unsigned status, const json::value& body) {
  Reply reply;
  reply.status = status;
  reply.body = json::serialize(body);
  return reply;
}

Reply ok(json::object fields) {
  json::object body;
  body.reserve(fields.size() + 1);
  body["success"] = true;
  for (auto& [key, value] : fields) body[key] = std::move(value);
  return json_reply(200, body);
}

Reply fail(unsigned status, std::string_view code, std::string_view text) {
  json::object body;
  body["error"] = text;
  body["code"] = code;
  return json_reply(status, body);
}

Reply validation_failed(std::string_view message, json::object details) {
  json::object body;
  body["error"] = message;
  body["code"] = "InputValidationError";
  body["details"] = std::move(details);
  return json_reply(400, body);
}

Reply from_status(const Status& status) {
  const std::string& text = status.message();
  switch (status.code()) {
    case Code::not_found:
      return fail(404, "NotFound", text);
    case Code::invalid_argument:
      return fail(400, "InputValidationError", text);
    case Code::already_exists:
      return fail(400, "AlreadyExists", text);
    case Code::over_quota:
      return fail(403, "OverQuota", text);
    case Code::too_large:
      return fail(413, "PayloadTooLarge", text);
    case Code::auth_failed:
      return fail(403, "AuthFailed", text);
    case Code::permission_denied:
      return fail(403, "NotPermitted", text);
    case Code::unavailable:
      return fail(503, "ServiceUnavailable", text);
    default:
      return fail(500, "InternalDatabaseError", text);
  }
}

Reply user_not_found() {
  return fail(404, "UserNotFound", "This user does not exist");
}
Reply missing_privileges() {
  return fail(403, "MissingPrivileges", "Not enough privileges");
}
Reply invalid_token() {
  return fail(401, "InvalidToken", "Invalid accessToken value");
}
Reply payload_too_large() {
  return fail(413, "PayloadTooLarge", "Request body is larger than allowed");
}
Reply internal_error() {
  return fail(500, "InternalServerError", "Internal server error");
}

std::string to_text(const json::value& value) {
  return json::serialize(value);
}

}  // namespace eider::api
