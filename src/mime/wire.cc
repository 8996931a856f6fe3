#include "mime/wire.h"

#include <cstring>

namespace eider::mime {

uint64_t wire_size(std::string_view bytes) {
  uint64_t size = bytes.size();
  const char* const begin = bytes.data();
  const char* const end = begin + bytes.size();
  const char* p = begin;
  // memchr skips the long runs without line ends at memory speed.
  while (p < end) {
    const char* lf = static_cast<const char*>(std::memchr(p, '\n', end - p));
    const char* stop = lf != nullptr ? lf : end;
    for (const char* cr = static_cast<const char*>(std::memchr(p, '\r', stop - p)); cr != nullptr;
         cr = static_cast<const char*>(std::memchr(cr + 1, '\r', stop - cr - 1))) {
      if (cr + 1 != lf) ++size;
    }
    if (lf == nullptr) break;
    if (lf == begin || lf[-1] != '\r') ++size;
    p = lf + 1;
  }
  return size;
}

void append_crlf_lines(std::string& out, std::string_view bytes) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  const char* run = p;
  for (; p < end; ++p) {
    if (*p != '\n' && *p != '\r') continue;
    if (*p == '\r' && p + 1 < end && p[1] == '\n') {
      ++p;
      continue;
    }
    out.append(run, p);
    out += "\r\n";
    run = p + 1;
  }
  out.append(run, end);
}

}  // namespace eider::mime
