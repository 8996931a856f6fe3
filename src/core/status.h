// Status and Result: the error idiom of every layer below the protocols.
//
// A Status is cheap on success (no allocation) and carries a code and a
// one-line message on failure. Result<T> is a value or a failed Status.
// Library code returns these; exceptions are reserved for programming errors
// and stop at the coroutine or thread that owns a connection or a command.
#pragma once

#include <cassert>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace eider {

enum class Code {
  ok = 0,
  invalid_argument,   // bad input from a user or client
  not_found,          // no such user, mailbox, message, address
  already_exists,     // a unique name is taken
  over_quota,         // the user's storage quota would be exceeded
  too_large,          // a size limit was exceeded
  unavailable,        // the store or another dependency cannot serve now (retry later)
  io_error,           // a disk or network failure
  disk_full,          // no space left for the store
  corrupt,            // stored data failed a consistency check
  permission_denied,  // a file or folder could not be accessed
  unsupported,        // e.g. a database from a newer schema
  auth_failed,        // wrong user name or password
  out_of_range,       // history asked for is no longer kept (a trimmed journal)
  internal,           // a bug: a broken invariant in our own code
};

std::string_view code_name(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message)
      : rep_(code == Code::ok ? nullptr
                              : std::make_shared<const Rep>(Rep{code, std::move(message)})) {}

  static Status ok() { return Status(); }

  bool is_ok() const { return rep_ == nullptr; }
  explicit operator bool() const { return is_ok(); }
  Code code() const { return rep_ ? rep_->code : Code::ok; }
  // The one-line message given at construction ("" on success).
  const std::string& message() const;
  // "code_name: message", for logs and CLI errors.
  std::string to_string() const;

 private:
  struct Rep {
    Code code;
    std::string message;
  };
  std::shared_ptr<const Rep> rep_;
};

inline Status error(Code code, std::string message) {
  return Status(code, std::move(message));
}

// A value of T, or a failed Status. Never holds an ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Status status) : v_(std::move(status)) { assert(!std::get<Status>(v_).is_ok()); }

  bool is_ok() const { return v_.index() == 0; }
  explicit operator bool() const { return is_ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  // The failure; Status::ok() when a value is held.
  Status status() const { return is_ok() ? Status::ok() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace eider

// Propagates a failed Status from an expression yielding Status.
#define EIDER_RETURN_IF_ERROR(expr)                   \
  do {                                                \
    ::eider::Status eider_status_ = (expr);           \
    if (!eider_status_.is_ok()) return eider_status_; \
  } while (0)
