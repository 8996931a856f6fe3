// The parsed IMAP command: what parse_command (imap/parser.h) returns.
//
// Strings are the bytes the client sent (quoted strings unescaped, literals
// as received); mailbox names are still modified UTF-7: decode them with
// imap/mailbox_name.h. Keywords that the protocol treats case-insensitively
// (command names, STATUS items, LIST options, ENABLE capabilities, the
// mechanism of AUTHENTICATE) are upper-cased; flags keep their spelling.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/spool.h"
#include "imap/fetch_parser.h"
#include "imap/search_parser.h"
#include "imap/sequence_set.h"

namespace eider::imap {

// CAPABILITY NOOP LOGOUT STARTTLS CHECK CLOSE EXPUNGE IDLE NAMESPACE UNSELECT.
struct NoArguments {};

struct Login {
  std::string user;
  std::string password;
};

struct Authenticate {
  std::string mechanism;
  // SASL-IR (RFC 4959): the base64 text as sent; "=" is an empty response.
  std::optional<std::string> initial_response;
};

// DELETE SUBSCRIBE UNSUBSCRIBE GETQUOTAROOT; GETQUOTA (the quota root).
struct MailboxArgument {
  std::string mailbox;
};

struct Qresync {
  uint32_t uid_validity = 0;
  uint64_t mod_seq = 0;
  std::optional<SequenceSet> known_uids;
  std::optional<SequenceSet> seq_match;  // known sequence numbers, RFC 7162 3.2.5.2
  std::optional<SequenceSet> uid_match;
};

// SELECT and EXAMINE.
struct Select {
  std::string mailbox;
  bool condstore = false;
  std::optional<Qresync> qresync;
};

struct Create {
  std::string mailbox;
  std::vector<std::string> special_use;  // CREATE-SPECIAL-USE: "\Sent", as written
};

struct Rename {
  std::string from;
  std::string to;
};

// A STATUS item: RFC 3501's five, HIGHESTMODSEQ (RFC 7162), SIZE (RFC 8438;
// read, not offered, answered with nothing), DELETED (RFC 9051),
// APPENDLIMIT (RFC 7889) and DELETED-STORAGE (RFC 9208).
enum class StatusItem {
  messages,
  recent,
  uidnext,
  uidvalidity,
  unseen,
  highestmodseq,
  size,
  deleted,
  appendlimit,
  deleted_storage,
};

// Its name on the wire, upper case: "MESSAGES", "DELETED-STORAGE", ...
constexpr std::string_view status_item_name(StatusItem item) {
  switch (item) {
    case StatusItem::messages:
      return "MESSAGES";
    case StatusItem::recent:
      return "RECENT";
    case StatusItem::uidnext:
      return "UIDNEXT";
    case StatusItem::uidvalidity:
      return "UIDVALIDITY";
    case StatusItem::unseen:
      return "UNSEEN";
    case StatusItem::highestmodseq:
      return "HIGHESTMODSEQ";
    case StatusItem::size:
      return "SIZE";
    case StatusItem::deleted:
      return "DELETED";
    case StatusItem::appendlimit:
      return "APPENDLIMIT";
    case StatusItem::deleted_storage:
      return "DELETED-STORAGE";
  }
  return "";
}

// LIST (with LIST-EXTENDED, LIST-STATUS, SPECIAL-USE) and LSUB.
struct List {
  std::vector<std::string> selection;  // upper-cased: SUBSCRIBED REMOTE RECURSIVEMATCH ...
  std::string reference;
  std::vector<std::string> patterns;     // one unless the extended form gave a list
  std::vector<std::string> returns;      // upper-cased: SUBSCRIBED CHILDREN SPECIAL-USE STATUS
  std::vector<StatusItem> status_items;  // RETURN (STATUS (...)), in the order asked
};

struct StatusRequest {
  std::string mailbox;
  std::vector<StatusItem> items;  // in the order asked
};

struct AppendMessage {
  std::vector<std::string> flags;
  // The date-time given ("dd-Mon-yyyy hh:mm:ss +zzzz"), as seconds since
  // the epoch.
  std::optional<int64_t> date;
  std::string content;  // moved from the literal, never copied
  bool binary = false;  // literal8 ~{n} (RFC 3516)
  // A large literal, spooled to a file as it arrived; `content` is empty then.
  std::shared_ptr<core::Spool> spool;
};

struct Append {
  std::string mailbox;
  std::vector<AppendMessage> messages;  // more than one only with MULTIAPPEND
};

struct StoreFlags {
  SequenceSet set;
  std::optional<uint64_t> unchanged_since;
  enum class Mode { replace, add, remove } mode = Mode::replace;
  bool silent = false;
  std::vector<std::string> flags;
};

// COPY and MOVE.
struct Copy {
  SequenceSet set;
  std::string mailbox;
};

// UID EXPUNGE.
struct UidExpunge {
  SequenceSet set;
};

struct Enable {
  std::vector<std::string> capabilities;
};

// ID (RFC 2971): NIL gives an empty list.
struct Id {
  std::vector<std::pair<std::string, std::optional<std::string>>> fields;
};

struct Compress {
  std::string mechanism;  // "DEFLATE"
};

struct SetQuota {
  std::string root;
  std::vector<std::pair<std::string, uint64_t>> limits;  // resource upper-cased
};

using Arguments = std::variant<NoArguments, Login, Authenticate, MailboxArgument, Select, Create,
                               Rename, List, StatusRequest, Append, StoreFlags, Copy, UidExpunge,
                               Enable, Id, Compress, SetQuota, FetchRequest, SearchRequest>;

struct Command {
  std::string tag;
  std::string name;  // upper-cased: "FETCH"; "UID FETCH" has name FETCH and uid = true
  bool uid = false;
  Arguments arguments;
};

}  // namespace eider::imap
