#include "core/status.h"

namespace eider {

std::string_view code_name(Code code) {
  switch (code) {
    case Code::ok:
      return "ok";
    case Code::invalid_argument:
      return "invalid_argument";
    case Code::not_found:
      return "not_found";
    case Code::already_exists:
      return "already_exists";
    case Code::over_quota:
      return "over_quota";
    case Code::too_large:
      return "too_large";
    case Code::unavailable:
      return "unavailable";
    case Code::io_error:
      return "io_error";
    case Code::disk_full:
      return "disk_full";
    case Code::corrupt:
      return "corrupt";
    case Code::permission_denied:
      return "permission_denied";
    case Code::unsupported:
      return "unsupported";
    case Code::auth_failed:
      return "auth_failed";
    case Code::out_of_range:
      return "out_of_range";
    case Code::internal:
      return "internal";
  }
  return "unknown";
}

const std::string& Status::message() const {
  static const std::string empty;
  return rep_ ? rep_->message : empty;
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(code_name(rep_->code)) + ": " + rep_->message;
}

}  // namespace eider
