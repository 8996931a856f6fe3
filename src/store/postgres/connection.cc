#include "store/postgres/connection.h"

#include <cstring>

namespace eider::store::postgres {

namespace {

constexpr Oid kInt8 = 20;
constexpr Oid kBytea = 17;
constexpr Oid kInt8Array = 1016;
constexpr Oid kByteaArray = 1001;

void put_be32(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

// Text form: the binary array format needs header fields for nothing gained.
template <typename Int>
std::string int_array(const std::vector<Int>& values) {
  std::string text = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i != 0) text += ',';
    text += std::to_string(values[i]);
  }
  text += '}';
  return text;
}

uint64_t read_be(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::string first_line(const char* message) {
  std::string text = message != nullptr ? message : "";
  size_t end = text.find('\n');
  if (end != std::string::npos) text.resize(end);
  return text;
}

}  // namespace

void Params::add(int64_t value) {
  std::string bytes(8, '\0');
  auto v = static_cast<uint64_t>(value);
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  values_.push_back(std::move(bytes));
  types_.push_back(kInt8);
  formats_.push_back(1);
}

void Params::add(std::string_view bytes) {
  values_.emplace_back(bytes);
  types_.push_back(kBytea);
  formats_.push_back(1);
}

void Params::add(const std::vector<uint32_t>& values) {
  values_.push_back(int_array(values));
  types_.push_back(kInt8Array);
  formats_.push_back(0);
}

void Params::add(const std::vector<int64_t>& values) {
  values_.push_back(int_array(values));
  types_.push_back(kInt8Array);
  formats_.push_back(0);
}

void Params::add(const std::vector<std::string>& values) {
  // Binary form (array_recv): dimensions, no-nulls flag, element type, then
  // length and bytes of each element; no escaping of the bytes.
  std::string array;
  put_be32(array, values.empty() ? 0 : 1);
  put_be32(array, 0);
  put_be32(array, kBytea);
  if (!values.empty()) {
    put_be32(array, static_cast<uint32_t>(values.size()));
    put_be32(array, 1);
  }
  for (const std::string& value : values) {
    put_be32(array, static_cast<uint32_t>(value.size()));
    array += value;
  }
  values_.push_back(std::move(array));
  types_.push_back(kByteaArray);
  formats_.push_back(1);
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  for (const std::string& v : values_) out.push_back(v.data());
  return out;
}

std::vector<int> Params::lengths() const {
  std::vector<int> out;
  for (const std::string& v : values_) out.push_back(static_cast<int>(v.size()));
  return out;
}

int64_t Rows::int64(int row, int column) const {
  if (is_null(row, column)) return 0;
  const char* p = PQgetvalue(result_.get(), row, column);
  int n = PQgetlength(result_.get(), row, column);
  uint64_t v = read_be(p, n);
  // Sign-extend the narrower integer types.
  if (n < 8 && n > 0 && (static_cast<unsigned char>(p[0]) & 0x80) != 0) {
    v |= ~uint64_t{0} << (8 * n);
  }
  return static_cast<int64_t>(v);
}

std::string_view Rows::view(int row, int column) const {
  return std::string_view(PQgetvalue(result_.get(), row, column),
                          static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

std::string Rows::bytes(int row, int column) const {
  return std::string(view(row, column));
}

uint64_t Rows::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n != nullptr && *n != '\0' ? std::strtoull(n, nullptr, 10) : 0;
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& url) {
  // Defaults first: the URI (expanded from dbname) overrides them.
  const char* keys[] = {"connect_timeout", "keepalives_idle", "application_name", "dbname",
                        nullptr};
  const char* values[] = {"5", "30", "eider", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, 1);
  if (conn == nullptr) return error(Code::unavailable, "out of memory connecting to PostgreSQL");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = first_line(PQerrorMessage(conn));
    PQfinish(conn);
    return error(Code::unavailable, "cannot connect to PostgreSQL: " + message);
  }
  std::unique_ptr<Connection> connection(new Connection(conn));
  // A reply only after COMMIT is on disk (the server default, made sure of
  // here), and notices about the schema stay out of the log.
  EIDER_RETURN_IF_ERROR(
      connection->exec("SET synchronous_commit = on; SET client_min_messages = warning"));
  return connection;
}

Connection::~Connection() {
  PQfinish(conn_);
}

bool Connection::broken() const {
  return PQstatus(conn_) != CONNECTION_OK;
}

Status Connection::failure(PGresult* result, std::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state != nullptr ? state : "";
  std::string message = result != nullptr ? first_line(PQresultErrorMessage(result)) : "";
  if (message.empty()) message = first_line(PQerrorMessage(conn_));
  if (result != nullptr) PQclear(result);
  retryable_ = sqlstate == "40001" || sqlstate == "40P01";
  if (broken() || sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03") {
    return error(Code::unavailable, "PostgreSQL unavailable: " + message);
  }
  if (retryable_) return error(Code::unavailable, "PostgreSQL conflict: " + message);
  if (sqlstate == "23505") return error(Code::already_exists, message);
  if (sqlstate == "53100") return error(Code::disk_full, message);
  if (sqlstate.starts_with("53")) return error(Code::unavailable, message);
  return error(Code::internal, std::string(what) + ": " + message + " (" + sqlstate + ")");
}

Result<const std::string*> Connection::prepare(const std::string& sql, const Params& params) {
  auto found = prepared_.find(sql);
  if (found == prepared_.end()) {
    std::string name = "s" + std::to_string(prepared_.size());
    PGresult* prepared =
        PQprepare(conn_, name.c_str(), sql.c_str(), static_cast<int>(params.size()),
                  params.types().empty() ? nullptr : params.types().data());
    if (prepared == nullptr || PQresultStatus(prepared) != PGRES_COMMAND_OK) {
      return failure(prepared, "prepare \"" + sql + "\"");
    }
    PQclear(prepared);
    found = prepared_.emplace(sql, std::move(name)).first;
  }
  return &found->second;
}

Result<Rows> Connection::query(const std::string& sql, const Params& params) {
  retryable_ = false;
  Result<const std::string*> name = prepare(sql, params);
  if (!name) return name.status();
  if (!pending_begin_.empty()) {
    Result<PGresult*> executed = pipeline(**name, sql, params, false);
    if (!executed) return executed.status();
    return Rows(*executed);
  }
  std::vector<const char*> pointers = params.pointers();
  std::vector<int> lengths = params.lengths();
  PGresult* result = PQexecPrepared(conn_, (*name)->c_str(), static_cast<int>(params.size()),
                                    pointers.data(), lengths.data(), params.formats().data(), 1);
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return failure(result, sql);
  return Rows(result);
}

Result<Rows> Connection::query_and_commit(const std::string& sql, const Params& params) {
  retryable_ = false;
  Result<const std::string*> name = prepare(sql, params);
  if (!name) return name.status();
  Result<PGresult*> executed = pipeline(**name, sql, params, true);
  if (!executed) return executed.status();
  return Rows(*executed);
}

Status Connection::run(const std::string& sql, const Params& params) {
  return query(sql, params).status();
}

Status Connection::exec(const std::string& sql) {
  retryable_ = false;
  // A pending BEGIN runs first in the same simple query: if it fails, the
  // rest does not run.
  std::string text = pending_begin_.empty() ? sql : pending_begin_ + "; " + sql;
  const bool beginning = !pending_begin_.empty();
  pending_begin_.clear();
  if (beginning) in_transaction_ = true;
  PGresult* result = PQexec(conn_, text.c_str());
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) return failure(result, sql);
  PQclear(result);
  if (beginning) began_ = true;
  return Status::ok();
}

