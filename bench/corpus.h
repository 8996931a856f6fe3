// The test corpus (tests/corpus/*.eml), loaded once for every benchmark.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace eider::bench {

struct Corpus {
  std::vector<std::string> messages;  // file contents, in file name order
  uint64_t total_bytes = 0;
};

// Loads $EIDER_CORPUS_DIR (or the compiled-in tests/corpus) on first call.
// Aborts with a message when the folder holds no messages: a benchmark over
// nothing would print a meaningless rate.
const Corpus& corpus();

}  // namespace eider::bench
