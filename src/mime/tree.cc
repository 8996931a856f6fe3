#include "mime/tree.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "mime/codec_base64.h"
#include "mime/header_syntax.h"
#include "mime/sha256.h"
#include "mime/tree_format.h"

namespace eider::mime {
namespace {

using tree_format::Slot;
using tree_format::SlotKind;
using tree_format::TreeView;

// A leaf body leaving the tree: the bytes of the input it replaces, how it is
// written back, and the blob content.
struct Candidate {
  Range range;
  Slot slot;
  std::string content;
};

// Leaf bodies of at least `min_size` bytes, in input order, without overlaps.
// An explicit stack keeps deep nesting off the call stack.
std::vector<const Part*> movable_leaves(const Part& root, uint64_t raw_size, uint64_t min_size) {
  std::vector<const Part*> leaves;
  std::vector<const Part*> stack{&root};
  uint64_t covered = 0;
  while (!stack.empty()) {
    const Part* part = stack.back();
    stack.pop_back();
    if (!part->children.empty()) {
      for (auto child = part->children.rbegin(); child != part->children.rend(); ++child) {
        stack.push_back(&*child);
      }
      continue;
    }
    const Range& body = part->body;
    if (body.begin < covered || body.end < body.begin || body.end > raw_size) continue;
    if (body.size() < min_size) continue;
    leaves.push_back(part);
    covered = body.end;
  }
  return leaves;
}

Candidate identity_candidate(std::string_view raw, Range range) {
  Candidate candidate;
  candidate.range = range;
  candidate.content = std::string(range.in(raw));
  candidate.slot.kind = SlotKind::identity;
  candidate.slot.key = sha256(candidate.content);
  return candidate;
}

// The base64 text of a body that starts with a non-blank byte, and the layout
// that would write it: the text runs to the last non-blank byte plus one line
// ending; what follows (blank lines before a boundary) stays in the skeleton.
struct Base64Text {
  size_t length = 0;
  Base64Layout layout;
};

std::optional<Base64Text> base64_text(std::string_view body) {
  size_t last = body.size();
  while (last > 0 && syntax::is_wsp_or_eol(body[last - 1])) --last;
  if (last == 0) return std::nullopt;

  auto ending_at = [&](size_t i) -> std::optional<LineEnding> {
    if (i >= body.size()) return std::nullopt;
    if (body[i] == '\n') return LineEnding::lf;
    if (body[i] != '\r') return std::nullopt;
    return i + 1 < body.size() && body[i + 1] == '\n' ? LineEnding::crlf : LineEnding::cr;
  };

  Base64Text text;
  const size_t first_break = body.find_first_of("\r\n");
  if (first_break < last) {
    text.layout.line_length = static_cast<uint32_t>(std::min<size_t>(first_break, UINT32_MAX));
    text.layout.line_ending = *ending_at(first_break);
  } else {
    text.layout.line_length = 0;
    text.layout.line_ending = ending_at(last).value_or(LineEnding::crlf);
  }
  const std::optional<LineEnding> final_ending = ending_at(last);
  text.layout.final_line_ending = final_ending == text.layout.line_ending;
  text.length =
      last +
      (text.layout.final_line_ending ? line_ending_bytes(text.layout.line_ending).size() : 0);
  return text;
}

// Line endings exactly where `layout` puts them. Cheap: only the break
// positions are read; the full comparison happens when the split is verified.
bool breaks_match(std::string_view text, const Base64Layout& layout) {
  if (layout.line_length == 0) return true;
  const std::string_view eol = line_ending_bytes(layout.line_ending);
  const size_t stride = layout.line_length + eol.size();
  for (size_t at = layout.line_length; at < text.size(); at += stride) {
    if (text.compare(at, eol.size(), eol) != 0) return false;
  }
  return true;
}

// A base64 candidate when decoding and re-encoding is expected to give back
// the text exactly; otherwise identity.
Candidate base64_or_identity(std::string_view raw, Range range) {
  // Blank lines before the text stay in the skeleton, like those after it.
  std::string_view body = range.in(raw);
  size_t lead = 0;
  while (lead < body.size() && syntax::is_wsp_or_eol(body[lead])) ++lead;
  body.remove_prefix(lead);
  const std::optional<Base64Text> text = base64_text(body);
  if (!text) return identity_candidate(raw, range);
  const std::string_view encoded = body.substr(0, text->length);
  Base64Decoded decoded = base64_decode(encoded);
  if (!decoded.canonical ||
      base64_encoded_size(decoded.bytes.size(), text->layout) != encoded.size() ||
      !breaks_match(encoded, text->layout)) {
    return identity_candidate(raw, range);
  }
  Candidate candidate;
  candidate.range = Range{range.begin + lead, range.begin + lead + text->length};
  candidate.slot.kind = SlotKind::base64;
  candidate.slot.layout = text->layout;
  candidate.slot.key = sha256(decoded.bytes);
  candidate.content = std::move(decoded.bytes);
  return candidate;
}

std::string serialize(std::string_view raw, std::vector<Candidate>& candidates) {
  std::vector<std::string_view> pieces;
  std::vector<Slot> slots;
  pieces.reserve(candidates.size() + 1);
  slots.reserve(candidates.size());
  uint64_t raw_pos = 0;
  uint64_t skeleton_pos = 0;
  for (Candidate& candidate : candidates) {
    pieces.push_back(raw.substr(raw_pos, candidate.range.begin - raw_pos));
    skeleton_pos += candidate.range.begin - raw_pos;
    candidate.slot.offset = skeleton_pos;
    slots.push_back(candidate.slot);
    raw_pos = candidate.range.end;
  }
  pieces.push_back(raw.substr(raw_pos));
  return tree_format::serialize(raw.size(), pieces, slots);
}

constexpr size_t kNoMismatch = SIZE_MAX;

// Whether `match` accepts the base64 encoding of `content` in `layout`,
// given piece by piece. Lines that hold whole groups are encoded about
// kVerifyChunk bytes at a time (every line but the last ends with the line
// ending, so a run of whole lines encodes alone exactly as within the
// whole), so checking a large attachment costs a small buffer, not a second
// copy of it; other layouts are encoded whole.
template <typename Match>
bool matches_base64(std::string_view content, const Base64Layout& layout, std::string& scratch,
                    Match& match) {
  constexpr size_t kVerifyChunk = 1024 * 1024;
  const size_t per_line = layout.line_length % 4 == 0 ? layout.line_length / 4 * 3 : 0;
  if (per_line > 0 && content.size() > kVerifyChunk) {
    const size_t chunk = kVerifyChunk / per_line * per_line;
    Base64Layout inner = layout;
    inner.final_line_ending = true;
    while (content.size() > chunk) {
      scratch.resize(base64_encoded_size(chunk, inner));
      base64_encode_to(content.substr(0, chunk), inner, scratch.data());
      if (!match(scratch)) return false;
      content.remove_prefix(chunk);
    }
  }
  scratch.resize(base64_encoded_size(content.size(), layout));
  base64_encode_to(content, layout, scratch.data());
  return match(scratch);
}

// The index of the first slot whose bytes differ from `raw`, view.slots.size()
// when the skeleton or size differ, or kNoMismatch when the document rebuilds
// `raw` exactly.
size_t first_mismatch(const TreeView& view, std::string_view raw,
                      const std::vector<Candidate>& candidates) {
  if (view.size != raw.size() || view.slots.size() != candidates.size()) return view.slots.size();
  std::string scratch;
  size_t raw_pos = 0;
  size_t skeleton_pos = 0;
  auto matches = [&](std::string_view piece) {
    if (raw.size() - raw_pos < piece.size() ||
        std::memcmp(raw.data() + raw_pos, piece.data(), piece.size()) != 0) {
      return false;
    }
    raw_pos += piece.size();
    return true;
  };
  for (size_t i = 0; i < view.slots.size(); ++i) {
    const Slot& slot = view.slots[i];
    if (!matches(view.skeleton.substr(skeleton_pos, slot.offset - skeleton_pos))) {
      return view.slots.size();
    }
    skeleton_pos = slot.offset;
    const std::string& content = candidates[i].content;
    if (slot.key != candidates[i].slot.key) return i;
    if (slot.kind == SlotKind::identity) {
      if (!matches(content)) return i;
    } else if (!matches_base64(content, slot.layout, scratch, matches)) {
      return i;
    }
  }
  if (!matches(view.skeleton.substr(skeleton_pos)) || raw_pos != raw.size()) {
    return view.slots.size();
  }
  return kNoMismatch;
}

// The document for `candidates`, verified against `raw`. A base64 slot that
// does not reproduce becomes an identity slot; anything else unexpected falls
// back to the whole message in the skeleton.
std::string verified_document(std::string_view raw, std::vector<Candidate>& candidates) {
  while (true) {
    std::string document = serialize(raw, candidates);
    const Result<TreeView> view = tree_format::parse(document);
    const size_t mismatch = view ? first_mismatch(*view, raw, candidates) : candidates.size();
    if (mismatch == kNoMismatch) return document;
    if (mismatch < candidates.size() && candidates[mismatch].slot.kind == SlotKind::base64) {
      const Range body = candidates[mismatch].range;
      candidates[mismatch] = identity_candidate(raw, body);
      continue;
    }
    // Storing the whole message in the skeleton is always correct; a document
    // without slots that fails to reproduce is a bug in this file.
    if (candidates.empty()) {
      assert(false && "tree document without slots does not reproduce its input");
      return document;
    }
    candidates.clear();
  }
}

}  // namespace

SplitMessage split(std::string_view raw, const Message& parsed, const SplitOptions& options) {
  const uint64_t min_size = std::max<uint64_t>(options.blob_threshold, 1);
  std::vector<Candidate> candidates;
  for (const Part* leaf : movable_leaves(parsed.root, raw.size(), min_size)) {
    candidates.push_back(leaf->encoding == "base64" ? base64_or_identity(raw, leaf->body)
                                                    : identity_candidate(raw, leaf->body));
  }

  SplitMessage result;
  result.size = raw.size();
  result.tree = verified_document(raw, candidates);
  std::unordered_set<std::string_view> seen;  // views of candidates' keys, which stay put
  for (Candidate& candidate : candidates) {
    if (seen.insert(candidate.slot.key).second) {
      result.blobs.push_back(Blob{candidate.slot.key, std::move(candidate.content)});
    }
  }
  return result;
}

Result<std::string> rebuild(std::string_view tree, const BlobReader& read_blob) {
  Result<TreeView> parsed = tree_format::parse(tree);
  if (!parsed) return parsed.status();
  const TreeView& view = *parsed;

  std::unordered_map<std::string_view, std::string> contents;
  uint64_t total = view.skeleton.size();
  for (const Slot& slot : view.slots) {
    auto found = contents.find(slot.key);
    if (found == contents.end()) {
      Result<std::string> content = read_blob(slot.key);
      if (!content) return content.status();
      found = contents.emplace(slot.key, std::move(content).value()).first;
    }
    total += slot.kind == SlotKind::identity
                 ? found->second.size()
                 : base64_encoded_size(found->second.size(), slot.layout);
  }
  if (total != view.size) {
    return error(Code::corrupt, "tree: rebuilt size " + std::to_string(total) +
                                    " differs from recorded size " + std::to_string(view.size));
  }

  std::string out(total, '\0');
  char* dst = out.data();
  size_t skeleton_pos = 0;
  for (const Slot& slot : view.slots) {
    const std::string_view gap = view.skeleton.substr(skeleton_pos, slot.offset - skeleton_pos);
    dst = std::copy(gap.begin(), gap.end(), dst);
    skeleton_pos = slot.offset;
    const std::string& content = contents.find(slot.key)->second;
    dst = slot.kind == SlotKind::identity ? std::copy(content.begin(), content.end(), dst)
                                          : base64_encode_to(content, slot.layout, dst);
  }
  const std::string_view tail = view.skeleton.substr(skeleton_pos);
  std::copy(tail.begin(), tail.end(), dst);
  return out;
}

Result<std::string> prepend_to_tree(std::string_view tree, std::string_view prefix) {
  Result<TreeView> parsed = tree_format::parse(tree);
  if (!parsed) return parsed.status();
  for (Slot& slot : parsed->slots) slot.offset += prefix.size();
  return tree_format::serialize(parsed->size + prefix.size(), {prefix, parsed->skeleton},
                                parsed->slots);
}

Result<std::string> leading_bytes(std::string_view tree) {
  Result<TreeView> parsed = tree_format::parse(tree);
  if (!parsed) return parsed.status();
  if (parsed->slots.empty()) return std::string(parsed->skeleton);
  return std::string(parsed->skeleton.substr(0, parsed->slots.front().offset));
}

Result<std::vector<BlobKey>> blob_refs(std::string_view tree) {
  Result<TreeView> parsed = tree_format::parse(tree);
  if (!parsed) return parsed.status();
  std::vector<BlobKey> keys;
  keys.reserve(parsed->slots.size());
  for (Slot& slot : parsed->slots) keys.push_back(std::move(slot.key));
  return keys;
}

std::string blob_key_hex(const BlobKey& key) {
  return to_hex(key);
}

}  // namespace eider::mime
