// The stored form of a message: a tree plus blobs (DESIGN.md idea 1).
//
// split() turns raw message bytes into a tree document and a set of blob
// bodies. Leaf bodies of at least Options::blob_threshold bytes leave the tree
// and become blobs keyed by the SHA-256 of their decoded content; the tree
// keeps what re-encodes them exactly (encoding, line length, line ending,
// trailing bytes). split() rebuilds every part it moved and compares it with
// the input; a part that does not reproduce is stored as a blob of its raw
// bytes (identity encoding). rebuild(split(x)) == x for every input x.
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

// Returns the decoded content of a blob, or a failed Status.
using BlobReader = std::function<Result<std::string>(const BlobKey& key)>;

// The exact original bytes. Fails only if the tree is corrupt or a blob read fails.
Result<std::string> rebuild(std::string_view tree, const BlobReader& read_blob);

// Every blob key the tree refers to, with repetition (a key used twice is listed twice).
Result<std::vector<BlobKey>> blob_refs(std::string_view tree);

// Hex form of a key, for logs and the CLI.
std::string blob_key_hex(const BlobKey& key);

}  // namespace eider::mime
