// TLS for every protocol: one server context (OpenSSL), TLS 1.2
// at least, with the configured certificate or, when none is configured, a
// self-signed one generated once into <data>/tls/ and reused afterwards.
//
// A TlsContext is immutable after create() and shared by every I/O thread
// (OpenSSL contexts are thread-safe once set up). Connections use it with
// Connection::start_tls, for implicit TLS (POP3S, IMAPS) and for STLS /
// STARTTLS alike.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"

namespace eider::net {

class TlsContext {
 public:
  // cert_file and key_file are PEM files (the certificate file may hold the
  // chain). When both are empty, uses <data_dir>/tls/cert.pem and key.pem,
  // generating them first (EC P-256, 10 years, CN = host_name) when absent.
  // Fails with the file name and OpenSSL's reason.
  static Result<std::unique_ptr<TlsContext>> create(const std::string& cert_file,
                                                    const std::string& key_file,
                                                    const std::string& data_dir,
                                                    const std::string& host_name);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  struct Impl;
  Impl& impl() const { return *impl_; }

 private:
  explicit TlsContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace eider::net
