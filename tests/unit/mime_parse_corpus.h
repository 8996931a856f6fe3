// The message corpus (tests/corpus/*.eml and tests/mime-cases/*.eml) for the
// MIME parser's tests.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace eider::mime::testing {

struct CorpusFile {
  std::string name;
  std::string bytes;
};

// The corpus has 256 files and the edge cases 40; fewer means a folder was
// not found or not read, and a test looping over the corpus would check
// nothing.
inline constexpr size_t kMinimumCorpusFiles = 296;

// Every *.eml file of EIDER_CORPUS_DIR and of EIDER_MIME_CASES_DIR (the
// hand-made edge cases, tests/mime-cases), in name order, read once. Throws
// (failing the calling test, and every later one) when fewer than
// kMinimumCorpusFiles are read.
inline const std::vector<CorpusFile>& corpus() {
  static const std::vector<CorpusFile> files = [] {
    std::vector<CorpusFile> out;
    for (const char* dir : {EIDER_CORPUS_DIR, EIDER_MIME_CASES_DIR}) {
      for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().extension() != ".eml") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        out.push_back({entry.path().filename().string(), bytes.str()});
      }
    }
    std::sort(out.begin(), out.end(),
              [](const CorpusFile& a, const CorpusFile& b) { return a.name < b.name; });
    if (out.size() < kMinimumCorpusFiles) {
      throw std::runtime_error("read " + std::to_string(out.size()) + " corpus files from " +
                               EIDER_CORPUS_DIR + " and " + EIDER_MIME_CASES_DIR + ", want " +
                               std::to_string(kMinimumCorpusFiles));
    }
    return out;
  }();
  return files;
}

}  // namespace eider::mime::testing
