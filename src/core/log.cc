#include "core/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "core/metrics.h"

namespace eider::core {
namespace {

constexpr const char* kPattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %v";

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

void append_value(std::string& out, std::string_view value) {
  if (!needs_quotes(value)) {
    out += value;
    return;
  }
  out += '"';
  for (unsigned char c : value) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < ' ' || c == 0x7f) {
          char hex[5];
          std::snprintf(hex, sizeof hex, "\\x%02x", c);
          out += hex;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
    case LogLevel::critical:
      return spdlog::level::critical;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> make_logger(spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>("eider", std::move(sink));
  logger->set_pattern(kPattern, spdlog::pattern_time_type::utc);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

std::shared_ptr<spdlog::logger> make_stderr_logger() {
  return make_logger(std::make_shared<spdlog::sinks::stderr_sink_mt>());
}

std::shared_ptr<spdlog::logger>& current_logger() {
  static std::shared_ptr<spdlog::logger> logger = make_stderr_logger();
  return logger;
}

std::string format_line(std::string_view event, std::span<const LogField> fields) {
  std::string line = "event=";
  append_value(line, event);
  for (const LogField& field : fields) {
    line += ' ';
    line += field.key;
    line += '=';
    append_value(line, field.value);
  }
  return line;
}

}  // namespace

Status init_logging(const LogSettings& settings) {
  spdlog::level::level_enum level = spdlog::level::from_str(settings.level);
  if (level == spdlog::level::off && settings.level != "off") {
    return error(Code::invalid_argument, "log-level: unknown level: " + settings.level);
  }
  std::shared_ptr<spdlog::logger> logger;
  if (settings.file.empty()) {
    logger = make_stderr_logger();
  } else {
    try {
      logger = make_logger(std::make_shared<spdlog::sinks::basic_file_sink_mt>(settings.file));
    } catch (const spdlog::spdlog_ex& e) {
      return error(Code::io_error, "cannot open log-file " + settings.file + ": " + e.what());
    }
  }
  logger->set_level(level);
  current_logger() = std::move(logger);
  return Status::ok();
}

std::string format_event(std::string_view event, std::initializer_list<LogField> fields) {
  return format_line(event, std::span<const LogField>(fields.begin(), fields.size()));
}

void log_event(LogLevel level, std::string_view event, std::span<const LogField> fields) {
  if (level >= LogLevel::error) {
    // Every error a log line reports, logged or not: the /metrics "errors".
    static Counter& errors =
        metrics().counter("eider_errors_total", "Events logged at level error or above");
    errors.add();
  }
  const std::shared_ptr<spdlog::logger>& logger = current_logger();
  spdlog::level::level_enum spd_level = to_spdlog(level);
  if (!logger->should_log(spd_level)) return;
  logger->log(spd_level, "{}", format_line(event, fields));
}

void log_event(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  log_event(level, event, std::span<const LogField>(fields.begin(), fields.size()));
}

}  // namespace eider::core
