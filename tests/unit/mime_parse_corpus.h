// The message corpus (tests/corpus/*.eml and tests/mime-cases/*.eml) for the
// MIME parser's tests.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace eider::mime::testing {

struct CorpusFile {
  std::string name;
  std::string bytes;
};

// Every *.eml file of EIDER_CORPUS_DIR and of EIDER_MIME_CASES_DIR (the
// hand-made edge cases, tests/mime-cases), in name order, read once.
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
    return out;
  }();
  return files;
}

}  // namespace eider::mime::testing
