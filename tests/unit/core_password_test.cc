#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/argon2_memory.h"
#include "core/password.h"

namespace eider::core {
namespace {

// Hashes of "correct horse", made once with libxcrypt's crypt_gensalt and
// libargon2 (cheap cost parameters so the test stays fast).
struct Vector {
  std::string scheme;
  std::string hash;
};

const Vector kVectors[] = {
    {"bcrypt 2a", "$2a$05$QKavT.pEVMdvc4pJOGLkbuVtRjvXgeMYopw/Gd8B7yUuZtSvGUNqO"},
    {"bcrypt 2b", "$2b$05$XkZOJdn1ec.ZKhBMFas6yeXVBxRItPJDAMl3PZ4aFo73nlPQmftPa"},
    {"bcrypt 2y", "$2y$05$E1dfe/GpGuBbtWehNRtHVONrUvqBLk6tyLUg/rtLmhg6nmhCTRt6e"},
    {"sha512-crypt",
     "$6$0HSSfDVFtCG0KEV1$2wKCS3oklPXQpOGNz2jq3NqbxGzEG7qZQl8PBE39CQMWr.4."
     "zLlRSYzeiOUSKT3lULINvF10oTMCAbvLtaPNo/"},
    {"yescrypt", "$y$j9T$a1rcPWlb4VMNbsu42TP1t.$hMP43xocSa5WPqwsfyxsCgFllnwSNcGAmOCVNlw4Zk/"},
    {"argon2i",
     "$argon2i$v=19$m=1024,t=2,p=1$ZWlkZXJ0ZXN0c2FsdDE2Yg$"
     "gY0IZ4kyyHuIx8hOEoNzAQolIpeaLJULs7wmzxdBZXI"},
    {"argon2id",
     "$argon2id$v=19$m=1024,t=2,p=1$ZWlkZXJ0ZXN0c2FsdDE2Yg$VmlhatnTqq1RIfS8Tb5DUWQ8B+t/"
     "I9e5mbFuQOMER1E"},
    {"argon2id with two lanes",
     "$argon2id$v=19$m=1024,t=2,p=2$ZWlkZXJ0ZXN0c2FsdDE2Yg$"
     "7YTdSTJsOp3RGFXs1zE2Z0gN1og+TofIl31NL2EcODg"},
    // argon2 1.0 (version 16), written without "v=" as implementations
    // before 1.3 did.
    {"argon2id 1.0",
     "$argon2id$m=1024,t=2,p=1$ZWlkZXJ0ZXN0c2FsdDE2Yg$uX+RuN00T8Tt8UoSr7EiUqyzdF73oj1Z1D8SV2ww0fM"},
    // The older schemes an imported hash may use (HTTP API, hashedPassword).
    {"md5-crypt", "$1$/D9sxNzj$0MvYJRoERaTPgzbv35INV0"},
    {"sha256-crypt", "$5$ACuQ/XgfI2GZxBBS$FiATZs5X6mrLgLF4fv5pGJAvw/w5Ud.IH/eZIfeAuVA"},
};

TEST(VerifyPassword, AcceptsTheRightPasswordForEveryScheme) {
  for (const Vector& v : kVectors) {
    SCOPED_TRACE(v.scheme);
    EXPECT_TRUE(verify_password("correct horse", v.hash));
  }
}

TEST(VerifyPassword, RejectsWrongPasswordsForEveryScheme) {
  const std::string wrong[] = {"", "correct horse ", "Correct horse", "correct hors",
                               std::string("correct horse\0x", 15)};
  for (const Vector& v : kVectors) {
    for (const std::string& password : wrong) {
      SCOPED_TRACE(v.scheme + " / " + password);
      EXPECT_FALSE(verify_password(password, v.hash));
    }
  }
}

TEST(VerifyPassword, RejectsUnsupportedAndMalformedHashes) {
  const std::string hashes[] = {
      "",
      "correct horse",
      "$2b$05$XkZOJdn1ec.ZKhBMFas6yeX",  // truncated
      "$6$",
      "$argon2id$v=19$m=1024,t=2,p=1$ZWlk",
      "$argon2d$v=19$m=1024,t=2,p=1$ZWlkZXJ0ZXN0c2FsdDE2Yg$VmlhatnTqq1RIfS8Tb5DUWQ8B+t/"
      "I9e5mbFuQOMER1E",
      "*0",
  };
  for (const std::string& hash : hashes) {
    SCOPED_TRACE(hash);
    EXPECT_FALSE(verify_password("correct horse", hash));
  }
}

TEST(VerifyPassword, RejectsDamagedArgon2Fields) {
  const std::string damaged[] = {
      "$argon2id$v=19$m=1024,t=2$ZWlkZXJ0ZXN0c2FsdDE2Yg$VmlhatnTqq1RIfS8Tb5DUWQ8B+t/"
      "I9e5mbFuQOMER1E",
      "$argon2id$v=19$m=x,t=2,p=1$ZWlkZXJ0ZXN0c2FsdDE2Yg$VmlhatnTqq1RIfS8Tb5DUWQ8B+t/"
      "I9e5mbFuQOMER1E",
      "$argon2id$v=19$m=1024,t=2,p=1$ZWlkZXJ0ZXN0c2FsdDE2Yg",
      "$argon2id$v=19$m=1024,t=2,p=1$Z$VmlhatnTqq1RIfS8Tb5DUWQ8B+t/I9e5mbFuQOMER1E",
      "$argon2id$v=19$m=1024,t=2,p=1$ZWlkZXJ0ZXN0c2FsdDE2Yg$!!!!",
      "$argon2id$v=19$m=1024,t=0,p=1$ZWlkZXJ0ZXN0c2FsdDE2Yg$VmlhatnTqq1RIfS8Tb5DUWQ8B+t/"
      "I9e5mbFuQOMER1E",
      "$argon2id$v=19$m=1024,t=2,p=1$ZWlkZXJ0ZXN0c2FsdDE2Yg$VmlhatnTqq1RIfS8Tb5DUWQ8B+t/"
      "I9e5mbFuQOMER1",
  };
  for (const std::string& hash : damaged) {
    SCOPED_TRACE(hash);
    EXPECT_FALSE(verify_password("correct horse", hash));
  }
}

TEST(VerifyPassword, Argon2WorkMemoryIsReusedThenReturned) {
  const std::string& argon2id = kVectors[6].hash;
  ASSERT_TRUE(argon2id.starts_with("$argon2id$"));
  ASSERT_TRUE(verify_password("correct horse", argon2id));
  EXPECT_GE(argon2_memory::parked(), 1u);
  ASSERT_TRUE(verify_password("correct horse", argon2id));
  EXPECT_LE(argon2_memory::parked(), argon2_memory::kMaxParked);
  std::this_thread::sleep_for(argon2_memory::kKeepFor + std::chrono::milliseconds(500));
  EXPECT_EQ(argon2_memory::parked(), 0u);
}

TEST(HashPassword, MakesSaltedArgon2idThatVerifies) {
  Result<std::string> first = hash_password("hunter2 ünïcode");
  Result<std::string> second = hash_password("hunter2 ünïcode");
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_TRUE(first->starts_with("$argon2id$v=19$m=19456,t=2,p=1$")) << *first;
  EXPECT_NE(*first, *second) << "salts must differ";
  EXPECT_TRUE(verify_password("hunter2 ünïcode", *first));
  EXPECT_FALSE(verify_password("hunter2 unicode", *first));
  EXPECT_EQ(first->find('\0'), std::string::npos);
}

TEST(HashPassword, HandlesEmptyAndNulPasswords) {
  Result<std::string> empty = hash_password("");
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(verify_password("", *empty));
  EXPECT_FALSE(verify_password(" ", *empty));

  std::string with_nul("a\0b", 3);
  Result<std::string> nul = hash_password(with_nul);
  ASSERT_TRUE(nul.is_ok());
  EXPECT_TRUE(verify_password(with_nul, *nul));
  EXPECT_FALSE(verify_password("a", *nul));
}

}  // namespace
}  // namespace eider::core
