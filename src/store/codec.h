// Stored byte strings (message trees, blob contents): zstd when it saves
// space, raw otherwise, told apart by a marker byte (docs/formats.md).
//
// Both functions are pure and run in the caller's thread, so the writer
// thread spends its time on SQL only. Memory: one copy of the input.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"

namespace eider::store {

// Marker byte, then the bytes: 0x00 raw, 0x01 a zstd frame.
std::string pack(std::string_view bytes);
// The original bytes; Code::corrupt for an unknown marker or a bad frame.
Result<std::string> unpack(std::string_view stored);
// The same without a copy of its own: a view of `stored` itself when it was
// kept raw, else of `buffer`, which it grows as needed and never shrinks, so
// a caller unpacking many values in turn allocates (and faults in) memory
// once. Valid until `stored` or `buffer` changes.
Result<std::string_view> unpack_into(std::string_view stored, std::string& buffer);

}  // namespace eider::store
