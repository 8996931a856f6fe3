#include "api/iso_dates.h"

#include <charconv>
#include <cstdio>

#include "core/dates.h"

namespace eider::api {

namespace {

// The decimal number of exactly `count` digits at `at`, or -1.
int digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::string iso_date_time(int64_t seconds) {
  const int64_t day = core::utc_day(seconds);
  const int64_t in_day = seconds - day * 86400;
  // Civil date from days (Howard Hinnant's algorithm).
  const int64_t z = day + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  char text[128];
  std::snprintf(text, sizeof text, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.000Z",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(in_day / 3600), static_cast<long long>(in_day / 60 % 60),
                static_cast<long long>(in_day % 60));
  return text;
}

std::optional<int64_t> parse_iso_date_time(std::string_view text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos) {
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return ms / 1000;
  }
  // yyyy-mm-dd[Thh:mm[:ss[.fff]][Z|+hh:mm|-hh:mm]]
  const int year = digits(text, 0, 4);
  const int month = digits(text, 5, 2);
  const int day = digits(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || text.size() < 10 || text[4] != '-' || text[7] != '-' ||
      day < 1 || day > core::days_in_month(year, month)) {
    return std::nullopt;
  }
  int64_t seconds = core::days_from_civil(year, month, day) * 86400;
  if (text.size() == 10) return seconds;
  if ((text[10] != 'T' && text[10] != ' ') || text.size() < 16 || text[13] != ':') {
    return std::nullopt;
  }
  const int hour = digits(text, 11, 2);
  const int minute = digits(text, 14, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59) return std::nullopt;
  seconds += hour * 3600 + minute * 60;
  size_t at = 16;
  if (at < text.size() && text[at] == ':') {
    const int second = digits(text, at + 1, 2);
    if (second < 0 || second > 60) return std::nullopt;
    seconds += second;
    at += 3;
    if (at < text.size() && text[at] == '.') {
      ++at;
      const size_t start = at;
      while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
      if (at == start) return std::nullopt;
    }
  }
  if (at == text.size()) return seconds;  // no zone: UTC, as JavaScript reads a date-time
  if (text[at] == 'Z' && at + 1 == text.size()) return seconds;
  if ((text[at] == '+' || text[at] == '-') && text.size() == at + 6 && text[at + 3] == ':') {
    const int zone_hours = digits(text, at + 1, 2);
    const int zone_minutes = digits(text, at + 4, 2);
    if (zone_hours < 0 || zone_hours > 23 || zone_minutes < 0 || zone_minutes > 59) {
      return std::nullopt;
    }
    const int64_t zone = zone_hours * 3600 + zone_minutes * 60;
    return text[at] == '+' ? seconds - zone : seconds + zone;
  }
  return std::nullopt;
}

}  // namespace eider::api
