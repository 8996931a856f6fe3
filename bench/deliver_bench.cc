// Delivery throughput into a fresh embedded (SQLite) store on disk, through
// mail::Mail::deliver (parse, split, verify, append, publish), as LMTP and the
// CLI deliver.
//
// Each iteration delivers the whole corpus once, shared out between N writer
// threads (N = 1 and 8). Every delivery is durable before it returns, so with
// one writer the rate is bounded by fsync latency; with 8 the store may share
// one commit between several writers (group commit), which is where the
// difference between the two rows comes from. The per_commit counter shows
// the mean number of deliveries each commit carried.
//
// The store lives under $EIDER_BENCH_DIR (default: the system temp folder).
// Point it at a real disk: on tmpfs fsync is free and the numbers flatter.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/limits.h"
#include "corpus.h"
#include "mail/mail.h"
#include "notify/notifier.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace eider::bench {
namespace {

std::filesystem::path make_temp_dir() {
  const char* env = std::getenv("EIDER_BENCH_DIR");
  std::filesystem::path base = env != nullptr ? env : std::filesystem::temp_directory_path();
  std::filesystem::create_directories(base);
  std::string pattern = (base / "eider-deliver-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return {};
  return pattern;
}

// A store in a temp folder with one user, behind the mail layer that every
// protocol delivers through; the folder is removed with the object.
class TempStore {
 public:
  Status open() {
    dir_ = make_temp_dir();
    if (dir_.empty()) return error(Code::io_error, "cannot create a temp folder");
    store::Options options;
    options.data_dir = dir_.string();
    // SQLite's own: the mean batch comes from its commit counters.
    Result<std::unique_ptr<store::sqlite::SqliteStore>> s =
        store::sqlite::SqliteStore::open(options);
    if (!s.is_ok()) return s.status();
    store_ = std::move(*s);
    Result<std::unique_ptr<notify::Notifier>> n = notify::open_notifier("local");
    if (!n.is_ok()) return n.status();
    notifier_ = std::move(*n);
    mail_ = std::make_unique<mail::Mail>(*store_, *notifier_, core::Limits{});
    Result<store::User> user = store_->create_user("bench", "x", {}, {});
    if (!user.is_ok()) return user.status();
    user_id_ = user->id;
    return Status::ok();
  }

  ~TempStore() {
    mail_.reset();
    notifier_.reset();
    store_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  Status deliver(const std::string& raw) {
    return mail_->deliver(user_id_, mail::kInbox, raw).status();
  }

  // Mean number of deliveries per commit since the store was opened.
  double mean_batch() {
    store::sqlite::CommitCounters counted = store_->commit_counters();
    if (counted.commits == 0) return 0;
    return static_cast<double>(counted.jobs) / static_cast<double>(counted.commits);
  }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<notify::Notifier> notifier_;
  std::unique_ptr<mail::Mail> mail_;
  int64_t user_id_ = 0;
};

// Delivers every corpus message once, spread over `writers` threads.
// Returns the first failure, if any.
Status deliver_corpus(TempStore& store, const Corpus& c, int writers) {
  std::atomic<size_t> next{0};
  std::mutex mu;
  Status first_error;
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < writers; ++t) {
      threads.emplace_back([&] {
        for (size_t i; (i = next.fetch_add(1)) < c.messages.size();) {
          Status s = store.deliver(c.messages[i]);
          if (!s.is_ok()) {
            std::lock_guard lock(mu);
            if (first_error.is_ok()) first_error = s;
          }
        }
      });
    }
  }
  return first_error;
}

void BM_Deliver(benchmark::State& state) {
  const Corpus& c = corpus();
  const int writers = static_cast<int>(state.range(0));
  TempStore store;
  if (Status s = store.open(); !s.is_ok()) {
    state.SkipWithError(s.to_string().c_str());
    return;
  }
  for (auto _ : state) {
    if (Status s = deliver_corpus(store, c, writers); !s.is_ok()) {
      state.SkipWithError(s.to_string().c_str());
      break;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.total_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.messages.size()));
  state.counters["per_commit"] = store.mean_batch();
}
BENCHMARK(BM_Deliver)
    ->ArgName("writers")
    ->Arg(1)
    ->Arg(8)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace eider::bench

BENCHMARK_MAIN();
