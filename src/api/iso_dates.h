// ISO 8601 times as WildDuck's API writes and reads them (Joi.date()):
// "2026-12-07T22:15:32.000Z" out; in, a date "2026-12-07", a date-time
// with optional fraction and zone ("Z" or +hh:mm), or milliseconds since
// the epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eider::api {

// "yyyy-mm-ddThh:mm:ss.000Z" for unix seconds.
std::string iso_date_time(int64_t seconds);

// Unix seconds (a fraction is dropped), or nullopt for anything else.
std::optional<int64_t> parse_iso_date_time(std::string_view text);

}  // namespace eider::api
