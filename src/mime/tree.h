// The stored form of a message: a tree plus blobs (docs/architecture.md, idea 1).
//
// split() turns raw message bytes into a tree document and a set of blob
// bodies. Leaf bodies (not multipart, not message/rfc822) of at least
// SplitOptions::blob_threshold bytes (and at least 1) leave the tree and
// become blobs keyed by the SHA-256 of their content. A base64 body whose
// re-encoding (same line length and line ending) gives back its exact bytes
// is stored decoded; blank lines around the base64 text stay in the tree.
// Every other body, and base64 that does not reproduce, is stored as a blob
// of its raw bytes (identity). split() rebuilds the whole document and
// compares it with the input before returning, so rebuild(split(x)) == x for
// every input x, whatever `parsed` says.
//
// Time is linear in the message; memory is the tree (the message minus the
// moved bodies) plus the blob contents, about one more copy of the message.
//
// The tree format is documented as a grammar in docs/formats.md.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "mime/message.h"

namespace eider::mime {

struct SplitOptions {
  uint64_t blob_threshold = 32 * 1024;
};

// 32 raw bytes of SHA-256 over a blob's content.
using BlobKey = std::string;

struct Blob {
  BlobKey key;
  std::string content;  // decoded bytes
};

struct SplitMessage {
  std::string tree;         // serialized tree document (opaque to the store)
  std::vector<Blob> blobs;  // distinct keys only; each key listed once
  uint64_t size = 0;        // bytes of the original message
};

SplitMessage split(std::string_view raw, const Message& parsed, const SplitOptions& options = {});

// The tree of `prefix` followed by the message `tree` was made from, without
// parsing or splitting again: the prefix joins the start of the skeleton and
// every slot moves by its length, so the blobs stay the same. LMTP uses it
// to give each recipient its own trace header lines over one split. Fails
// like rebuild() on a bad tree. Time and memory: one copy of the tree.
Result<std::string> prepend_to_tree(std::string_view tree, std::string_view prefix);

// Returns the content of a blob (as SplitMessage::blobs held it), or a failed Status.
using BlobReader = std::function<Result<std::string>(const BlobKey& key)>;

// The exact original bytes. Fails only if the tree is corrupt (Code::corrupt;
// Code::unsupported for a newer format version) or a blob read fails (that
// read's Status). Each distinct key is read once; memory is the blob contents
// plus the output.
Result<std::string> rebuild(std::string_view tree, const BlobReader& read_blob);

// The message's bytes before its first blob, read without any blob: at
// least the whole top-level header block, since blobs hold only leaf bodies
// (SEARCH on headers needs no attachment). The whole message when it has no
// blob. Fails like rebuild() on a bad tree. Time: one pass over the tree.
Result<std::string> leading_bytes(std::string_view tree);

// Every blob key the tree refers to, with repetition (a key used twice is
// listed twice), without reading any blob. Fails like rebuild() on a bad tree.
Result<std::vector<BlobKey>> blob_refs(std::string_view tree);

// Hex form of a key, for logs and the CLI.
std::string blob_key_hex(const BlobKey& key);

}  // namespace eider::mime
