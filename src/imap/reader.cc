// CommandReader: framing of lines and literals (see imap/parser.h).
#include <algorithm>
#include <utility>

#include "core/ascii.h"
#include "imap/parser.h"
#include "imap/syntax.h"

namespace eider::imap {
namespace {

constexpr std::size_t kTailSize = 64;

struct LiteralMarker {
  uint64_t size = 0;
  bool sync = true;
  bool binary = false;
  std::size_t length = 0;  // bytes of the marker at the end of the line
};

// The literal announced at the end of `line`: "{n}", "{n+}", "{n-}",
// "~{n}" ... . LITERAL- "{n-}" is read as "{n+}": the session advertises
// LITERAL+, which covers every size.
std::optional<LiteralMarker> literal_marker(std::string_view line) {
  if (line.empty() || line.back() != '}') return std::nullopt;
  std::size_t open = line.rfind('{');
  if (open == std::string_view::npos) return std::nullopt;
  std::string_view inner = line.substr(open + 1, line.size() - open - 2);
  LiteralMarker marker;
  if (!inner.empty() && (inner.back() == '+' || inner.back() == '-')) {
    marker.sync = false;
    inner.remove_suffix(1);
  }
  Result<uint64_t> size = parse_number(inner);
  if (!size || !inner.empty()) return std::nullopt;
  marker.size = *size;
  marker.binary = open > 0 && line[open - 1] == '~';
  marker.length = line.size() - open + (marker.binary ? 1 : 0);
  return marker;
}

CommandReader::Step need_more(std::size_t consumed) {
  CommandReader::Step step;
  step.consumed = consumed;
  return step;
}

}  // namespace

void CommandReader::skip(uint64_t literal_bytes) {
  raw_ = RawCommand{};
  tail_.clear();
  literal_left_ = literal_bytes;
  state_ = State::skip_literal;
}

void CommandReader::reset() {
  raw_ = RawCommand{};
  raw_.text.emplace_back();
  text_size_ = 0;
  literal_total_ = 0;
  literal_left_ = 0;
  tail_.clear();
  state_ = State::line;
}

std::string CommandReader::current_tag() const {
  std::string_view first = raw_.text.empty() ? std::string_view() : raw_.text.front();
  std::size_t end = first.find(' ');
  if (end == std::string_view::npos || end == 0) return "";
  std::string_view tag = first.substr(0, end);
  if (!std::all_of(tag.begin(), tag.end(), is_tag_char)) return "";
  return std::string(tag);
}

bool CommandReader::is_append() const {
  std::string_view first = raw_.text.front();
  std::size_t sp = first.find(' ');
  if (sp == std::string_view::npos) return false;
  return core::iequals(first.substr(sp + 1, 7), "APPEND ");
}

CommandReader::Step CommandReader::fail(std::size_t consumed, ErrorKind kind, std::string text) {
  Step step;
  step.kind = Step::Kind::error;
  step.consumed = consumed;
  step.error = ParseError{kind, current_tag(), std::move(text)};
  reset();
  return step;
}

void CommandReader::accept_literal() {
  if (state_ != State::awaiting_accept) return;
  Literal& literal = raw_.literals.back();
  // Reserved only now: the session may refuse the literal for want of memory.
  if (!literal.spool) literal.bytes.reserve(literal_left_);
  state_ = State::literal;
}

void CommandReader::reject_literal() {
  if (state_ != State::awaiting_accept) return;
  if (literal_sync_) {
    reset();
  } else {
    skip(literal_left_);  // the client sends the bytes anyway
  }
}

// Called with a complete line in raw_.text.back(), CRLF removed.
CommandReader::Step CommandReader::finish_line(std::size_t consumed) {
  std::string& line = raw_.text.back();
  std::optional<LiteralMarker> marker = literal_marker(line);
  if (!marker) {
    if (raw_.text.size() == 1 && line.empty()) {
      return fail(consumed, ErrorKind::syntax, "empty command line");
    }
    Step step;
    step.consumed = consumed;
    std::variant<Command, ParseError> parsed = parse_command(std::move(raw_), limits_);
    if (auto* command = std::get_if<Command>(&parsed)) {
      step.kind = Step::Kind::command;
      step.command = std::move(*command);
    } else {
      step.kind = Step::Kind::error;
      step.error = std::move(std::get<ParseError>(parsed));
    }
    reset();
    return step;
  }
  line.resize(line.size() - marker->length);
  text_size_ -= marker->length;
  uint64_t limit = is_append() ? limits_.max_message_size : limits_.max_literal_size;
  std::optional<ParseError> refusal;
  if (raw_.literals.size() >= limits_.max_literals) {
    refusal = ParseError{ErrorKind::too_complex, current_tag(), "too many literals in one command"};
  } else if (marker->size > limit) {
    refusal = ParseError{ErrorKind::literal_too_large, current_tag(),
                         "literal of " + std::to_string(marker->size) +
                             " bytes is larger than the limit of " + std::to_string(limit)};
  } else if (marker->size > limits_.max_message_size - literal_total_) {
    refusal = ParseError{ErrorKind::literal_too_large, current_tag(),
                         "the literals of one command may hold at most " +
                             std::to_string(limits_.max_message_size) + " bytes together"};
  }
  Step step;
  step.consumed = consumed;
  if (refusal) {
    if (marker->sync) {  // the client waits for "+" and sends nothing more
      step.kind = Step::Kind::error;
      step.error = std::move(*refusal);
      reset();
      return step;
    }
    // Non-synchronizing: the bytes come anyway. Report now (the session may
    // prefer to close on a huge one), then skip them and the rest of the line.
    step.kind = Step::Kind::error;
    step.error = std::move(*refusal);
    step.error.discarded_literal = marker->size;
    skip(marker->size);
    return step;
  }
  Literal literal{std::string(), marker->binary, nullptr};
  if (is_append() && marker->size > limits_.spool_threshold) {
    literal.spool = std::make_shared<core::Spool>(limits_.spool_dir, 0);
  }
  step.spooled = literal.spool != nullptr;
  step.tag = current_tag();
  raw_.literals.push_back(std::move(literal));
  literal_total_ += marker->size;
  raw_.text.emplace_back();
  literal_left_ = marker->size;
  literal_sync_ = marker->sync;
  state_ = State::awaiting_accept;
  step.kind = marker->sync ? Step::Kind::continuation : Step::Kind::literal;
  step.literal_size = marker->size;
  return step;
}

CommandReader::Step CommandReader::feed(std::string_view input) {
  std::size_t pos = 0;
  while (true) {
    switch (state_) {
      case State::awaiting_accept: {
        Step step;
        step.kind = literal_sync_ ? Step::Kind::continuation : Step::Kind::literal;
        step.consumed = pos;
        step.literal_size = literal_left_;
        step.spooled = raw_.literals.back().spool != nullptr;
        step.tag = current_tag();
        return step;
      }
      case State::line: {
        std::size_t lf = input.find('\n', pos);
        std::size_t end = lf == std::string_view::npos ? input.size() : lf;
        std::size_t room = limits_.max_line_length + 1 - text_size_;  // +1: the CR
        std::string& line = raw_.text.back();
        if (end - pos > room) {
          line.append(input.substr(pos, room));
          Step step;
          step.kind = Step::Kind::error;
          step.consumed = pos + room;
          step.error = ParseError{
              ErrorKind::line_too_long, current_tag(),
              "command line longer than " + std::to_string(limits_.max_line_length) + " bytes"};
          skip(0);
          return step;
        }
        line.append(input.substr(pos, end - pos));
        text_size_ += end - pos;
        if (lf == std::string_view::npos) return need_more(input.size());
        pos = lf + 1;
        if (!line.empty() && line.back() == '\r') {
          line.pop_back();
          --text_size_;
        }
        if (text_size_ > limits_.max_line_length) {
          return fail(pos, ErrorKind::line_too_long, "command line too long");
        }
        Step step = finish_line(pos);
        if (step.kind != Step::Kind::need_more) return step;
        continue;
      }
      case State::literal:
      case State::skip_literal: {
        std::size_t take =
            static_cast<std::size_t>(std::min<uint64_t>(literal_left_, input.size() - pos));
        if (state_ == State::literal) {
          Literal& literal = raw_.literals.back();
          // A failed write is kept in the spool and answered by APPEND.
          if (literal.spool) {
            (void)literal.spool->append(input.substr(pos, take));
          } else {
            literal.bytes.append(input.substr(pos, take));
          }
        }
        pos += take;
        literal_left_ -= take;
        if (literal_left_ > 0) return need_more(pos);
        if (state_ == State::literal) {
          state_ = State::line;
        } else {
          tail_.clear();
          state_ = State::discard_line;
        }
        continue;
      }
      case State::discard_line: {
        std::size_t lf = input.find('\n', pos);
        std::size_t end = lf == std::string_view::npos ? input.size() : lf;
        tail_.append(input.substr(pos, end - pos));
        if (tail_.size() > kTailSize) tail_.erase(0, tail_.size() - kTailSize);
        if (lf == std::string_view::npos) return need_more(input.size());
        pos = lf + 1;
        if (!tail_.empty() && tail_.back() == '\r') tail_.pop_back();
        std::optional<LiteralMarker> marker = literal_marker(tail_);
        if (marker && !marker->sync) {
          literal_left_ = marker->size;
          state_ = State::skip_literal;
          continue;
        }
        reset();
        continue;
      }
    }
  }
}

}  // namespace eider::imap
