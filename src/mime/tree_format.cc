#include "mime/tree_format.h"

#include "core/varint.h"
#include "mime/sha256.h"

namespace eider::mime::tree_format {
namespace {

constexpr size_t kMaxVarintBytes = 10;
// The smallest encoded slot: gap, kind and key.
constexpr size_t kMinSlotBytes = 1 + 1 + kSha256Size;

// A cursor over the document that fails (rather than reads past the end).
class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - pos_; }

  Result<uint64_t> varint() {
    uint64_t value = 0;
    for (size_t i = 0; i < kMaxVarintBytes; ++i) {
      if (pos_ >= bytes_.size()) return error(Code::corrupt, "tree: truncated varint");
      const auto byte = static_cast<uint8_t>(bytes_[pos_++]);
      // The tenth byte may hold only the top bit of a 64-bit value.
      if (i == kMaxVarintBytes - 1 && byte > 1) {
        return error(Code::corrupt, "tree: varint overflows 64 bits");
      }
      value |= uint64_t{byte & 0x7fu} << (7 * i);
      if ((byte & 0x80) == 0) return value;
    }
    return error(Code::corrupt, "tree: varint too long");
  }

  Result<uint8_t> byte() {
    if (pos_ >= bytes_.size()) return error(Code::corrupt, "tree: truncated");
    return static_cast<uint8_t>(bytes_[pos_++]);
  }

  Result<std::string_view> bytes(uint64_t count) {
    if (count > remaining()) return error(Code::corrupt, "tree: length beyond end of document");
    const std::string_view view = bytes_.substr(pos_, count);
    pos_ += count;
    return view;
  }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

Result<Slot> read_slot(Reader& reader, uint64_t previous_offset, uint64_t skeleton_size) {
  Slot slot;
  const Result<uint64_t> gap = reader.varint();
  if (!gap) return gap.status();
  if (*gap > skeleton_size - previous_offset) {
    return error(Code::corrupt, "tree: slot offset beyond skeleton");
  }
  slot.offset = previous_offset + *gap;
  const Result<uint8_t> kind = reader.byte();
  if (!kind) return kind.status();
  if (*kind > static_cast<uint8_t>(SlotKind::base64)) {
    return error(Code::corrupt, "tree: unknown slot kind");
  }
  slot.kind = static_cast<SlotKind>(*kind);
  const Result<std::string_view> key = reader.bytes(kSha256Size);
  if (!key) return key.status();
  slot.key = std::string(*key);
  if (slot.kind == SlotKind::identity) return slot;

  const Result<uint64_t> line_length = reader.varint();
  if (!line_length) return line_length.status();
  if (*line_length > UINT32_MAX) return error(Code::corrupt, "tree: line length too large");
  const Result<uint8_t> ending = reader.byte();
  if (!ending) return ending.status();
  if (*ending > static_cast<uint8_t>(LineEnding::cr)) {
    return error(Code::corrupt, "tree: unknown line ending");
  }
  const Result<uint8_t> final_ending = reader.byte();
  if (!final_ending) return final_ending.status();
  if (*final_ending > 1) return error(Code::corrupt, "tree: bad final line ending flag");
  slot.layout.line_length = static_cast<uint32_t>(*line_length);
  slot.layout.line_ending = static_cast<LineEnding>(*ending);
  slot.layout.final_line_ending = *final_ending == 1;
  return slot;
}

}  // namespace

std::string serialize(uint64_t size, const std::vector<std::string_view>& skeleton_pieces,
                      const std::vector<Slot>& slots) {
  uint64_t skeleton_size = 0;
  for (const std::string_view piece : skeleton_pieces) skeleton_size += piece.size();
  std::string out;
  out.reserve(skeleton_size + 32 + slots.size() * 48);
  out.push_back(static_cast<char>(kVersion));
  put_varint(out, size);
  put_varint(out, skeleton_size);
  for (const std::string_view piece : skeleton_pieces) out.append(piece);
  put_varint(out, slots.size());
  uint64_t previous = 0;
  for (const Slot& slot : slots) {
    put_varint(out, slot.offset - previous);
    previous = slot.offset;
    out.push_back(static_cast<char>(slot.kind));
    out.append(slot.key);
    if (slot.kind == SlotKind::base64) {
      put_varint(out, slot.layout.line_length);
      out.push_back(static_cast<char>(slot.layout.line_ending));
      out.push_back(slot.layout.final_line_ending ? 1 : 0);
    }
  }
  return out;
}

Result<TreeView> parse(std::string_view document) {
  Reader reader(document);
  const Result<uint8_t> version = reader.byte();
  if (!version) return error(Code::corrupt, "tree: empty document");
  if (*version == 0) return error(Code::corrupt, "tree: bad version 0");
  if (*version > kVersion) {
    return error(Code::unsupported, "tree: version " + std::to_string(*version) + " is newer");
  }
  TreeView view;
  const Result<uint64_t> size = reader.varint();
  if (!size) return size.status();
  view.size = *size;
  const Result<uint64_t> skeleton_size = reader.varint();
  if (!skeleton_size) return skeleton_size.status();
  const Result<std::string_view> skeleton = reader.bytes(*skeleton_size);
  if (!skeleton) return skeleton.status();
  view.skeleton = *skeleton;
  const Result<uint64_t> count = reader.varint();
  if (!count) return count.status();
  if (*count > reader.remaining() / kMinSlotBytes) {
    return error(Code::corrupt, "tree: more slots than the document can hold");
  }
  view.slots.reserve(*count);
  uint64_t previous = 0;
  for (uint64_t i = 0; i < *count; ++i) {
    Result<Slot> slot = read_slot(reader, previous, view.skeleton.size());
    if (!slot) return slot.status();
    previous = slot->offset;
    view.slots.push_back(std::move(slot).value());
  }
  if (reader.remaining() != 0) return error(Code::corrupt, "tree: bytes after the last slot");
  return view;
}

}  // namespace eider::mime::tree_format
