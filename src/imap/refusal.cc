#include "imap/refusal.h"

namespace eider::imap {

Refusal refusal_for(const Status& status) {
  switch (status.code()) {
    case Code::not_found:
      return {"[NONEXISTENT] " + status.message()};
    case Code::already_exists:
      return {"[ALREADYEXISTS] " + status.message()};
    case Code::over_quota:
      return {"[OVERQUOTA] Quota exceeded"};
    case Code::too_large:
      return {"[TOOBIG] " + status.message()};
    case Code::invalid_argument:
      return {"[CANNOT] " + status.message()};
    default:
      return {"[UNAVAILABLE] Temporary failure, try again later", true};
  }
}

}  // namespace eider::imap
