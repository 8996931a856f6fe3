// Opening a store: creation, migrations, reopen, and the refusals.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "store_test_util.h"

namespace eider::store {
namespace {

using testing::open_or_die;
using testing::options_for;
using testing::TempDir;

// PRAGMA user_version lives at byte 60 of the database header, big-endian.
void write_user_version(const std::filesystem::path& db, uint32_t version) {
  std::fstream file(db, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(file.is_open());
  file.seekp(60);
  const char bytes[4] = {static_cast<char>(version >> 24), static_cast<char>(version >> 16),
                         static_cast<char>(version >> 8), static_cast<char>(version)};
  file.write(bytes, 4);
}

uint32_t read_user_version(const std::filesystem::path& db) {
  std::ifstream file(db, std::ios::binary);
  file.seekg(60);
  unsigned char bytes[4] = {};
  file.read(reinterpret_cast<char*>(bytes), 4);
  return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 | bytes[3];
}

TEST(StoreOpen, CreatesMissingDataFolderAndDatabase) {
  TempDir dir;
  Options options = options_for(dir);
  options.data_dir = (dir.path() / "nested" / "data").string();
  auto store = open_or_die(options);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "nested" / "data" / "eider.db"));
}

TEST(StoreOpen, AppliesMigrationsAndKeepsDataAcrossReopen) {
  TempDir dir;
  int64_t id = 0;
  {
    auto store = open_or_die(options_for(dir));
    ASSERT_NE(store, nullptr);
    Result<User> user = store->create_user("Alice", "$6$x", {"alice@example.org"}, {.bytes = 1000});
    ASSERT_TRUE(user.is_ok()) << user.status().to_string();
    id = user->id;
  }
  EXPECT_GE(read_user_version(dir.db()), 1u);
  auto store = open_or_die(options_for(dir));
  ASSERT_NE(store, nullptr);
  Result<User> user = store->find_user("alice");
  ASSERT_TRUE(user.is_ok()) << user.status().to_string();
  EXPECT_EQ(user->id, id);
  EXPECT_EQ(user->quota_bytes, 1000u);
  EXPECT_EQ(store->find_address("alice@example.org").value(), id);
}

TEST(StoreOpen, SqliteUrlNamesTheDatabaseFile) {
  TempDir dir;
  Options options = options_for(dir);
  options.data_dir = "/nonexistent-data-dir-not-used";
  options.url = "sqlite:" + (dir.path() / "custom.db").string();
  auto store = open_or_die(options);
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "custom.db"));
}

TEST(StoreOpen, RejectsUnknownUrl) {
  TempDir dir;
  Options options = options_for(dir);
  options.url = "mysql://localhost";
  EXPECT_EQ(open(options).status().code(), Code::unsupported);
}

TEST(StoreOpen, RejectsNewerSchemaVersion) {
  TempDir dir;
  { ASSERT_NE(open_or_die(options_for(dir)), nullptr); }
  write_user_version(dir.db(), 9999);
  Result<std::unique_ptr<Store>> store = open(options_for(dir));
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), Code::unsupported);
  EXPECT_NE(store.status().message().find("9999"), std::string::npos) << store.status().message();
}

TEST(StoreOpen, ReadOnlySqliteReadsAndWritesNothing) {
  TempDir dir;
  {
    auto store = open_or_die(options_for(dir));
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->create_user("ann", "$6$x", {}, {}).is_ok());
  }
  auto file_bytes = [&] {
    std::ifstream file(dir.db(), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(file), {});
  };
  const std::string before = file_bytes();
  {
    Options options = options_for(dir);
    options.create = false;
    Result<std::unique_ptr<sqlite::SqliteStore>> store =
        sqlite::SqliteStore::open(options, {.vfs = "", .read_only = true});
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    EXPECT_EQ((*store)->list_users().value().size(), 1u);
    EXPECT_FALSE((*store)->create_user("bob", "$6$x", {}, {}).is_ok());
  }
  EXPECT_EQ(file_bytes(), before);
}

TEST(StoreOpen, ReadOnlySqliteRefusesAnOlderSchemaInsteadOfMigrating) {
  TempDir dir;
  { ASSERT_NE(open_or_die(options_for(dir)), nullptr); }
  write_user_version(dir.db(), 12);
  Result<std::unique_ptr<sqlite::SqliteStore>> store =
      sqlite::SqliteStore::open(options_for(dir), {.vfs = "", .read_only = true});
  EXPECT_EQ(store.status().code(), Code::unsupported);
  EXPECT_EQ(read_user_version(dir.db()), 12u);
}

TEST(StoreOpen, MissingDatabaseWithoutCreateIsNotFound) {
  TempDir dir;
  Options options = options_for(dir);
  options.create = false;
  EXPECT_EQ(open(options).status().code(), Code::not_found);
}

// Reads beyond the connections wait for one; they are not refused, and 0
// connections means one.
TEST(StoreOpen, ReadsShareTheReadConnections) {
  TempDir dir;
  Options options = options_for(dir);
  options.connections = 0;
  auto store = open_or_die(options);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->create_user("alice", "$6$x", {"alice@example.org"}, {}).is_ok());
  std::atomic<int> found = 0;
  {
    std::vector<std::jthread> readers;
    for (int i = 0; i < 8; ++i) {
      readers.emplace_back([&] {
        for (int n = 0; n < 50; ++n) found += store->find_user("alice").is_ok() ? 1 : 0;
      });
    }
  }
  EXPECT_EQ(found, 8 * 50);
}

// Root ignores permission bits, so the refusal is checked in a child process
// that gives up root first; the child reports the code as its exit status.
TEST(StoreOpen, UnwritableDataFolderIsPermissionDenied) {
  TempDir dir;
  std::filesystem::path locked = dir.path() / "locked";
  std::filesystem::create_directory(locked);
  ASSERT_EQ(::chmod(locked.c_str(), 0555), 0);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
  for (const auto& data_dir : {locked, locked / "sub"}) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(100);
      Options options;
      options.data_dir = data_dir.string();
      Result<std::unique_ptr<Store>> store = open(options);
      bool names_path = store.status().message().find(locked.string()) != std::string::npos;
      ::_exit(!store.is_ok() && store.status().code() == Code::permission_denied && names_path ? 0
                                                                                               : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << data_dir;
  }
}

TEST(StoreOpen, ReadOnlyDatabaseFileIsPermissionDenied) {
  TempDir dir;
  { ASSERT_NE(open_or_die(options_for(dir)), nullptr); }
  ASSERT_EQ(::chmod(dir.db().c_str(), 0444), 0);
  ASSERT_EQ(::chmod(dir.path().c_str(), 0777), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(100);
    // Refused at open, naming the file: a server must not start on it and
    // fail every write later.
    Result<std::unique_ptr<Store>> store = open(options_for(dir));
    if (store.is_ok()) ::_exit(2);
    bool names_file = store.status().message().find(dir.db().string()) != std::string::npos;
    ::_exit(store.status().code() == Code::permission_denied && names_file ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace eider::store