Result<PGresult*> Connection::pipeline(const std::string& name, const std::string& sql,
                                       const Params& params, bool then_commit) {
  const std::string begin_sql = std::move(pending_begin_);
  pending_begin_.clear();
  const bool beginning = !begin_sql.empty();
  // COMMIT only ends a transaction: a statement on its own commits itself.
  then_commit = then_commit && (beginning || in_transaction_);
  if (beginning) in_transaction_ = true;
  std::vector<const char*> pointers = params.pointers();
  std::vector<int> lengths = params.lengths();
  if (PQenterPipelineMode(conn_) != 1) return failure(nullptr, sql);
  bool sent = !beginning || PQsendQueryParams(conn_, begin_sql.c_str(), 0, nullptr, nullptr,
                                              nullptr, nullptr, 0) == 1;
  sent =
      sent && PQsendQueryPrepared(conn_, name.c_str(), static_cast<int>(params.size()),
                                  pointers.data(), lengths.data(), params.formats().data(), 1) == 1;
  sent = sent && (!then_commit || PQsendQueryParams(conn_, "COMMIT", 0, nullptr, nullptr, nullptr,
                                                    nullptr, 0) == 1);
  sent = sent && PQpipelineSync(conn_) == 1;
  // Results come per statement, each followed by a null; then the sync. A
  // lost connection ends with nulls only. A statement after a failed one
  // answers PGRES_PIPELINE_ABORTED.
  const size_t count = (beginning ? 1 : 0) + 1 + (then_commit ? 1 : 0);
  PGresult* results[3] = {nullptr, nullptr, nullptr};
  if (sent) {
    size_t index = 0;
    int nulls = 0;
    while (true) {
      PGresult* next = PQgetResult(conn_);
      if (next == nullptr) {
        if (++nulls >= 2 || broken()) break;
        ++index;
        continue;
      }
      nulls = 0;
      if (PQresultStatus(next) == PGRES_PIPELINE_SYNC) {
        PQclear(next);
        break;
      }
      if (index < count && results[index] == nullptr) {
        results[index] = next;
      } else {
        PQclear(next);
      }
    }
  }
  (void)PQexitPipelineMode(conn_);
  auto clear_from = [&](size_t first) {
    for (size_t i = first; i < count; ++i) {
      if (results[i] != nullptr) PQclear(results[i]);
    }
  };
  size_t at = 0;
  if (beginning) {
    if (results[0] == nullptr || PQresultStatus(results[0]) != PGRES_COMMAND_OK) {
      clear_from(1);
      return failure(results[0], begin_sql);
    }
    PQclear(results[0]);
    began_ = true;
    at = 1;
  }
  PGresult* statement = results[at];
  ExecStatusType status = statement != nullptr ? PQresultStatus(statement) : PGRES_FATAL_ERROR;
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    clear_from(at + 1);
    return failure(statement, sql);
  }
  if (then_commit) {
    PGresult* committed = results[at + 1];
    // Whatever COMMIT answered, the transaction is over.
    in_transaction_ = false;
    if (committed == nullptr || PQresultStatus(committed) != PGRES_COMMAND_OK) {
      PQclear(statement);
      return failure(committed, "COMMIT");
    }
    PQclear(committed);
  }
  return statement;
}

void Connection::begin(std::string begin_sql) {
  pending_begin_ = std::move(begin_sql);
  began_ = false;
}

Status Connection::commit() {
  if (!pending_begin_.empty()) {
    pending_begin_.clear();
    return Status::ok();
  }
  if (!in_transaction_) return Status::ok();
  in_transaction_ = false;
  return exec("COMMIT");
}

void Connection::rollback() {
  if (!pending_begin_.empty()) {
    pending_begin_.clear();
    return;
  }
  if (!in_transaction_) return;
  in_transaction_ = false;
  (void)exec("ROLLBACK");
}

}  // namespace eider::store::postgres
