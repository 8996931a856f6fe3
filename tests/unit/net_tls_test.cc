// TlsContext: the generated self-signed certificate, its reuse, bad files.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "net/tls.h"

namespace eider::net {
namespace {

namespace fs = std::filesystem;

class TlsTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("eider_tls_" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  fs::path dir_;
};

TEST_F(TlsTest, GeneratesASelfSignedCertificateOnceAndReusesIt) {
  Result<std::unique_ptr<TlsContext>> first = TlsContext::create("", "", dir_.string(), "mx.test");
  ASSERT_TRUE(first) << first.status().to_string();
  const fs::path cert = dir_ / "tls" / "cert.pem";
  const fs::path key = dir_ / "tls" / "key.pem";
  const std::string cert_text = read(cert);
  EXPECT_NE(cert_text.find("BEGIN CERTIFICATE"), std::string::npos);
  struct stat info {};
  ASSERT_EQ(stat(key.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  Result<std::unique_ptr<TlsContext>> second = TlsContext::create("", "", dir_.string(), "mx.test");
  ASSERT_TRUE(second) << second.status().to_string();
  EXPECT_EQ(read(cert), cert_text);

  // The generated pair also loads as configured files.
  Result<std::unique_ptr<TlsContext>> configured =
      TlsContext::create(cert.string(), key.string(), "/nonexistent", "mx.test");
  EXPECT_TRUE(configured) << configured.status().to_string();
}

TEST_F(TlsTest, BadFilesFailWithTheirName) {
  const fs::path junk = dir_ / "junk.pem";
  std::ofstream(junk) << "not a certificate\n";
  Result<std::unique_ptr<TlsContext>> context =
      TlsContext::create(junk.string(), junk.string(), dir_.string(), "mx.test");
  ASSERT_FALSE(context);
  EXPECT_NE(context.status().message().find("junk.pem"), std::string::npos);

  ASSERT_TRUE(TlsContext::create("", "", dir_.string(), "mx.test"));
  // A key that does not match the certificate.
  const fs::path other = dir_ / "other";
  ASSERT_TRUE(TlsContext::create("", "", other.string(), "mx.test"));
  context = TlsContext::create((dir_ / "tls" / "cert.pem").string(),
                               (other / "tls" / "key.pem").string(), dir_.string(), "mx.test");
  ASSERT_FALSE(context);
  EXPECT_NE(context.status().message().find("tls-key"), std::string::npos);
}

}  // namespace
}  // namespace eider::net
