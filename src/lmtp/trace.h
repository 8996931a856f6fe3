// What LMTP adds to or reads from a delivered message, as pure functions:
// the trace header lines each recipient's copy starts with, and the spam
// verdict a filter upstream left in the headers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace eider::lmtp {

struct Trace {
  std::string_view sender;     // reverse-path, "" for the null sender
  std::string_view recipient;  // forward-path as the client gave it
  std::string_view lhlo;       // the client's LHLO name
  std::string_view peer;       // the client's IP address, or "unix"
  std::string_view hostname;   // ours
  std::string_view id;         // queue id of the transaction
  std::string_view protocol;   // "LMTP", or "UTF8LMTP" with SMTPUTF8 (RFC 6531)
  int64_t time = 0;            // seconds since the epoch
};

// "Return-Path: <sender>", "Delivered-To: recipient" and a Received line for
// this hop (RFC 5321 4.4, folded), each ending with `line_ending`. Bytes
// from the client that could break a header line (controls) become '?'.
std::string trace_headers(const Trace& trace, std::string_view line_ending);

// The line ending of the message's first line ("\n" when it is a bare LF,
// else "\r\n"), so trace lines match the message they head.
std::string_view line_ending_of(std::string_view message);

// True when the message's top-level header says spam: X-Spam-Flag: YES,
// X-Spam-Status: Yes..., or X-Spam-Action / X-Rspamd-Action naming
// "add header", "rewrite subject" or "reject" (case-insensitive). Reads the
// header block only.
bool headers_say_spam(std::string_view message);

}  // namespace eider::lmtp
