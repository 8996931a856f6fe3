#include "support/store_backends.h"

#include <gtest/gtest.h>

#include <utility>

#include "support/postgres_server.h"
#include "support/store_data.h"

namespace eider::store::testing {
namespace {

class SqliteInstance : public BackendInstance {
 public:
  Status open_first() {
    Result<std::unique_ptr<Store>> opened = open_another();
    if (!opened) return opened.status();
    store_ = std::move(*opened);
    return Status::ok();
  }

  Store& store() override { return *store_; }

  Result<std::unique_ptr<Store>> open_another() override {
    Options options;
    options.data_dir = dir_.path().string();
    options.connections = 2;
    return open(options);
  }

 private:
  TempDir dir_;  // outlives the stores below (declared first, destroyed last)
  std::unique_ptr<Store> store_;
};

std::unique_ptr<BackendInstance> make_sqlite() {
  auto instance = std::make_unique<SqliteInstance>();
  Status opened = instance->open_first();
  if (!opened) {
    ADD_FAILURE() << "sqlite store: " << opened.to_string();
    return nullptr;
  }
  return instance;
}

// A database of its own on the test binary's private server
// (support/postgres_server.h).
class PostgresInstance : public BackendInstance {
 public:
  explicit PostgresInstance(std::string url) : url_(std::move(url)) {}
  Status open_first() {
    Result<std::unique_ptr<Store>> opened = open_another();
    if (!opened) return opened.status();
    store_ = std::move(*opened);
    return Status::ok();
  }
  Store& store() override { return *store_; }
  Result<std::unique_ptr<Store>> open_another() override {
    Options options;
    options.url = url_;
    options.connections = 2;
    return open(options);
  }

 private:
  std::string url_;
  std::unique_ptr<Store> store_;
};

std::unique_ptr<BackendInstance> make_postgres() {
  if (shared_postgres_server() == nullptr) {
    ADD_FAILURE() << "postgres store: the test server did not start (see above)";
    return nullptr;
  }
  Result<std::string> url = shared_postgres_server()->create_database();
  if (!url) {
    ADD_FAILURE() << "postgres store: " << url.status().to_string();
    return nullptr;
  }
  auto instance = std::make_unique<PostgresInstance>(*url);
  Status opened = instance->open_first();
  if (!opened) {
    ADD_FAILURE() << "postgres store: " << opened.to_string();
    return nullptr;
  }
  return instance;
}

}  // namespace

std::vector<StoreBackend> store_backends() {
  std::vector<StoreBackend> backends;
  backends.push_back({"Sqlite", make_sqlite});
  // A private server per test binary, started on first use; without one
  // (no PostgreSQL installed) the suite runs on SQLite alone.
  // Under CI it must start: make_postgres then reports why it did not.
  if (shared_postgres_server() != nullptr || postgres_required()) {
    backends.push_back({"Postgres", make_postgres});
  }
  return backends;
}

}  // namespace eider::store::testing
