#include "imap/search_eval.h"

#include <algorithm>
#include <optional>

#include "core/ascii.h"
#include "core/dates.h"
#include "imap/search_content.h"
#include "imap/search_date.h"
#include "imap/search_fold.h"
#include "mime/charset.h"
#include "mime/search_summary.h"

namespace eider::imap {
namespace {

using Kind = SearchKey::Kind;

bool reads_content(Kind kind) {
  switch (kind) {
    case Kind::bcc:
    case Kind::body:
    case Kind::cc:
    case Kind::from:
    case Kind::subject:
    case Kind::text:
    case Kind::to:
    case Kind::header:
    case Kind::sent_before:
    case Kind::sent_on:
    case Kind::sent_since:
      return true;
    default:
      return false;
  }
}

bool is_text_key(Kind kind) {
  return reads_content(kind) && kind != Kind::sent_before && kind != Kind::sent_on &&
         kind != Kind::sent_since;
}

std::string_view header_name(Kind kind) {
  switch (kind) {
    case Kind::bcc:
      return "Bcc";
    case Kind::cc:
      return "Cc";
    case Kind::from:
      return "From";
    case Kind::to:
      return "To";
    default:
      return "Subject";
  }
}

bool has_flag(const store::MessageInfo& info, std::string_view flag) {
  return std::any_of(info.flags.begin(), info.flags.end(),
                     [&](const std::string& f) { return core::iequals(f, flag); });
}

// The needle as UTF-8. No CHARSET, US-ASCII and UTF-8 all mean UTF-8; 8-bit
// bytes under US-ASCII or no CHARSET are taken leniently, as Dovecot does.
Result<std::string> needle_utf8(const std::optional<std::string>& charset, std::string_view text) {
  if (!charset || *charset == "US-ASCII" || *charset == "ASCII") {
    return mime::sanitize_utf8(text);
  }
  if (*charset == "UTF-8" || *charset == "UTF8") {
    if (!mime::is_valid_utf8(text)) {
      return error(Code::invalid_argument, "search string is not valid UTF-8");
    }
    return std::string(text);
  }
  return mime::to_utf8(text, *charset);
}

struct Node {
  Kind kind = Kind::all;
  std::string field;   // HEADER's field name
  std::string needle;  // folded UTF-8 for text keys; the keyword for KEYWORD
  uint64_t number = 0;
  int64_t day = 0;
  std::optional<ResolvedSet> set;
  bool content = false;         // this node or a descendant reads the message
  bool body = false;            // ... or reads past the top-level header block
  bool beyond_summary = false;  // ... or reads a field not in mime::search_summary
  std::vector<Node> children;
};

Result<Node> compile_node(const SearchKey& key, const std::optional<std::string>& charset,
                          uint32_t max_seq, uint32_t max_uid) {
  Node node;
  node.kind = key.kind;
  node.number = key.number;
  node.day = core::days_from_civil(key.date.year, key.date.month, key.date.day);
  node.content = reads_content(key.kind);
  node.body = key.kind == Kind::body || key.kind == Kind::text;
  if (key.kind == Kind::header) node.field = key.field;
  node.beyond_summary =
      node.body || (key.kind == Kind::header && !mime::in_search_summary(key.field));
  if (is_text_key(key.kind)) {
    Result<std::string> utf8 = needle_utf8(charset, key.text);
    if (!utf8) return utf8.status();
    node.needle = fold_case(*utf8);
  } else if (key.kind == Kind::keyword || key.kind == Kind::unkeyword) {
    node.needle = key.text;
  }
  if (key.kind == Kind::sequence_set) node.set.emplace(key.set, max_seq);
  if (key.kind == Kind::uid) node.set.emplace(key.set, max_uid);
  for (const SearchKey& child : key.children) {
    Result<Node> compiled = compile_node(child, charset, max_seq, max_uid);
    if (!compiled) return compiled.status();
    node.content = node.content || compiled->content;
    node.body = node.body || compiled->body;
    node.beyond_summary = node.beyond_summary || compiled->beyond_summary;
    node.children.push_back(std::move(*compiled));
  }
  // Keys on metadata first, so that a conjunction such as "UNSEEN BODY x"
  // decides most messages without reading them. AND and OR commute.
  std::stable_partition(node.children.begin(), node.children.end(),
                        [](const Node& child) { return !child.content; });
  return node;
}

// The per-message state: the message, and its text once a key has read it.
struct Subject {
  const SearchMessage& message;
  std::optional<MessageText> text;

