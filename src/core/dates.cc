#include "core/dates.h"

#include <chrono>
#include <cstdio>

#include "core/ascii.h"

namespace eider::core {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::sys_seconds;

constexpr std::string_view kMonthNames[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};

constexpr std::string_view kWeekdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// The month's name, of which "%.3s" prints the abbreviation.
const char* month_text(std::chrono::month month) {
  return kMonthNames[static_cast<unsigned>(month) - 1].data();
}

// The broken-down UTC time of `seconds`, and the pieces both formats write.
struct Civil {
  std::chrono::year_month_day date;
  std::chrono::hh_mm_ss<std::chrono::seconds> time;
  unsigned weekday;  // 0 = Sunday
};

Civil civil(int64_t seconds) {
  sys_seconds t{std::chrono::seconds{seconds}};
  sys_days day = std::chrono::floor<days>(t);
  return {std::chrono::year_month_day{day}, std::chrono::hh_mm_ss{t - day},
          std::chrono::weekday{day}.c_encoding()};
}

// The value of the `length` digits at `at`; -1 unless all are digits.
int digits(std::string_view text, std::size_t at, std::size_t length) {
  int value = 0;
  for (std::size_t i = at; i < at + length; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::string_view month_name(int month) {
  return kMonthNames[month - 1];
}

int month_from_abbreviation(std::string_view text) {
  if (text.size() != 3) return 0;
  for (int month = 1; month <= 12; ++month) {
    if (istarts_with(month_name(month), text)) return month;
  }
  return 0;
}

int days_in_month(int year, int month) {
  std::chrono::year_month_day_last last{std::chrono::year{year} / month / std::chrono::last};
  return static_cast<int>(static_cast<unsigned>(last.day()));
}

int64_t days_from_civil(int year, int month, int day) {
  std::chrono::year_month_day date{std::chrono::year{year} / month / day};
  return sys_days{date}.time_since_epoch().count();
}

int64_t utc_day(int64_t seconds) {
  return std::chrono::floor<days>(sys_seconds{std::chrono::seconds{seconds}})
      .time_since_epoch()
      .count();
}

std::string imap_date_time(int64_t seconds) {
  Civil c = civil(seconds);
  char text[48];
  std::snprintf(text, sizeof text, "%02u-%.3s-%04d %02d:%02d:%02d +0000",
                static_cast<unsigned>(c.date.day()), month_text(c.date.month()),
                static_cast<int>(c.date.year()), static_cast<int>(c.time.hours().count()),
                static_cast<int>(c.time.minutes().count()),
                static_cast<int>(c.time.seconds().count()));
  return text;
}

std::optional<int64_t> parse_imap_date_time(std::string_view text) {
  // dd-Mon-yyyy hh:mm:ss +zzzz
  // 0123456789012345678901234
  if (text.size() != 26 || text[2] != '-' || text[6] != '-' || text[11] != ' ' || text[14] != ':' ||
      text[17] != ':' || text[20] != ' ' || (text[21] != '+' && text[21] != '-')) {
    return std::nullopt;
  }
  int day = text[0] == ' ' ? digits(text, 1, 1) : digits(text, 0, 2);
  int month = month_from_abbreviation(text.substr(3, 3));
  int year = digits(text, 7, 4);
  int hour = digits(text, 12, 2);
  int minute = digits(text, 15, 2);
  int second = digits(text, 18, 2);
  int zone_hours = digits(text, 22, 2);
  int zone_minutes = digits(text, 24, 2);
  if (month == 0 || year < 0 || day < 1 || day > days_in_month(year, month) || hour < 0 ||
      hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60 || zone_hours < 0 ||
      zone_minutes < 0 || zone_minutes > 59) {
    return std::nullopt;
  }
  int64_t local = days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second;
  int64_t zone = zone_hours * 3600 + zone_minutes * 60;
  return text[21] == '-' ? local + zone : local - zone;
}

std::string rfc5322_date_time(int64_t seconds) {
  Civil c = civil(seconds);
  char text[40];
  std::snprintf(
      text, sizeof text, "%s, %02u %.3s %04d %02d:%02d:%02d +0000", kWeekdays[c.weekday].data(),
      static_cast<unsigned>(c.date.day()), month_text(c.date.month()),
      static_cast<int>(c.date.year()), static_cast<int>(c.time.hours().count()),
      static_cast<int>(c.time.minutes().count()), static_cast<int>(c.time.seconds().count()));
  return text;
}

}  // namespace eider::core
