// What a SEARCH on headers costs the store: Store::visit_summaries over a
// whole mailbox of many messages, on PostgreSQL and on SQLite.
//
//   build/bench/summaries_bench [messages] [runs]
//
// Fills one INBOX per backend with `messages` (default 20,000) messages
// ingested from the corpus (tests/corpus), each given a Message-ID and
// Subject of its own so that no two summaries are equal, then times
// visit_summaries over every UID and over the last 1,000 UIDs `runs` times
// (default 20) and prints the median and the bytes visited. PostgreSQL is a
// private server (tests/support/postgres_server.h, fsync off: this measures
// reads); SQLite a file under the system temp folder. Both are warm: the
// first run fills the caches and is not counted.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "core/limits.h"
#include "corpus.h"
#include "mail/mail.h"
#include "store/store.h"
#include "support/postgres_server.h"
#include "support/store_data.h"

namespace {

using eider::Result;
using eider::store::NewMessage;
using eider::store::Store;

struct Visit {
  double ms = 0;
  uint64_t count = 0;
  uint64_t bytes = 0;
};

Visit visit_once(Store& store, int64_t user_id, int64_t mailbox_id, uint32_t first, uint32_t last) {
  Visit v;
  auto start = std::chrono::steady_clock::now();
  eider::Status status =
      store.visit_summaries(user_id, mailbox_id, first, last, [&](uint32_t, std::string_view s) {
        ++v.count;
        v.bytes += s.size();
      });
  v.ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!status) {
    std::fprintf(stderr, "visit_summaries: %s\n", status.to_string().c_str());
    std::exit(1);
  }
  return v;
}

Visit median_of(int runs, Store& store, int64_t user_id, int64_t mailbox_id, uint32_t first,
                uint32_t last) {
  (void)visit_once(store, user_id, mailbox_id, first, last);  // warms the caches
  std::vector<Visit> all;
  for (int i = 0; i < runs; ++i) all.push_back(visit_once(store, user_id, mailbox_id, first, last));
  std::sort(all.begin(), all.end(), [](const Visit& a, const Visit& b) { return a.ms < b.ms; });
  return all[all.size() / 2];
}

// Fills the user's INBOX and prints the two medians.
void measure(const char* name, Store& store, const std::vector<std::string>& raws, int messages,
             int runs) {
  Result<eider::store::User> user = store.create_user("bench", "x", {}, {});
  if (!user) {
    std::fprintf(stderr, "%s: %s\n", name, user.status().to_string().c_str());
    std::exit(1);
  }
  Result<eider::store::Mailbox> inbox = store.find_mailbox(user->id, "INBOX");
  auto start = std::chrono::steady_clock::now();
  for (int n = 0; n < messages; ++n) {
    const std::string& raw = raws[n % raws.size()];
    std::string unique = "Message-ID: <" + std::to_string(n) +
                         "@summaries.bench>\r\nSubject: " + std::to_string(n) +
                         " of the bench\r\n" + raw;
    Result<NewMessage> message = eider::mail::ingest(unique, eider::core::Limits{}, 1700000000 + n);
    if (!message) continue;  // the corpus holds some messages ingest refuses on purpose
    Result<eider::store::Appended> appended = store.append_message(user->id, inbox->id, *message);
    if (!appended) {
      std::fprintf(stderr, "%s: append: %s\n", name, appended.status().to_string().c_str());
      std::exit(1);
    }
  }
  const double fill =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Result<eider::store::Mailbox> filled = store.find_mailbox(user->id, "INBOX");
  const uint32_t last = filled->uidnext - 1;
  Visit all = median_of(runs, store, user->id, inbox->id, 1, last);
  Visit tail = median_of(runs, store, user->id, inbox->id, last > 1000 ? last - 999 : 1, last);
  std::printf("%-10s filled %6u messages in %5.1f s\n", name, last, fill);
  std::printf("%-10s all UIDs        %8.2f ms  (%llu summaries, %.1f MB)\n", name, all.ms,
              static_cast<unsigned long long>(all.count), all.bytes / 1e6);
  std::printf("%-10s last 1000 UIDs  %8.2f ms  (%llu summaries)\n", name, tail.ms,
              static_cast<unsigned long long>(tail.count));
}

}  // namespace

int main(int argc, char** argv) {
  const int messages = argc > 1 ? std::atoi(argv[1]) : 20000;
  const int runs = argc > 2 ? std::atoi(argv[2]) : 20;
  const std::vector<std::string>& raws = eider::bench::corpus().messages;

  Result<std::unique_ptr<eider::store::testing::PostgresServer>> server =
      eider::store::testing::PostgresServer::start();
  if (!server) {
    std::fprintf(stderr, "%s\n", server.status().to_string().c_str());
    return 1;
  }
  Result<std::string> url = (*server)->create_database();
  if (!url) return 1;
  eider::store::Options options;
  options.url = *url;
  Result<std::unique_ptr<Store>> pg = eider::store::open(options);
  if (!pg) {
    std::fprintf(stderr, "%s\n", pg.status().to_string().c_str());
    return 1;
  }
  measure("postgresql", **pg, raws, messages, runs);

  eider::store::testing::TempDir dir;
  eider::store::Options sqlite_options;
  sqlite_options.data_dir = dir.path().string();
  Result<std::unique_ptr<Store>> sqlite = eider::store::open(sqlite_options);
  if (!sqlite) {
    std::fprintf(stderr, "%s\n", sqlite.status().to_string().c_str());
    return 1;
  }
  measure("sqlite", **sqlite, raws, messages, runs);
  return 0;
}
