// Does one attachment delivered to many users at once make the PostgreSQL
// store serialize on a global row? (docs/scale-out.md, "Blobs")
//
//   build/bench/blob_uses_bench [threads] [messages per thread]
//
// Starts a private PostgreSQL with fsync on (tests/support/postgres_server.h),
// then measures deliveries per second from `threads` threads, each to its
// own user:
//   store, one attachment      every message carries the same 100 KB blob
//   store, own attachments     every message carries a blob of its own
// and, in plain SQL on the same server, the two ways to count uses:
//   sql, global refcount row   each transaction bumps blobs.refcount of one key
//   sql, per-user use rows     each transaction bumps (user_id, key)
// A global row stays locked until its transaction's commit is flushed, so
// the deliveries queue on it one flush at a time; per-user rows let their
// commits share flushes.
#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "core/varint.h"
#include "store/store.h"
#include "support/postgres_server.h"

namespace {

using eider::Result;
using eider::store::NewMessage;
using eider::store::testing::PostgresServer;

std::string blob_content(uint64_t seed, size_t size) {
  std::string content;
  content.reserve(size);
  uint64_t x = seed * 2654435761u + 1;
  for (size_t i = 0; i < size; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    content.push_back(static_cast<char>(x));
  }
  return content;
}

// A message whose tree uses one blob (docs/formats.md, "Stored tree").
NewMessage message_with(const std::string& key, const std::string& content) {
  NewMessage message;
  std::string skeleton = "Subject: bench\r\n\r\n";
  message.split.size = skeleton.size() + content.size();
  std::string tree(1, '\x01');
  eider::put_varint(tree, message.split.size);
  eider::put_varint(tree, skeleton.size());
  tree += skeleton;
  eider::put_varint(tree, 1);
  eider::put_varint(tree, skeleton.size());
  tree.push_back('\x00');
  tree += key;
  message.split.tree = std::move(tree);
  message.split.blobs.push_back({key, content});
  message.internal_date = 1700000000;
  message.envelope = "NIL";
  message.bodystructure = "NIL";
  message.body = "NIL";
  message.wire_size = message.split.size;
  return message;
}

std::string key_of(uint64_t n) {
  std::string key = "key-" + std::to_string(n);
  key.resize(32, '.');
  return key;
}

template <typename F>
double per_second(int threads, int per_thread, F&& work) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back([&, t] { work(t); });
  for (std::thread& th : pool) th.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return threads * per_thread / seconds;
}

void exec(PGconn* conn, const std::string& sql) {
  PGresult* result = PQexec(conn, sql.c_str());
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    std::fprintf(stderr, "%s: %s", sql.c_str(), PQresultErrorMessage(result));
    std::exit(1);
  }
  PQclear(result);
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 8;
  const int per_thread = argc > 2 ? std::atoi(argv[2]) : 50;
  Result<std::unique_ptr<PostgresServer>> server = PostgresServer::start(true);
  if (!server) {
    std::fprintf(stderr, "%s\n", server.status().to_string().c_str());
    return 1;
  }
  Result<std::string> url = (*server)->create_database();
  if (!url) return 1;
  eider::store::Options options;
  options.url = *url;
  options.connections = static_cast<uint32_t>(threads);
  Result<std::unique_ptr<eider::store::Store>> store = eider::store::open(options);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.status().to_string().c_str());
    return 1;
  }
  std::vector<std::pair<int64_t, int64_t>> users;  // user id, INBOX id
  for (int t = 0; t < threads; ++t) {
    auto user = (*store)->create_user("u" + std::to_string(t), "x", {}, {});
    auto inbox = (*store)->find_mailbox(user->id, "INBOX");
    users.emplace_back(user->id, inbox->id);
  }
  const std::string shared = blob_content(1, 100 * 1024);
  const NewMessage one = message_with(key_of(0), shared);
  std::printf("threads %d, %d deliveries each, 100 KB attachment, fsync on\n", threads, per_thread);
  double rate = per_second(threads, per_thread, [&](int t) {
    for (int i = 0; i < per_thread; ++i) {
      if (!(*store)->append_message(users[t].first, users[t].second, one)) std::exit(1);
    }
  });
  std::printf("store, one attachment        %8.0f deliveries/s\n", rate);
  std::vector<NewMessage> own;
  for (int n = 0; n < threads * per_thread; ++n) {
    own.push_back(message_with(key_of(n + 1), blob_content(n + 2, 100 * 1024)));
  }
  rate = per_second(threads, per_thread, [&](int t) {
    for (int i = 0; i < per_thread; ++i) {
      if (!(*store)->append_message(users[t].first, users[t].second, own[t * per_thread + i])) {
        std::exit(1);
      }
    }
  });
  std::printf("store, own attachments       %8.0f deliveries/s\n", rate);

  // The two counting schemes alone, each transaction also inserting a row
  // of its own as a delivery would.
  PGconn* setup = PQconnectdb(url->c_str());
  exec(setup,
       "CREATE TABLE hot (key bytea PRIMARY KEY, refcount bigint);"
       " INSERT INTO hot VALUES ('k', 0);"
       " CREATE TABLE per_user (user_id bigint, key bytea, uses bigint,"
       " PRIMARY KEY (user_id, key));"
       " CREATE TABLE filler (user_id bigint, n bigint)");
  PQfinish(setup);
  const char* schemes[][2] = {
      {"sql, global refcount row   ", "UPDATE hot SET refcount = refcount + 1 WHERE key = 'k'"},
      {"sql, per-user use rows     ",
       "INSERT INTO per_user VALUES ($U, 'k', 1) ON CONFLICT (user_id, key)"
       " DO UPDATE SET uses = per_user.uses + 1"},
  };
  for (const auto& scheme : schemes) {
    rate = per_second(threads, per_thread, [&](int t) {
      PGconn* conn = PQconnectdb(url->c_str());
      std::string bump = scheme[1];
      size_t at = bump.find("$U");
      if (at != std::string::npos) bump.replace(at, 2, std::to_string(t));
      for (int i = 0; i < per_thread; ++i) {
        exec(conn, "BEGIN; " + bump + "; INSERT INTO filler VALUES (" + std::to_string(t) + ", " +
                       std::to_string(i) + "); COMMIT");
      }
      PQfinish(conn);
    });
    std::printf("%s %8.0f transactions/s\n", scheme[0], rate);
  }
  return 0;
}
