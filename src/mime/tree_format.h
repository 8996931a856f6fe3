// The serialized tree document (docs/formats.md, "Stored tree"): private to
// tree*.cc. Parsing yields views into the document, never copies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mime/codec_base64.h"
#include "mime/tree.h"

namespace eider::mime::tree_format {

inline constexpr uint8_t kVersion = 1;

enum class SlotKind : uint8_t { identity = 0, base64 = 1 };

// Where a blob goes back into the skeleton, and how it is written there.
struct Slot {
  uint64_t offset = 0;  // into the skeleton; slots are in non-decreasing offset order
  SlotKind kind = SlotKind::identity;
  BlobKey key;
  Base64Layout layout;  // for base64 slots only
};

struct TreeView {
  uint64_t size = 0;  // bytes of the original message
  std::string_view skeleton;
  std::vector<Slot> slots;
};

// Writes the document for a message of `size` bytes whose skeleton is the
// concatenation of `skeleton_pieces` (so no joined copy is needed).
std::string serialize(uint64_t size, const std::vector<std::string_view>& skeleton_pieces,
                      const std::vector<Slot>& slots);

// Reads a document; a failed Status (corrupt, or unsupported for a newer
// version) for anything that is not a well-formed document. Memory: the slot
// list only; never allocates from a length read in the input before checking
// it against the bytes present.
Result<TreeView> parse(std::string_view document);

}  // namespace eider::mime::tree_format
