// The text of one message as SEARCH text keys read it, computed on first use
// and kept while that message is evaluated, so several keys share one parse.
//
// Header keys read only the top-level header block (found by scanning to its
// first empty line); the MIME tree is parsed, and bodies decoded, only when
// BODY or TEXT asks. Memory: the folded copies of what was asked for, at most
// a small multiple of the message size. Not thread-safe; one per message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mime/message.h"

namespace eider::imap {

class MessageText {
 public:
  // `raw` must outlive this object.
  explicit MessageText(std::string_view raw) : raw_(raw) {}

  // Whether a top-level field named `name` (any case) exists and the folded,
  // decoded text of one of them contains `folded_needle`. With `address`,
  // the field's raw text (undecoded, unfolded) counts as well, and so do its
  // addresses as parsed (mime/address_text.h: comments and CFWS removed).
  bool header_contains(std::string_view name, std::string_view folded_needle, bool address);
  // Whether the text of a text/* or message/* leaf (decoded to UTF-8 and
  // folded) contains it. A leaf in an unknown transfer encoding has no text.
  bool body_contains(std::string_view folded_needle);
  // Like body_contains(), counting the top-level and embedded messages' headers
  // and the body parts' MIME headers too.
  bool text_contains(std::string_view folded_needle);
  // The day of the first Date: field in its own zone, or nullopt.
  std::optional<int64_t> sent_day();

 private:
  struct Segment {
    std::string folded;
    bool header = false;  // headers count for TEXT only
  };
  const std::vector<mime::HeaderField>& fields();
  const std::string& folded_value(size_t index);
  const std::vector<Segment>& segments();
  void add_part_text(const mime::Part& part);

  std::string_view raw_;
  std::optional<std::vector<mime::HeaderField>> fields_;
  std::vector<std::optional<std::string>> folded_values_;
  std::optional<std::vector<Segment>> segments_;
};

}  // namespace eider::imap
