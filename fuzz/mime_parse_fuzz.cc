// Fuzzes the MIME parser, ENVELOPE/BODYSTRUCTURE and the tree split/rebuild.
//
// Oracles: parse() ranges cover the input and nest (see check_ranges), every
// BODYSTRUCTURE and ENVELOPE passes the RFC 3501 grammar checker of the unit
// tests, and rebuild(split(x)) == x with every leaf moved to a blob (threshold 0) and
// with small leaves kept inline (threshold 64). Any broken rule aborts.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>

#include "mime/message.h"
#include "mime/tree.h"
#include "mime_imap_grammar.h"

namespace {

using eider::mime::Part;

void fail(const char* what) {
  std::fprintf(stderr, "invariant broken: %s\n", what);
  std::abort();
}

void check_ranges(const Part& part, uint64_t size) {
  if (part.header.begin > part.header.end) fail("header reversed");
  if (part.header.end != part.body.begin) fail("body does not follow header");
  if (part.body.begin > part.body.end || part.body.end > size) fail("body out of input");
  uint64_t cursor = part.body.begin;
  for (const Part& child : part.children) {
    if (child.header.begin < cursor) fail("child before parent body or overlapping a sibling");
    if (child.body.end > part.body.end) fail("child beyond parent body");
    cursor = child.body.end;
    check_ranges(child, size);
  }
  if (part.is_message() && !part.children.empty()) {
    if (part.children.size() != 1) fail("message part with several children");
    if (part.children[0].header.begin != part.body.begin) fail("embedded message not at body");
    if (part.children[0].body.end != part.body.end) fail("embedded message short of body");
  } else if (!part.children.empty() && !part.is_multipart()) {
    fail("leaf with children");
  }
}

// Every ENVELOPE of an embedded message must be well formed by RFC 3501.
// (The root's BODYSTRUCTURE already holds every part's; writing one per part
// would make deep trees quadratic in the harness alone.)
void check_envelopes(std::string_view in, const Part& part) {
  if (part.is_message() && part.children.size() == 1 &&
      !eider::mime::testing::Rfc3501Grammar(eider::mime::envelope(in, part.children[0]))
           .whole_envelope()) {
    fail("ENVELOPE breaks the RFC 3501 grammar");
  }
  for (const Part& child : part.children) check_envelopes(in, child);
}

void check_imap(std::string_view in, const Part& root) {
  using eider::mime::testing::Rfc3501Grammar;
  if (!Rfc3501Grammar(eider::mime::bodystructure(in, root, true)).whole_body()) {
    fail("BODYSTRUCTURE breaks the RFC 3501 grammar");
  }
  if (!Rfc3501Grammar(eider::mime::bodystructure(in, root, false)).whole_body()) {
    fail("BODY breaks the RFC 3501 grammar");
  }
  if (!Rfc3501Grammar(eider::mime::envelope(in, root)).whole_envelope()) {
    fail("ENVELOPE breaks the RFC 3501 grammar");
  }
  check_envelopes(in, root);
}

void check_round_trip(std::string_view in, const eider::mime::Message& m, uint64_t threshold) {
  eider::mime::SplitMessage s = eider::mime::split(in, m, {.blob_threshold = threshold});
  std::map<std::string, std::string> blobs;
  for (auto& b : s.blobs) blobs[b.key] = std::move(b.content);
  auto read = [&](const eider::mime::BlobKey& key) -> eider::Result<std::string> {
    auto it = blobs.find(key);
    if (it == blobs.end()) return eider::error(eider::Code::not_found, "blob");
    return it->second;
  };
  eider::Result<std::string> back = eider::mime::rebuild(s.tree, read);
  if (!back.is_ok()) fail("rebuild failed");
  if (*back != in) fail("rebuild differs from input");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  eider::mime::Message m = eider::mime::parse(in);
  if (m.root.header.begin != 0 || m.root.body.end != size) fail("root does not cover input");
  check_ranges(m.root, size);
  check_imap(in, m.root);
  check_round_trip(in, m, 0);
  check_round_trip(in, m, 64);
  return 0;
}
