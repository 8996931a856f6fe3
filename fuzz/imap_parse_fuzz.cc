// libFuzzer target for the IMAP command parser (src/imap, no I/O).
//
// The input is fed in chunks whose sizes come from the input itself.
// Checks, besides "no crash, no sanitizer report": every step consumes at
// most what it was given and need_more consumes everything (the caller's
// buffer never grows past one chunk); error texts are never empty; the
// events (kind, tag, literal size) are the same whether the input arrives
// at once or in chunks; with small limits, no command holds more than its
// limits allow.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "imap/parser.h"

namespace {

using eider::imap::CommandReader;

void check(bool ok) {
  if (!ok) std::abort();
}

eider::imap::ParserLimits small_limits() {
  eider::imap::ParserLimits limits;
  limits.max_line_length = 512;
  limits.max_literal_size = 256;
  limits.max_message_size = 1024;
  limits.max_literals = 4;
  limits.max_depth = 8;
  limits.max_arguments = 64;
  return limits;
}

std::size_t command_bytes(const eider::imap::Command& command) {
  std::size_t n = command.tag.size() + command.name.size();
  if (auto* append = std::get_if<eider::imap::Append>(&command.arguments)) {
    for (const auto& m : append->messages) n += m.content.size();
  }
  return n;
}

// One event per step other than need_more, as text, for comparing runs.
std::vector<std::string> run(std::string_view input, std::string_view chunk_sizes,
                             bool reject_some) {
  const eider::imap::ParserLimits limits = small_limits();
  CommandReader reader(limits);
  std::vector<std::string> events;
  std::string buffer;
  std::size_t fed = 0;
  std::size_t chunk = 0;
  while (true) {
    CommandReader::Step step = reader.feed(buffer);
    check(step.consumed <= buffer.size());
    buffer.erase(0, step.consumed);
    switch (step.kind) {
      case CommandReader::Step::Kind::need_more:
        check(buffer.empty());
        if (fed == input.size()) return events;
        {
          std::size_t size =
              chunk_sizes.empty()
                  ? input.size()
                  : 1 + static_cast<unsigned char>(chunk_sizes[chunk++ % chunk_sizes.size()]);
          buffer.append(input.substr(fed, size));
          fed = std::min(input.size(), fed + size);
        }
        break;
      case CommandReader::Step::Kind::continuation:
        check(step.literal_size <= limits.max_message_size);
        events.push_back("+" + std::to_string(step.literal_size));
        if (reject_some && step.literal_size % 2 == 1) {
          reader.reject_literal();
        } else {
          reader.accept_literal();
        }
        break;
      case CommandReader::Step::Kind::literal:
        check(step.literal_size <= limits.max_message_size);
        reader.accept_literal();
        break;
      case CommandReader::Step::Kind::command:
        check(command_bytes(*step.command) <= limits.max_line_length + limits.max_message_size);
        events.push_back("C" + step.command->tag + " " + step.command->name);
        break;
      case CommandReader::Step::Kind::error:
        check(!step.error.text.empty());
        events.push_back("E" + step.error.tag);
        break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view all(reinterpret_cast<const char*>(data), size);
  // The first 8 bytes choose chunk sizes; the rest is the client's input.
  std::string_view chunk_sizes = all.substr(0, std::min<std::size_t>(8, all.size()));
  std::string_view input = all.substr(chunk_sizes.size());
  std::vector<std::string> whole = run(input, {}, false);
  std::vector<std::string> chunked = run(input, chunk_sizes, false);
  check(whole == chunked);
  run(input, chunk_sizes, true);
  return 0;
}
