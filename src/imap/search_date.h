// The day of a message's Date: field for SENTBEFORE/SENTON/SENTSINCE. A day
// is a count of days since 1970-01-01 (core/dates.h), so the SEARCH date
// keys are integer compares.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace eider::imap {

// The day of an RFC 5322 Date: field value (raw, folding and comments
// allowed), in the field's own zone: the time and zone are not needed for
// that. Tolerates the obsolete and common broken forms: no weekday, 2- or
// 3-digit years, "Jun 12 10:00:00 2002" (asctime), "May 8, 2005 1:17 PM",
// "2002-06-12". nullopt when no valid date is found. Linear in the value.
std::optional<int64_t> date_header_day(std::string_view value);

}  // namespace eider::imap
