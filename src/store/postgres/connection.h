// One libpq connection with its prepared statements, and the rows a query
// returns. Every parameter and every result travels in binary form: integers
// as int8, strings as bytea (raw bytes, no encoding or escaping involved).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"

namespace eider::store::postgres {

// A query's parameters ($1, $2, ...): int64 or bytes.
class Params {
 public:
  Params() = default;
  template <typename... Args>
  explicit Params(const Args&... args) {
    (add(args), ...);
  }

  void add(int64_t value);
  void add(uint64_t value) { add(static_cast<int64_t>(value)); }
  void add(int value) { add(static_cast<int64_t>(value)); }
  void add(uint32_t value) { add(static_cast<int64_t>(value)); }
  void add(bool value) { add(static_cast<int64_t>(value ? 1 : 0)); }
  void add(std::string_view bytes);
  void add(const std::string& bytes) { add(std::string_view(bytes)); }
  void add(const char* bytes) { add(std::string_view(bytes)); }
  // A bigint[] (uid = ANY ($n)).
  void add(const std::vector<uint32_t>& values);
  void add(const std::vector<int64_t>& values);
  // A bytea[] (one statement over many rows: unnest($n)).
  void add(const std::vector<std::string>& values);

  size_t size() const { return values_.size(); }
  // The parameter types, as PQprepare takes them (int8 or bytea).
  const std::vector<Oid>& types() const { return types_; }
  std::vector<const char*> pointers() const;
  std::vector<int> lengths() const;
  const std::vector<int>& formats() const { return formats_; }

 private:
  std::vector<std::string> values_;
  std::vector<Oid> types_;
  std::vector<int> formats_;  // 1 binary, 0 text
};

// A query's result, read by row and column. Integers of any width (int2,
// int4, int8, bool) read as int64; anything else as its raw bytes.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result, &PQclear) {}

  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  bool is_null(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  int64_t int64(int row, int column) const;
  std::string bytes(int row, int column) const;
  std::string_view view(int row, int column) const;
  // The number of rows an INSERT, UPDATE or DELETE touched.
  uint64_t affected() const;

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class Connection {
 public:
  // Connects to `url` (a libpq URI: postgresql://user:pass@host:port/db).
  // Code::unavailable when the server cannot be reached.
  static Result<std::unique_ptr<Connection>> open(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` as a prepared statement of this connection (prepared on first
  // use). Errors map to Codes: unique violation => already_exists, lost
  // connection => unavailable (and broken() turns true), serialization
  // failure or deadlock => unavailable with retryable() true.
  Result<Rows> query(const std::string& sql, const Params& params = Params());
  // query() for a statement whose rows are not wanted.
  Status run(const std::string& sql, const Params& params = Params());
  // Runs one or more statements without parameters (BEGIN, DDL).
  Status exec(const std::string& sql);

  // Starts a transaction with `begin_sql` (a BEGIN statement). Nothing is
  // sent yet: the BEGIN goes out with the transaction's first statement, in
  // one round trip (libpq pipeline mode), and its failure is that
  // statement's failure. Without begin() every statement commits on its own.
  void begin(std::string begin_sql);
  // query() as the last statement of the transaction begin() started: the
  // pending BEGIN (if any), the statement and COMMIT travel in one round
  // trip. The rows are returned only once COMMIT succeeded (durable, as
  // commit()); a failure of the statement or of COMMIT is the result, and a
  // failed statement leaves the transaction for rollback().
  Result<Rows> query_and_commit(const std::string& sql, const Params& params = Params());
  // Ends the transaction begin() started: COMMIT, or nothing when no
  // statement was sent or query_and_commit() committed it. The result is
  // known only once COMMIT answered.
  Status commit();
  // Ends it with ROLLBACK (nothing when no statement was sent).
  void rollback();
  // The server confirmed the BEGIN of the current transaction. False after a
  // failure means the server never ran a statement of it: on a broken()
  // connection the whole transaction may run again on another one.
  bool began() const { return began_; }
  // The connection is gone; the pool replaces it.
  bool broken() const;
  // The last failure was a serialization failure or a deadlock: running the
  // whole transaction again may succeed.
  bool retryable() const { return retryable_; }

 private:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  Status failure(PGresult* result, std::string_view what);
  // The statement name of `sql`, prepared on first use.
  Result<const std::string*> prepare(const std::string& sql, const Params& params);
  // Sends, in one pipeline, the pending BEGIN (if any), the prepared
  // statement `name` and, with `then_commit`, COMMIT; the statement's result,
  // or the first failure.
  Result<PGresult*> pipeline(const std::string& name, const std::string& sql, const Params& params,
                             bool then_commit);

  PGconn* conn_;
  // SQL text => statement name.
  std::unordered_map<std::string, std::string> prepared_;
  bool retryable_ = false;
  std::string pending_begin_;  // begin() not sent yet
  bool began_ = false;
  bool in_transaction_ = false;  // BEGIN sent, no COMMIT or ROLLBACK yet
};

}  // namespace eider::store::postgres
