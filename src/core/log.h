// Structured logging: one line per event, `key=value` fields, via spdlog.
//
//   2026-11-25T08:40:01.123Z info event=serve.ready imap=127.0.0.1:1143
//
// Values with spaces, quotes, '=' or control characters are written quoted
// with C-style escapes, so every line splits unambiguously into fields.
#pragma once

#include <concepts>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "core/config.h"
#include "core/status.h"

namespace eider::core {

enum class LogLevel { trace, debug, info, warn, error, critical };

struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  template <std::integral T>
  LogField(std::string_view k, T v) : key(k), value(std::to_string(v)) {}

  std::string_view key;
  std::string value;
};

// Sends the log to settings.file (appending) or to stderr, at settings.level.
// Until it is called, events go to stderr at level info. Call it before other
// threads log: replacing the logger is not synchronised with log_event.
Status init_logging(const LogSettings& settings);

// Writes one event line: `event=<event>` followed by the fields in order.
void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields = {});
void log_event(LogLevel level, std::string_view event, std::span<const LogField> fields);

// The line body log_event writes after the time stamp and level; for tests.
std::string format_event(std::string_view event, std::initializer_list<LogField> fields);

}  // namespace eider::core
