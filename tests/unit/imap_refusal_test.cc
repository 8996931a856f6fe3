#include <gtest/gtest.h>

#include "imap/refusal.h"

namespace eider::imap {
namespace {

// What the store fails with when it, not the client, is at fault: a
// read-only or locked database, a full disk, an I/O error, corruption.
TEST(Refusal, EveryServerSideFailureIsUnavailableNeverServerbug) {
  for (Code code :
       {Code::unavailable, Code::io_error, Code::disk_full, Code::corrupt, Code::permission_denied,
        Code::unsupported, Code::out_of_range, Code::auth_failed, Code::internal}) {
    Refusal refusal = refusal_for(error(code, "database statement failed: no user with id 3"));
    EXPECT_EQ(refusal.text, "[UNAVAILABLE] Temporary failure, try again later") << code_name(code);
    EXPECT_TRUE(refusal.server_failure) << code_name(code);
  }
}

TEST(Refusal, ClientErrorsSayWhatWasWrong) {
  EXPECT_EQ(refusal_for(error(Code::not_found, "no such mailbox")).text,
            "[NONEXISTENT] no such mailbox");
  EXPECT_EQ(refusal_for(error(Code::already_exists, "mailbox exists")).text,
            "[ALREADYEXISTS] mailbox exists");
  EXPECT_EQ(refusal_for(error(Code::over_quota, "x")).text, "[OVERQUOTA] Quota exceeded");
  EXPECT_FALSE(refusal_for(error(Code::invalid_argument, "bad name")).server_failure);
}

}  // namespace
}  // namespace eider::imap
