// SEARCH: RETURN options, CHARSET and the key tree.
#include "imap/search_parser.h"

#include <span>

#include "core/ascii.h"
#include "core/dates.h"
#include "imap/cursor.h"
#include "imap/syntax.h"

namespace eider::imap {
namespace {

using Kind = SearchKey::Kind;

struct Name {
  std::string_view name;
  Kind kind;
};

constexpr Name kFlagKeys[] = {
    {"ALL", Kind::all},
    {"ANSWERED", Kind::answered},
    {"DELETED", Kind::deleted},
    {"DRAFT", Kind::draft},
    {"FLAGGED", Kind::flagged},
    {"NEW", Kind::new_},
    {"OLD", Kind::old},
    {"RECENT", Kind::recent},
    {"SEEN", Kind::seen},
    {"UNANSWERED", Kind::unanswered},
    {"UNDELETED", Kind::undeleted},
    {"UNDRAFT", Kind::undraft},
    {"UNFLAGGED", Kind::unflagged},
    {"UNSEEN", Kind::unseen},
};
constexpr Name kStringKeys[] = {
    {"BCC", Kind::bcc},         {"BODY", Kind::body}, {"CC", Kind::cc}, {"FROM", Kind::from},
    {"SUBJECT", Kind::subject}, {"TEXT", Kind::text}, {"TO", Kind::to},
};
constexpr Name kDateKeys[] = {
    {"BEFORE", Kind::before},          {"ON", Kind::on},          {"SINCE", Kind::since},
    {"SENTBEFORE", Kind::sent_before}, {"SENTON", Kind::sent_on}, {"SENTSINCE", Kind::sent_since},
};

std::optional<Kind> find(std::span<const Name> table, std::string_view name) {
  for (const Name& n : table) {
    if (n.name == name) return n.kind;
  }
  return std::nullopt;
}

Result<Date> read_date(Cursor& cursor) {
  std::string text;
  if (cursor.peek() == '"') {
    Result<std::string> q = cursor.quoted();
    if (!q) return q.status();
    text = std::move(*q);
  } else {
    text = std::string(cursor.word());
  }
  std::optional<Date> date = parse_date(text);
  if (!date) return bad("invalid date \"" + text + "\" (expected e.g. 1-Feb-1994)");
  return *date;
}

Result<SearchKey> read_key(Cursor& cursor, std::size_t depth, std::size_t max_depth);

Status read_modseq(Cursor& cursor, SearchKey& key) {
  EIDER_RETURN_IF_ERROR(cursor.sp());
  if (cursor.peek() == '"') {
    Result<std::string> entry = cursor.quoted();
    if (!entry) return entry.status();
    key.field = std::move(*entry);
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<std::string> type = cursor.atom();
    if (!type) return bad("MODSEQ entry type expected");
    key.text = core::ascii_uppercase(*type);
    if (key.text != "PRIV" && key.text != "SHARED" && key.text != "ALL") {
      return bad("MODSEQ entry type must be priv, shared or all");
    }
    EIDER_RETURN_IF_ERROR(cursor.sp());
  }
  Result<uint64_t> n = cursor.number();
  if (!n || *n > INT64_MAX) return bad("invalid MODSEQ value");
  key.number = *n;
  return Status::ok();
}

Status read_key_arguments(Cursor& cursor, std::string_view name, SearchKey& key, std::size_t depth,
                          std::size_t max_depth) {
  if (std::optional<Kind> kind = find(kFlagKeys, name)) {
    key.kind = *kind;
  } else if (std::optional<Kind> kind = find(kStringKeys, name)) {
    key.kind = *kind;
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<std::string> s = cursor.astring();
    if (!s) return bad(std::string(name) + " needs a string");
    key.text = std::move(*s);
  } else if (std::optional<Kind> kind = find(kDateKeys, name)) {
    key.kind = *kind;
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<Date> date = read_date(cursor);
    if (!date) return date.status();
    key.date = *date;
  } else if (name == "KEYWORD" || name == "UNKEYWORD") {
    key.kind = name == "KEYWORD" ? Kind::keyword : Kind::unkeyword;
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<std::string> keyword = cursor.atom();
    if (!keyword) return bad(std::string(name) + " needs a keyword");
    key.text = std::move(*keyword);
  } else if (name == "HEADER") {
    key.kind = Kind::header;
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<std::string> field = cursor.astring();
    if (!field || field->empty()) return bad("HEADER needs a field name");
    key.field = std::move(*field);
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<std::string> s = cursor.astring();
    if (!s) return bad("HEADER needs a string");
    key.text = std::move(*s);
  } else if (name == "LARGER" || name == "SMALLER") {
    key.kind = name == "LARGER" ? Kind::larger : Kind::smaller;
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<uint64_t> n = cursor.number();
    if (!n) return bad(std::string(name) + " needs a number");
    key.number = *n;
  } else if (name == "UID") {
    key.kind = Kind::uid;
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<SequenceSet> set = SequenceSet::parse(cursor.word());
    if (!set) return set.status();
    key.set = std::move(*set);
  } else if (name == "MODSEQ") {
    key.kind = Kind::mod_seq;
    EIDER_RETURN_IF_ERROR(read_modseq(cursor, key));
  } else if (name == "NOT" || name == "OR") {
    key.kind = name == "NOT" ? Kind::not_ : Kind::or_;
    for (int i = name == "NOT" ? 1 : 2; i > 0; --i) {
      EIDER_RETURN_IF_ERROR(cursor.sp());
      Result<SearchKey> child = read_key(cursor, depth + 1, max_depth);
      if (!child) return child.status();
      key.children.push_back(std::move(*child));
    }
  } else {
    return bad("unknown search key \"" + std::string(name) + "\"");
  }
  return Status::ok();
}

Result<SearchKey> read_key(Cursor& cursor, std::size_t depth, std::size_t max_depth) {
  if (depth > max_depth) return error(Code::too_large, "search keys nested too deep");
  EIDER_RETURN_IF_ERROR(cursor.count_argument());
  SearchKey key;
  char c = cursor.peek();
  if (c == '(') {
    key.kind = Kind::and_;
    EIDER_RETURN_IF_ERROR(cursor.list(false, [&]() -> Status {
      Result<SearchKey> child = read_key(cursor, depth + 1, max_depth);
      if (!child) return child.status();
      key.children.push_back(std::move(*child));
      return Status::ok();
    }));
    return key;
  }
  if ((c >= '0' && c <= '9') || c == '*') {
    key.kind = Kind::sequence_set;
    Result<SequenceSet> set = SequenceSet::parse(cursor.word());
    if (!set) return set.status();
    key.set = std::move(*set);
    return key;
  }
  Result<std::string> name = cursor.atom();
  if (!name) return bad("search key expected");
  EIDER_RETURN_IF_ERROR(
      read_key_arguments(cursor, core::ascii_uppercase(*name), key, depth, max_depth));
  return key;
}

Status read_returns(Cursor& cursor, SearchRequest& request) {
  EIDER_RETURN_IF_ERROR(cursor.sp());
  request.esearch = true;
  return cursor.list(true, [&]() -> Status {
    Result<std::string> option = cursor.atom();
    if (!option) return bad("RETURN option expected");
    std::string upper = core::ascii_uppercase(*option);
    if (upper != "MIN" && upper != "MAX" && upper != "ALL" && upper != "COUNT" && upper != "SAVE") {
      return bad("unknown RETURN option \"" + *option + "\"");
    }
    request.returns.push_back(std::move(upper));
    return Status::ok();
  });
}

}  // namespace

std::optional<Date> parse_date(std::string_view text) {
  std::size_t dash = text.find('-');
  if (dash != 1 && dash != 2) return std::nullopt;
  if (text.size() != dash + 9 || text[dash + 4] != '-') return std::nullopt;
  Date date;
  std::string_view day = text.substr(0, dash);
  std::string_view year = text.substr(dash + 5);
  Result<uint64_t> d = parse_number(day);
  Result<uint64_t> y = parse_number(year);
  if (!d || !y || !day.empty() || !year.empty()) return std::nullopt;
  date.month = core::month_from_abbreviation(text.substr(dash + 1, 3));
  if (date.month == 0) return std::nullopt;
  date.year = static_cast<int>(*y);
  if (*d < 1 || *d > static_cast<uint64_t>(core::days_in_month(date.year, date.month))) {
    return std::nullopt;
  }
  date.day = static_cast<int>(*d);
  return date;
}

Result<SearchRequest> parse_search(Cursor& cursor, std::size_t max_depth) {
  SearchRequest request;
  request.key.kind = Kind::and_;
  // RETURN and CHARSET come first and at most once each, in that order.
  // A key name, or "" when a sequence set or "(" comes next.
  auto read_name = [&cursor] {
    char c = core::ascii_upper(cursor.peek());
    if (c < 'A' || c > 'Z') return std::string();
    return core::ascii_uppercase(cursor.take_while(is_atom_char));
  };
  EIDER_RETURN_IF_ERROR(cursor.sp());
  std::string upper = read_name();
  if (upper == "RETURN") {
    EIDER_RETURN_IF_ERROR(read_returns(cursor, request));
    EIDER_RETURN_IF_ERROR(cursor.sp());
    upper = read_name();
  }
  if (upper == "CHARSET") {
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<std::string> charset = cursor.astring();
    if (!charset) return bad("CHARSET needs a name");
    request.charset = core::ascii_uppercase(*charset);
    EIDER_RETURN_IF_ERROR(cursor.sp());
    upper.clear();
  }
  // `upper` holds an atom already read as the first key's name, if any.
  while (true) {
    Result<SearchKey> key = [&]() -> Result<SearchKey> {
      if (upper.empty()) return read_key(cursor, 1, max_depth);
      SearchKey k;
      EIDER_RETURN_IF_ERROR(cursor.count_argument());
      EIDER_RETURN_IF_ERROR(read_key_arguments(cursor, upper, k, 1, max_depth));
      return k;
    }();
    if (!key) return key.status();
    upper.clear();
    request.key.children.push_back(std::move(*key));
    if (cursor.at_end()) return request;
    EIDER_RETURN_IF_ERROR(cursor.sp());
  }
}

}  // namespace eider::imap
