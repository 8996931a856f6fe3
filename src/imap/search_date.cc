#include "imap/search_date.h"

#include <cstring>
#include <string>
#include <vector>

#include "core/ascii.h"
#include "core/dates.h"

namespace eider::imap {
namespace {

bool is_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int to_int(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

// 1..12 for an English month name or its 3-letter prefix (any case), else 0.
int month_number(std::string_view word) {
  if (word.size() < 3) return 0;
  for (int month = 1; month <= 12; ++month) {
    if (core::istarts_with(core::month_name(month), word)) return month;
  }
  return 0;
}

// RFC 5322 4.3: two-digit years are 1950..2049, three-digit ones add 1900.
int full_year(std::string_view digits) {
  int year = to_int(digits);
  if (digits.size() == 2) return year < 50 ? year + 2000 : year + 1900;
  if (digits.size() == 3) return year + 1900;
  return year;
}

bool valid_date(int year, int month, int day) {
  return year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 &&
         day <= core::days_in_month(year, month);
}

// The value with comments removed and line breaks and tabs made spaces.
std::string without_comments(std::string_view value) {
  std::string out;
  int depth = 0;
  for (char c : value) {
    if (c == '(') {
      ++depth;
    } else if (c == ')' && depth > 0) {
      --depth;
    } else if (depth == 0) {
      out.push_back((c == '\r' || c == '\n' || c == '\t') ? ' ' : c);
    }
  }
  return out;
}

// The words of a value without comments. Zones ("+0200", "-600") stay
// whole; other words split at '-' and '/' too, so "12-Jun-2002" and
// "2002-06-12T10:00" become their parts.
std::vector<std::string_view> words(std::string_view plain, std::string& storage) {
  for (char c : plain) storage.push_back(c == ',' ? ' ' : c);
  std::vector<std::string_view> out;
  std::string_view rest = storage;
  while (!rest.empty()) {
    size_t begin = rest.find_first_not_of(' ');
    if (begin == std::string_view::npos) break;
    rest.remove_prefix(begin);
    size_t end = rest.find(' ');
    std::string_view word = rest.substr(0, end);
    rest.remove_prefix(word.size());
    bool whole = word[0] == '+' || word[0] == '-';
    while (!whole && !word.empty()) {
      size_t cut = word.find_first_of("-/");
      if (cut != 0) out.push_back(word.substr(0, cut));
      if (cut == std::string_view::npos) break;
      word.remove_prefix(cut + 1);
    }
    if (whole) out.push_back(word);
  }
  return out;
}

// "12" of "12T10:00:00Z".
std::string_view leading_digits(std::string_view word) {
  size_t n = 0;
  while (n < word.size() && word[n] >= '0' && word[n] <= '9') ++n;
  return word.substr(0, n);
}

bool is_day(std::string_view word) {
  return word.size() <= 2 && is_digits(word);
}

bool is_year(std::string_view word) {
  return word.size() >= 2 && word.size() <= 4 && is_digits(word);
}

bool is_atext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr;
}

// The time of day after the year, when one is there ("hh:mm[:ss]", white
// space allowed around the colons, as RFC 5322 3.3's obs-time has CFWS).
// Dovecot's message_date_parse (lib-mail/message-date.c) rejects the whole
// Date when that time is malformed or out of range ("22:23:35.882",
// "59:10", "12:05:06,") and SENT* then sees 1970-01-01; so do we. A Date
// without a time (Dovecot rejects it too, RFC 5322 3.3 requires one) and
// the forms with the time before the year still give their day: Eider
// reads those broken forms on purpose.
bool time_is_valid(std::string_view rest) {
  size_t pos = 0;
  auto skip_space = [&] {
    while (pos < rest.size() && rest[pos] == ' ') ++pos;
  };
  // An atom as RFC 5322 reads it: "35.882" is "35" and a '.' no atom starts.
  auto atom = [&] {
    skip_space();
    size_t begin = pos;
    while (pos < rest.size() && is_atext(rest[pos])) ++pos;
    std::string_view a = rest.substr(begin, pos - begin);
    skip_space();
    return a;
  };
  auto two_digits = [](std::string_view a) { return a.size() == 2 && is_digits(a); };
  skip_space();
  if (pos >= rest.size() || rest[pos] < '0' || rest[pos] > '9') return true;  // no time
  std::string_view hour = atom();
  if (hour.size() > 2 || !is_digits(hour) || pos >= rest.size() || rest[pos] != ':') return false;
  ++pos;
  std::string_view minute = atom();
  if (!two_digits(minute)) return false;
  int second = 0;
  if (pos < rest.size() && rest[pos] == ':') {
    ++pos;
    std::string_view sec = atom();
    if (!two_digits(sec)) return false;
    second = to_int(sec);
  }
  // What follows is the zone, an atom, or nothing.
  if (pos < rest.size() && !is_atext(rest[pos])) return false;
  // 60 is a leap second, which Dovecot accepts.
  return to_int(hour) <= 23 && to_int(minute) <= 59 && second <= 60;
}

std::optional<int64_t> checked(int year, int month, int day) {
  if (!valid_date(year, month, day)) return std::nullopt;
  return core::days_from_civil(year, month, day);
}

}  // namespace

std::optional<int64_t> date_header_day(std::string_view value) {
  std::string plain = without_comments(value);
  std::string storage;  // plain with ',' as a space; the same length
  std::vector<std::string_view> w = words(plain, storage);
  size_t m = 0;
  int month = 0;
  while (m < w.size() && (month = month_number(w[m])) == 0) ++m;
  if (month == 0) {
    // Numeric "2002-06-12".
    for (size_t i = 0; i + 2 < w.size(); ++i) {
      if (w[i].size() == 4 && is_digits(w[i]) && is_day(w[i + 1]) &&
          is_day(leading_digits(w[i + 2]))) {
        return checked(to_int(w[i]), to_int(w[i + 1]), to_int(leading_digits(w[i + 2])));
      }
    }
    return std::nullopt;
  }
  size_t next = m + 1;
  int day = 0;
  if (m > 0 && is_day(w[m - 1])) {
    day = to_int(w[m - 1]);
  } else if (next < w.size() && is_day(w[next])) {
    day = to_int(w[next++]);
  } else {
    return std::nullopt;
  }
  for (size_t i = next; i < w.size(); ++i) {
    if (!is_year(w[i])) continue;
    size_t after_year = static_cast<size_t>(w[i].data() - storage.data()) + w[i].size();
    if (!time_is_valid(std::string_view(plain).substr(after_year))) return std::nullopt;
    return checked(full_year(w[i]), month, day);
  }
  return std::nullopt;
}

}  // namespace eider::imap
