// Case folding for SEARCH text keys: both the search string and the text
// searched go through fold_case(), so a plain substring test on the results
// is the case-insensitive match RFC 3501 asks for.
#pragma once

#include <string>
#include <string_view>

namespace eider::imap {

// `utf8` with every code point replaced by its Unicode simple case folding
// (so "Ä" and "ä" agree; "ß" stays one character). ASCII text takes a
// table-free fast path. Bytes that are not valid UTF-8 are copied unchanged,
// so the folding never fails. Time linear, memory: the output only.
std::string fold_case(std::string_view utf8);

}  // namespace eider::imap
