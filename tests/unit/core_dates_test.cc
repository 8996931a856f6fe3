#include <gtest/gtest.h>

#include "core/dates.h"

namespace eider::core {
namespace {

TEST(Dates, MonthNamesAndAbbreviations) {
  EXPECT_EQ(month_name(1), "January");
  EXPECT_EQ(month_name(12), "December");
  EXPECT_EQ(month_from_abbreviation("Feb"), 2);
  EXPECT_EQ(month_from_abbreviation("DEC"), 12);
  EXPECT_EQ(month_from_abbreviation("sep"), 9);
  for (const char* bad : {"", "Ja", "June", "Foo", "J\xC3\xA1n"}) {
    EXPECT_EQ(month_from_abbreviation(bad), 0) << bad;
  }
}

TEST(Dates, DaysInMonthKnowsLeapYears) {
  EXPECT_EQ(days_in_month(2023, 2), 28);
  EXPECT_EQ(days_in_month(2024, 2), 29);
  EXPECT_EQ(days_in_month(1900, 2), 28);
  EXPECT_EQ(days_in_month(2000, 2), 29);
  EXPECT_EQ(days_in_month(2024, 4), 30);
  EXPECT_EQ(days_in_month(2024, 12), 31);
}

TEST(Dates, DaysCountFromTheEpoch) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(utc_day(0), 0);
  EXPECT_EQ(utc_day(86399), 0);
  EXPECT_EQ(utc_day(-86400), -1);
  EXPECT_EQ(utc_day(-86401), -2);
}

TEST(Dates, FormatsImapDateTime) {
  EXPECT_EQ(imap_date_time(0), "01-Jan-1970 00:00:00 +0000");
  EXPECT_EQ(imap_date_time(837571465), "17-Jul-1996 02:44:25 +0000");
  EXPECT_EQ(imap_date_time(1720148645), "05-Jul-2024 03:04:05 +0000");
  EXPECT_EQ(imap_date_time(1709164800), "29-Feb-2024 00:00:00 +0000");
  EXPECT_EQ(imap_date_time(-1), "31-Dec-1969 23:59:59 +0000");
}

TEST(Dates, ParsesImapDateTime) {
  EXPECT_EQ(parse_imap_date_time("17-Jul-1996 02:44:25 -0700"), 837571465 + 7 * 3600);
  EXPECT_EQ(parse_imap_date_time("17-jul-1996 09:44:25 +0000"), 837571465 + 7 * 3600);
  EXPECT_EQ(parse_imap_date_time(" 1-Jan-1970 01:00:00 +0100"), 0);
  EXPECT_EQ(parse_imap_date_time("01-Jan-1970 00:00:00 +0000"), 0);
  // A leap second reads as the next minute's first.
  EXPECT_EQ(parse_imap_date_time("31-Dec-1969 23:59:60 +0000"), 0);
  EXPECT_EQ(parse_imap_date_time("29-Feb-2024 00:00:00 +0000"), 1709164800);
  for (const char* bad : {
           "",
           "17-Jul-1996 02:44:25 -070",    // short
           "17-Jul-1996 02:44:25 -07000",  // long
           "1-Jul-1996 02:44:25 -0700 ",   // " d" is the only short day
           "17 Jul 1996 02:44:25 -0700",   // dashes
           "17-Jul-1996T02:44:25 -0700",   // space
           "17-Jul-1996 02:44:25 0700x",   // sign
           "17-Jux-1996 02:44:25 -0700",   // month
           "00-Jul-1996 02:44:25 -0700",   // day 0
           "29-Feb-2023 02:44:25 -0700",   // no such day
           "31-Apr-2024 02:44:25 -0700",   // no such day
           "17-Jul-1996 24:00:00 -0700",   // hour
           "17-Jul-1996 02:60:25 -0700",   // minute
           "17-Jul-1996 02:44:61 -0700",   // second
           "17-Jul-1996 02:44:25 -0760",   // zone minutes
           "17-Jul-19x6 02:44:25 -0700",   // year
           "1x-Jul-1996 02:44:25 -0700",   // day
       }) {
    EXPECT_EQ(parse_imap_date_time(bad), std::nullopt) << bad;
  }
}

TEST(Dates, RoundTripsImapDateTime) {
  for (int64_t t : {int64_t{0}, int64_t{-1}, int64_t{951782400}, int64_t{4102444799}}) {
    EXPECT_EQ(parse_imap_date_time(imap_date_time(t)), t) << t;
  }
}

TEST(Dates, FormatsRfc5322DateTimeInUtc) {
  EXPECT_EQ(rfc5322_date_time(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date_time(951782400), "Tue, 29 Feb 2000 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date_time(837571465), "Wed, 17 Jul 1996 02:44:25 +0000");
}

}  // namespace
}  // namespace eider::core
