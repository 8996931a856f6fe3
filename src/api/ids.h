// The API's object ids: users, mailboxes and addresses are 24 lowercase hex
// characters, as WildDuck's ObjectIds, so WildDuck clients' validation
// accepts them and they sort in creation order. The first 8 characters are
// the object's creation time (unix seconds, big-endian hex, as an
// ObjectId's), the last 16 its int64 store key. Both halves are checked on
// lookup: an id whose time does not match the object's is "not found", so
// an id cannot be guessed from a key alone.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace eider::api {

struct DecodedId {
  uint32_t created = 0;  // unix seconds
  int64_t key = 0;       // the store's key, > 0
};

// 24 lowercase hex characters. `created` is clamped to 0..2^32-1.
std::string encode_id(int64_t created, int64_t key);

// The parts of a well-formed id: exactly 24 hex characters (lowercase or
// upper case, as WildDuck's lowercase() conversion accepts) and a key > 0.
std::optional<DecodedId> decode_id(std::string_view text);

// True when `text` is an id for (created, key): what a route checks after
// loading the object its key names.
bool id_matches(const DecodedId& id, int64_t created, int64_t key);

}  // namespace eider::api
