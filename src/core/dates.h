// Calendar days and the date texts mail protocols write and read: IMAP's
// date-time ("17-Jul-1996 02:44:25 -0700", RFC 3501 section 9) and RFC
// 5322's ("Wed, 17 Jul 1996 09:44:25 +0000"). Dates are proleptic
// Gregorian; times are seconds since 1970-01-01 00:00:00 UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eider::core {

// "January" .. "December" for 1..12.
std::string_view month_name(int month);

// 1..12 for a month's three-letter abbreviation in any case ("Feb", "FEB",
// "feb"), else 0.
int month_from_abbreviation(std::string_view text);

// 28..31, the days of `month` (1..12) in `year`.
int days_in_month(int year, int month);

// Days since 1970-01-01 of a date (negative before it). The date must exist.
int64_t days_from_civil(int year, int month, int day);

// The UTC day of a time, as days since 1970-01-01 (negative times too).
int64_t utc_day(int64_t seconds);

// "dd-Mon-yyyy hh:mm:ss +0000": a time as an IMAP date-time in UTC, without
// the quotes.
std::string imap_date_time(int64_t seconds);

// The time an IMAP date-time without its quotes stands for:
// "dd-Mon-yyyy hh:mm:ss +zzzz", the day also " d", the month in any case.
// nullopt unless the text is exactly that, its day exists in its month and
// hours <= 23, minutes <= 59, seconds <= 60 (a leap second reads as the
// next minute) and the zone's minutes <= 59.
std::optional<int64_t> parse_imap_date_time(std::string_view text);

// "Wed, 17 Jul 1996 09:44:25 +0000": a time as an RFC 5322 date-time in UTC.
std::string rfc5322_date_time(int64_t seconds);

}  // namespace eider::core
