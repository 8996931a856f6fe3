// Test helper: runs bytes through a CommandReader the way a session would,
// accepting every synchronizing literal, and records what came out.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "imap/parser.h"

namespace eider::imap {

using Event = std::variant<Command, ParseError, uint64_t>;  // uint64_t: a continuation

// Feeds `input` in pieces of `piece` bytes (the whole input when 0).
inline std::vector<Event> feed_all(std::string_view input, std::size_t piece = 0,
                                   ParserLimits limits = {}) {
  CommandReader reader(limits);
  std::vector<Event> events;
  std::string buffer;
  std::size_t fed = 0;
  if (piece == 0) piece = input.size() + 1;
  while (true) {
    CommandReader::Step step = reader.feed(buffer);
    buffer.erase(0, step.consumed);
    switch (step.kind) {
      case CommandReader::Step::Kind::command:
        events.emplace_back(std::move(*step.command));
        break;
      case CommandReader::Step::Kind::error:
        events.emplace_back(step.error);
        break;
      case CommandReader::Step::Kind::continuation:
        events.emplace_back(step.literal_size);
        reader.accept_literal();
        break;
      case CommandReader::Step::Kind::literal:
        reader.accept_literal();
        break;
      case CommandReader::Step::Kind::need_more:
        if (fed >= input.size()) return events;
        buffer.append(input.substr(fed, piece));
        fed += piece;
        break;
    }
  }
}

// The one command `line` (CRLF added) parses to; fails the test otherwise.
inline Command parse_one(std::string_view line) {
  std::vector<Event> events = feed_all(std::string(line) + "\r\n");
  for (Event& e : events) {
    if (auto* c = std::get_if<Command>(&e)) return std::move(*c);
    if (auto* err = std::get_if<ParseError>(&e)) {
      ADD_FAILURE() << line << ": " << err->text;
      return Command{};
    }
  }
  ADD_FAILURE() << line << ": no command";
  return Command{};
}

// The error `line` gives; fails the test if it parses.
inline ParseError parse_error(std::string_view line) {
  std::vector<Event> events = feed_all(std::string(line) + "\r\n");
  for (Event& e : events) {
    if (auto* err = std::get_if<ParseError>(&e)) return *err;
  }
  ADD_FAILURE() << line << ": parsed";
  return ParseError{};
}

}  // namespace eider::imap
