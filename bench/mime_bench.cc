// MIME parser throughput over the whole corpus, one core.
//
// BM_Parse: mime::parse alone. BM_ParseSplitRebuild: what delivery does to a
// message before it reaches the store (parse, split into tree + blobs) plus
// the verifying rebuild; a rebuild that differs from the input is reported as
// an error, since a fast wrong answer is no benchmark.
#include <benchmark/benchmark.h>

#include <map>
#include <string>

#include "corpus.h"
#include "mime/message.h"
#include "mime/tree.h"

namespace eider::bench {
namespace {

void BM_Parse(benchmark::State& state) {
  const Corpus& c = corpus();
  for (auto _ : state) {
    for (const std::string& raw : c.messages) {
      mime::Message m = mime::parse(raw);
      benchmark::DoNotOptimize(m);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.total_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.messages.size()));
}
BENCHMARK(BM_Parse)->Unit(benchmark::kMillisecond);

// What delivery does to one message before the store: parse, split, and the
// verifying rebuild. Returns whether the rebuild reproduced the input.
bool split_and_verify(const std::string& raw) {
  mime::Message parsed = mime::parse(raw);
  mime::SplitMessage split = mime::split(raw, parsed);
  std::map<mime::BlobKey, const std::string*> blobs;
  for (const mime::Blob& b : split.blobs) blobs[b.key] = &b.content;
  Result<std::string> rebuilt =
      mime::rebuild(split.tree, [&](const mime::BlobKey& key) -> Result<std::string> {
        auto it = blobs.find(key);
        if (it == blobs.end()) return error(Code::not_found, "blob missing from split");
        return *it->second;
      });
  return rebuilt.is_ok() && *rebuilt == raw;
}

void BM_ParseSplitRebuild(benchmark::State& state) {
  const Corpus& c = corpus();
  for (auto _ : state) {
    bool all_match = true;
    for (const std::string& raw : c.messages) all_match = split_and_verify(raw) && all_match;
    if (!all_match) {
      state.SkipWithError("a rebuild differs from its input");
      break;
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * c.total_bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * c.messages.size()));
}
BENCHMARK(BM_ParseSplitRebuild)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace eider::bench

BENCHMARK_MAIN();