  MessageText& content() {
    if (!text) text.emplace(message.raw);
    return *text;
  }
  // A missing or unreadable Date: is 1970-01-01, as in Dovecot: RFC 3501
  // leaves it open, and clients compare results between servers.
  int64_t sent_day() { return content().sent_day().value_or(0); }
};

bool evaluate(const Node& node, Subject& subject) {
  const store::MessageInfo& info = *subject.message.info;
  switch (node.kind) {
    case Kind::all:
      return true;
    case Kind::answered:
      return has_flag(info, "\\Answered");
    case Kind::deleted:
      return has_flag(info, "\\Deleted");
    case Kind::draft:
      return has_flag(info, "\\Draft");
    case Kind::flagged:
      return has_flag(info, "\\Flagged");
    case Kind::seen:
      return has_flag(info, "\\Seen");
    case Kind::unanswered:
      return !has_flag(info, "\\Answered");
    case Kind::undeleted:
      return !has_flag(info, "\\Deleted");
    case Kind::undraft:
      return !has_flag(info, "\\Draft");
    case Kind::unflagged:
      return !has_flag(info, "\\Flagged");
    case Kind::unseen:
      return !has_flag(info, "\\Seen");
    case Kind::new_:
      return subject.message.recent && !has_flag(info, "\\Seen");
    case Kind::old:
      return !subject.message.recent;
    case Kind::recent:
      return subject.message.recent;
    case Kind::keyword:
      return has_flag(info, node.needle);
    case Kind::unkeyword:
      return !has_flag(info, node.needle);
    case Kind::bcc:
    case Kind::cc:
    case Kind::from:
    case Kind::to:
      return subject.content().header_contains(header_name(node.kind), node.needle, true);
    case Kind::subject:
      return subject.content().header_contains(header_name(node.kind), node.needle, false);
    case Kind::header:
      return subject.content().header_contains(node.field, node.needle, false);
    case Kind::body:
      return node.needle.empty() || subject.content().body_contains(node.needle);
    case Kind::text:
      return node.needle.empty() || subject.content().text_contains(node.needle);
    case Kind::before:
      return core::utc_day(info.internal_date) < node.day;
    case Kind::on:
      return core::utc_day(info.internal_date) == node.day;
    case Kind::since:
      return core::utc_day(info.internal_date) >= node.day;
    case Kind::sent_before:
      return subject.sent_day() < node.day;
    case Kind::sent_on:
      return subject.sent_day() == node.day;
    case Kind::sent_since:
      return subject.sent_day() >= node.day;
    case Kind::larger:
      return info.wire_size > node.number;
    case Kind::smaller:
      return info.wire_size < node.number;
    case Kind::uid:
      return node.set->contains(info.uid);
    case Kind::sequence_set:
      return node.set->contains(subject.message.seq);
    case Kind::mod_seq:
      return info.modseq >= node.number;
    case Kind::and_:
      return std::all_of(node.children.begin(), node.children.end(),
                         [&](const Node& child) { return evaluate(child, subject); });
    case Kind::or_:
      return std::any_of(node.children.begin(), node.children.end(),
                         [&](const Node& child) { return evaluate(child, subject); });
    case Kind::not_:
      return !node.children.empty() && !evaluate(node.children.front(), subject);
  }
  return false;
}

}  // namespace

struct SearchProgram::Impl {
  Node root;
};

Result<SearchProgram> SearchProgram::compile(const SearchRequest& request, uint32_t max_seq,
                                             uint32_t max_uid) {
  const std::optional<std::string>& charset = request.charset;
  if (charset && *charset != "US-ASCII" && *charset != "ASCII" && *charset != "UTF-8" &&
      *charset != "UTF8" && !mime::charset_known(*charset)) {
    return error(Code::unsupported, "BADCHARSET");
  }
  Result<Node> root = compile_node(request.key, charset, max_seq, max_uid);
  if (!root) return root.status();
  return SearchProgram(std::make_unique<Impl>(Impl{std::move(*root)}));
}

SearchProgram::SearchProgram(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SearchProgram::SearchProgram(SearchProgram&&) noexcept = default;
SearchProgram& SearchProgram::operator=(SearchProgram&&) noexcept = default;
SearchProgram::~SearchProgram() = default;

bool SearchProgram::needs_content() const {
  return impl_->root.content;
}

bool SearchProgram::needs_body() const {
  return impl_->root.body;
}

bool SearchProgram::summary_suffices() const {
  return !impl_->root.beyond_summary;
}

bool SearchProgram::matches(const SearchMessage& message) const {
  Subject subject{message, std::nullopt};
  return evaluate(impl_->root, subject);
}

std::string esearch_response(std::string_view tag, bool uid,
                             const std::vector<std::string>& returns,
                             std::span<const uint32_t> hits, std::optional<uint64_t> modseq) {
  auto wants = [&returns](std::string_view option) {
    return std::find(returns.begin(), returns.end(), option) != returns.end();
  };
  // A tag holds no '"' or '\\' (RFC 3501 9), so it is quoted as it is.
  std::string out = "* ESEARCH (TAG \"";
  out.append(tag);
  out += "\")";
  if (uid) out += " UID";
  if (!hits.empty() && wants("MIN")) out += " MIN " + std::to_string(hits.front());
  if (!hits.empty() && wants("MAX")) out += " MAX " + std::to_string(hits.back());
  if (wants("COUNT")) out += " COUNT " + std::to_string(hits.size());
  if (!hits.empty() && (returns.empty() || wants("ALL"))) {
    out += " ALL " + format_sequence_set(hits);
  }
  if (modseq) out += " MODSEQ " + std::to_string(*modseq);
  out += "\r\n";
  return out;
}

}  // namespace eider::imap
