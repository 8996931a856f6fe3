// The only translation unit with OpenSSL's Asio stream (compile time).
#include "net/tls.h"

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <filesystem>

#include "net/tls_stream.h"

namespace eider::net {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct TlsContext::Impl {
  ssl::context context{ssl::context::tls_server};
};

struct TlsStream {
  TlsStream(Socket& socket, ssl::context& context) : stream(socket, context) {}
  ssl::stream<Socket&> stream;
};

void TlsStreamDeleter::operator()(TlsStream* stream) const {
  delete stream;
}

namespace {

std::string openssl_error() {
  unsigned long code = ERR_get_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct FileClose {
  void operator()(FILE* file) const { std::fclose(file); }
};

// Written under a temporary name and renamed, so a server starting at the
// same time never reads half a file.
Status write_pem(const std::string& path, mode_t mode, bool key, EVP_PKEY* pkey, X509* cert) {
  const std::string temp = path + ".tmp." + std::to_string(getpid());
  std::unique_ptr<FILE, FileClose> file(std::fopen(temp.c_str(), "wx"));
  if (!file) return error(Code::io_error, "cannot write " + temp);
  chmod(temp.c_str(), mode);
  int written = key ? PEM_write_PrivateKey(file.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr)
                    : PEM_write_X509(file.get(), cert);
  if (written != 1 || std::fflush(file.get()) != 0) {
    unlink(temp.c_str());
    return error(Code::io_error, "cannot write " + temp + ": " + openssl_error());
  }
  file.reset();
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    unlink(temp.c_str());
    return error(Code::io_error, "cannot rename " + temp + " to " + path);
  }
  return Status::ok();
}

Status generate_self_signed(const std::string& cert_file, const std::string& key_file,
                            const std::string& host_name) {
  std::unique_ptr<EVP_PKEY, PkeyFree> pkey(EVP_EC_gen("P-256"));
  std::unique_ptr<X509, X509Free> cert(X509_new());
  if (!pkey || !cert) return error(Code::internal, "cannot create a key: " + openssl_error());
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) {
    return error(Code::internal, "no random bytes: " + openssl_error());
  }
  serial[0] &= 0x7f;  // a positive serial number
  BIGNUM* number = BN_bin2bn(serial, sizeof serial, nullptr);
  bool built = number != nullptr && X509_set_version(cert.get(), 2) == 1 &&
               BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert.get())) != nullptr &&
               X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
               X509_gmtime_adj(X509_getm_notAfter(cert.get()), 10L * 365 * 24 * 3600) != nullptr &&
               X509_set_pubkey(cert.get(), pkey.get()) == 1;
  BN_free(number);
  X509_NAME* name = X509_get_subject_name(cert.get());
  built = built &&
          X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(host_name.c_str()), -1,
                                     -1, 0) == 1 &&
          X509_set_issuer_name(cert.get(), name) == 1 &&
          X509_sign(cert.get(), pkey.get(), EVP_sha256()) > 0;
  if (!built) return error(Code::internal, "cannot build a certificate: " + openssl_error());
  EIDER_RETURN_IF_ERROR(write_pem(key_file, 0600, true, pkey.get(), nullptr));
  return write_pem(cert_file, 0644, false, nullptr, cert.get());
}

}  // namespace

TlsContext::TlsContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsContext::~TlsContext() = default;

Result<std::unique_ptr<TlsContext>> TlsContext::create(const std::string& cert_file,
                                                       const std::string& key_file,
                                                       const std::string& data_dir,
                                                       const std::string& host_name) {
  std::string cert = cert_file;
  std::string key = key_file;
  if (cert.empty() && key.empty()) {
    const std::filesystem::path folder = std::filesystem::path(data_dir) / "tls";
    std::error_code ec;
    std::filesystem::create_directories(folder, ec);
    if (ec) return error(Code::io_error, "cannot create " + folder.string() + ": " + ec.message());
    cert = (folder / "cert.pem").string();
    key = (folder / "key.pem").string();
    if (!std::filesystem::exists(cert) || !std::filesystem::exists(key)) {
      EIDER_RETURN_IF_ERROR(generate_self_signed(cert, key, host_name));
    }
  }
  auto impl = std::make_unique<Impl>();
  SSL_CTX* native = impl->context.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(native, cert.c_str()) != 1) {
    return error(Code::invalid_argument, "tls-cert: cannot load " + cert + ": " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(native, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(native) != 1) {
    return error(Code::invalid_argument, "tls-key: cannot load " + key + ": " + openssl_error());
  }
  return std::unique_ptr<TlsContext>(new TlsContext(std::move(impl)));
}

asio::awaitable<Status> Connection::start_tls(const TlsContext& context) {
  tls_.reset(new TlsStream(socket_, context.impl().context));
  arm_idle_timer();
  auto [ec] = co_await tls_->stream.async_handshake(ssl::stream_base::server, kNoThrow);
  ++read_generation_;
  timer_.cancel();
  if (ec) co_return error(Code::io_error, "TLS handshake with " + peer_ + ": " + ec.message());
  co_return Status::ok();
}

asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> tls_read_some(
    TlsStream& stream, char* data, std::size_t size) {
  co_return co_await stream.stream.async_read_some(asio::buffer(data, size), kNoThrow);
}

asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> tls_write(
    TlsStream& stream, std::string_view bytes) {
  co_return co_await asio::async_write(stream.stream, asio::buffer(bytes.data(), bytes.size()),
                                       kNoThrow);
}

}  // namespace eider::net
