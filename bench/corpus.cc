#include "corpus.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace eider::bench {
namespace {

Corpus load(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> paths;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".eml") {
      paths.push_back(entry.path());
    }
  }
  std::sort(paths.begin(), paths.end());
  Corpus c;
  for (const auto& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    c.messages.push_back(std::move(bytes).str());
    c.total_bytes += c.messages.back().size();
  }
  if (c.messages.empty()) {
    std::fprintf(stderr, "no *.eml messages in %s\n", dir.c_str());
    std::exit(2);
  }
  return c;
}

}  // namespace

const Corpus& corpus() {
  static const Corpus c = [] {
    const char* env = std::getenv("EIDER_CORPUS_DIR");
    return load(env != nullptr ? env : EIDER_CORPUS_DIR);
  }();
  return c;
}

}  // namespace eider::bench
