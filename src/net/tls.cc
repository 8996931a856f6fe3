// TLS straight on the socket's file descriptor: OpenSSL reads and writes
// the non-blocking socket itself, and the coroutines wait for readiness
// with Asio. Asio's own SSL stream was used before; it keeps two 17 KiB
// record buffers per connection for its whole life and OpenSSL kept its
// own beside them, so an idle IMAPS session cost 76 KiB. Here OpenSSL
// frees its buffers whenever they are empty (SSL_MODE_RELEASE_BUFFERS), and
// an idle TLS session holds only OpenSSL's connection state.
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
#include <boost/asio/error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstdio>
#include <filesystem>

#include "net/tls_stream.h"

namespace eider::net {

namespace asio = boost::asio;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

struct TlsContext::Impl {
  ~Impl() { SSL_CTX_free(context); }
  SSL_CTX* context = nullptr;
};

struct TlsStream {
  TlsStream(Socket& socket, SSL* ssl) : socket(socket), ssl(ssl) {}
  ~TlsStream() { SSL_free(ssl); }
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;
  Socket& socket;
  SSL* ssl;
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
  impl->context = SSL_CTX_new(TLS_server_method());
  if (impl->context == nullptr) {
    return error(Code::internal, "cannot create a TLS context: " + openssl_error());
  }
  SSL_CTX* native = impl->context;
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  SSL_CTX_set_options(
      native, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
  // RELEASE_BUFFERS: the idle-memory reason above. The write modes let a
  // write return after part of a large answer and go on from there.
  SSL_CTX_set_mode(native, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (SSL_CTX_use_certificate_chain_file(native, cert.c_str()) != 1) {
    return error(Code::invalid_argument, "tls-cert: cannot load " + cert + ": " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(native, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(native) != 1) {
    return error(Code::invalid_argument, "tls-key: cannot load " + key + ": " + openssl_error());
  }
  return std::unique_ptr<TlsContext>(new TlsContext(std::move(impl)));
}

namespace {

using Outcome = std::tuple<boost::system::error_code, std::size_t>;

// What to do after an SSL call that did not succeed: wait for the socket
// (and call again), or give up with the error the caller reports.
enum class Next { wait_read, wait_write, fail };

Next next_after(SSL* ssl, int result, boost::system::error_code& ec) {
  switch (SSL_get_error(ssl, result)) {
    case SSL_ERROR_WANT_READ:
      return Next::wait_read;
    case SSL_ERROR_WANT_WRITE:
      return Next::wait_write;
    case SSL_ERROR_ZERO_RETURN:  // close_notify
      ec = asio::error::eof;
      return Next::fail;
    case SSL_ERROR_SYSCALL:
      ec = errno != 0 ? boost::system::error_code(errno, boost::system::system_category())
                      : boost::system::error_code(asio::error::eof);
      return Next::fail;
    default:
      ec = asio::error::connection_aborted;
      return Next::fail;
  }
}

// Calls `call` (one SSL function on `ssl`, 1 for success) until it
// succeeds, waiting for the socket whenever OpenSSL asks to; the error when
// it fails, the connection ends, or the wait is cancelled (idle timeout).
template <typename Call>
asio::awaitable<boost::system::error_code> until_done(Socket& socket, SSL* ssl, Call call) {
  for (;;) {
    // OpenSSL's error queue is per thread and shared by every connection
    // of this I/O thread: each call starts from an empty one.
    ERR_clear_error();
    errno = 0;
    const int result = call();
    if (result == 1) co_return boost::system::error_code();
    boost::system::error_code ec;
    const Next next = next_after(ssl, result, ec);
    if (next == Next::fail) co_return ec;
    auto [waited] = co_await socket.async_wait(
        next == Next::wait_read ? Socket::wait_read : Socket::wait_write, kNoThrow);
    if (waited) co_return asio::error::operation_aborted;
  }
}

}  // namespace

asio::awaitable<Status> Connection::start_tls(const TlsContext& context) {
  SSL* ssl = SSL_new(context.impl().context);
  if (ssl == nullptr) co_return error(Code::internal, "cannot start TLS: " + openssl_error());
  tls_.reset(new TlsStream(socket_, ssl));
  boost::system::error_code ec;
  socket_.native_non_blocking(true, ec);
  if (ec || SSL_set_fd(ssl, socket_.native_handle()) != 1) {
    co_return error(Code::internal, "cannot start TLS on the socket of " + peer_);
  }
  arm_idle_timer();
  ec = co_await until_done(socket_, ssl, [ssl] { return SSL_accept(ssl); });
  ++read_generation_;
  timer_.cancel();
  if (!ec) co_return Status::ok();
  const std::string reason = ERR_peek_error() != 0 ? openssl_error() : ec.message();
  co_return error(Code::io_error, "TLS handshake with " + peer_ + ": " + reason);
}

asio::awaitable<Outcome> tls_read_some(TlsStream& stream, char* data, std::size_t size) {
  std::size_t read = 0;
  boost::system::error_code ec = co_await until_done(
      stream.socket, stream.ssl, [&] { return SSL_read_ex(stream.ssl, data, size, &read); });
  co_return Outcome{ec, ec ? 0 : read};
}

asio::awaitable<Outcome> tls_write(TlsStream& stream, std::string_view bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    std::size_t written = 0;
    boost::system::error_code ec = co_await until_done(stream.socket, stream.ssl, [&] {
      return SSL_write_ex(stream.ssl, bytes.data() + done, bytes.size() - done, &written);
    });
    if (ec) co_return Outcome{ec, done};
    done += written;
  }
  co_return Outcome{boost::system::error_code(), done};
}

}  // namespace eider::net
