// parse_command: tag, command name, and the arguments of each command
// without a file of its own (FETCH and SEARCH have fetch_parser.cc and
// search_parser.cc; mailbox commands are in mailbox_parser.cc).
#include "imap/command_parser.h"

#include "core/ascii.h"
#include "imap/cursor.h"
#include "imap/syntax.h"

namespace eider::imap {
namespace {

Result<NoArguments> no_arguments(Cursor&) {
  return NoArguments{};
}

Result<Login> parse_login(Cursor& cursor) {
  Login login;
  EIDER_RETURN_IF_ERROR(cursor.sp());
  Result<std::string> user = cursor.astring();
  if (!user) return bad("user name expected");
  EIDER_RETURN_IF_ERROR(cursor.sp());
  Result<std::string> password = cursor.astring();
  if (!password) return bad("password expected");
  return Login{std::move(*user), std::move(*password)};
}

bool is_base64_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/' || c == '=';
}

Result<Authenticate> parse_authenticate(Cursor& cursor) {
  Authenticate auth;
  EIDER_RETURN_IF_ERROR(cursor.sp());
  Result<std::string> mechanism = cursor.atom();
  if (!mechanism) return bad("SASL mechanism expected");
  auth.mechanism = core::ascii_uppercase(*mechanism);
  if (cursor.eat(' ')) {
    std::string_view response = cursor.take_while(is_base64_char);
    if (response.empty()) return bad("initial response must be base64 or =");
    auth.initial_response = std::string(response);
  }
  return auth;
}

Result<StoreFlags> parse_store(Cursor& cursor) {
  StoreFlags store;
  EIDER_RETURN_IF_ERROR(cursor.sp());
  Result<SequenceSet> set = SequenceSet::parse(cursor.word());
  if (!set) return set.status();
  store.set = std::move(*set);
  EIDER_RETURN_IF_ERROR(cursor.sp());
  if (cursor.peek() == '(') {
    EIDER_RETURN_IF_ERROR(cursor.list(false, [&]() -> Status {
      Result<std::string> name = cursor.atom();
      if (!name || !core::iequals(*name, "UNCHANGEDSINCE") || store.unchanged_since) {
        return bad("unknown or repeated STORE modifier");
      }
      EIDER_RETURN_IF_ERROR(cursor.sp());
      Result<uint64_t> n = cursor.number();
      if (!n || *n > INT64_MAX) return bad("invalid UNCHANGEDSINCE mod-sequence");
      store.unchanged_since = *n;
      return Status::ok();
    }));
    EIDER_RETURN_IF_ERROR(cursor.sp());
  }
  if (cursor.eat('+')) {
    store.mode = StoreFlags::Mode::add;
  } else if (cursor.eat('-')) {
    store.mode = StoreFlags::Mode::remove;
  }
  Result<std::string> item = cursor.atom();
  std::string upper = item ? core::ascii_uppercase(*item) : "";
  if (upper != "FLAGS" && upper != "FLAGS.SILENT") return bad("FLAGS or FLAGS.SILENT expected");
  store.silent = upper == "FLAGS.SILENT";
  EIDER_RETURN_IF_ERROR(cursor.sp());
  if (cursor.peek() == '(') {
    Result<std::vector<std::string>> flags = parse_flag_list(cursor);
    if (!flags) return flags.status();
    store.flags = std::move(*flags);
    return store;
  }
  while (true) {  // RFC 3501: flag *(SP flag) without parentheses
    EIDER_RETURN_IF_ERROR(cursor.count_argument());
    Result<std::string> flag = parse_flag(cursor);
    if (!flag) return flag.status();
    store.flags.push_back(std::move(*flag));
    if (!cursor.eat(' ')) return store;
  }
}

Result<Copy> parse_copy(Cursor& cursor) {
  Copy copy;
  EIDER_RETURN_IF_ERROR(cursor.sp());
  Result<SequenceSet> set = SequenceSet::parse(cursor.word());
  if (!set) return set.status();
  copy.set = std::move(*set);
  EIDER_RETURN_IF_ERROR(cursor.sp());
  Result<std::string> mailbox = cursor.astring();
  if (!mailbox) return bad("mailbox name expected");
  copy.mailbox = std::move(*mailbox);
  return copy;
}

Result<UidExpunge> parse_uid_expunge(Cursor& cursor) {
  EIDER_RETURN_IF_ERROR(cursor.sp());
  Result<SequenceSet> set = SequenceSet::parse(cursor.word());
  if (!set) return set.status();
  return UidExpunge{std::move(*set)};
}

Result<FetchRequest> parse_fetch_command(Cursor& cursor) {
  EIDER_RETURN_IF_ERROR(cursor.sp());
  return parse_fetch(cursor);
}

Result<Enable> parse_enable(Cursor& cursor) {
  Enable enable;
  EIDER_RETURN_IF_ERROR(cursor.sp());
  do {
    EIDER_RETURN_IF_ERROR(cursor.count_argument());
    Result<std::string> name = cursor.atom();
    if (!name) return bad("capability name expected");
    enable.capabilities.push_back(core::ascii_uppercase(*name));
  } while (cursor.eat(' '));
  return enable;
}

Result<Id> parse_id(Cursor& cursor) {
  Id id;
  EIDER_RETURN_IF_ERROR(cursor.sp());
  if (cursor.peek() != '(') {
    Result<std::string> nil = cursor.atom();
    if (!nil || !core::iequals(*nil, "NIL")) return bad("ID needs a list or NIL");
    return id;
  }
  EIDER_RETURN_IF_ERROR(cursor.list(true, [&]() -> Status {
    Result<std::string> field = cursor.string();
    if (!field) return bad("ID field name must be a string");
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<std::optional<std::string>> value = cursor.nstring();
    if (!value) return value.status();
    id.fields.emplace_back(std::move(*field), std::move(*value));
    return Status::ok();
  }));
  return id;
}

Result<Compress> parse_compress(Cursor& cursor) {
  EIDER_RETURN_IF_ERROR(cursor.sp());
  Result<std::string> mechanism = cursor.atom();
  if (!mechanism) return bad("compression mechanism expected");
  return Compress{core::ascii_uppercase(*mechanism)};
}

Result<SetQuota> parse_setquota(Cursor& cursor) {
  SetQuota quota;
  EIDER_RETURN_IF_ERROR(cursor.sp());
  Result<std::string> root = cursor.astring();
  if (!root) return bad("quota root expected");
  quota.root = std::move(*root);
  EIDER_RETURN_IF_ERROR(cursor.sp());
  EIDER_RETURN_IF_ERROR(cursor.list(true, [&]() -> Status {
    Result<std::string> resource = cursor.atom();
    if (!resource) return bad("quota resource name expected");
    EIDER_RETURN_IF_ERROR(cursor.sp());
    Result<uint64_t> limit = cursor.number();
    if (!limit || *limit > INT64_MAX) return bad("quota limit must be a number");
    quota.limits.emplace_back(core::ascii_uppercase(*resource), *limit);
    return Status::ok();
  }));
  return quota;
}

template <typename T>
Result<Arguments> wrap(Result<T> parsed) {
  if (!parsed) return parsed.status();
  return Arguments(std::move(*parsed));
}

// Commands that UID may prefix: FETCH SEARCH STORE COPY MOVE EXPUNGE.
Result<Arguments> parse_arguments(Cursor& cursor, const Command& command,
                                  const ParserLimits& limits) {
  std::string_view name = command.name;
  if (name == "FETCH") return wrap(parse_fetch_command(cursor));
  if (name == "SEARCH") return wrap(parse_search(cursor, limits.max_depth));
  if (name == "STORE") return wrap(parse_store(cursor));
  if (name == "COPY" || name == "MOVE") return wrap(parse_copy(cursor));
  if (name == "EXPUNGE" && command.uid) return wrap(parse_uid_expunge(cursor));
  if (command.uid) return error(Code::unsupported, "UID cannot prefix " + command.name);
  for (std::string_view plain : {"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "CHECK", "CLOSE",
                                 "EXPUNGE", "IDLE", "NAMESPACE", "UNSELECT"}) {
    if (name == plain) return wrap(no_arguments(cursor));
  }
  if (name == "LOGIN") return wrap(parse_login(cursor));
  if (name == "AUTHENTICATE") return wrap(parse_authenticate(cursor));
  if (name == "SELECT" || name == "EXAMINE") return wrap(parse_select(cursor));
  if (name == "CREATE") return wrap(parse_create(cursor));
  if (name == "DELETE" || name == "SUBSCRIBE" || name == "UNSUBSCRIBE" || name == "GETQUOTAROOT" ||
      name == "GETQUOTA") {
    return wrap(parse_mailbox_argument(cursor));
  }
  if (name == "RENAME") return wrap(parse_rename(cursor));
  if (name == "LIST" || name == "LSUB") return wrap(parse_list(cursor, name == "LSUB"));
  if (name == "STATUS") return wrap(parse_status(cursor));
  if (name == "APPEND") return wrap(parse_append(cursor));
  if (name == "ENABLE") return wrap(parse_enable(cursor));
  if (name == "ID") return wrap(parse_id(cursor));
  if (name == "COMPRESS") return wrap(parse_compress(cursor));
  if (name == "SETQUOTA") return wrap(parse_setquota(cursor));
  return error(Code::unsupported, "unknown command");
}

ErrorKind kind_of(Code code) {
  switch (code) {
    case Code::too_large:
      return ErrorKind::too_complex;
    case Code::unsupported:
      return ErrorKind::unknown_command;
    default:
      return ErrorKind::syntax;
  }
}

}  // namespace

Result<std::string> parse_flag(Cursor& cursor) {
  bool system = cursor.eat('\\');
  Result<std::string> name = cursor.atom();
  if (!name) return bad("flag expected");
  if (system) name->insert(name->begin(), '\\');
  return name;
}

Result<std::vector<std::string>> parse_flag_list(Cursor& cursor) {
  std::vector<std::string> flags;
  EIDER_RETURN_IF_ERROR(cursor.list(true, [&]() -> Status {
    Result<std::string> flag = parse_flag(cursor);
    if (!flag) return flag.status();
    flags.push_back(std::move(*flag));
    return Status::ok();
  }));
  return flags;
}

std::variant<Command, ParseError> parse_command(RawCommand raw, const ParserLimits& limits) {
  Cursor cursor(raw, limits);
  Command command;
  command.tag = std::string(cursor.take_while(is_tag_char));
  if (command.tag.empty() || (cursor.peek() != ' ' && !cursor.at_end())) {
    return ParseError{ErrorKind::syntax, "", "missing or invalid tag"};
  }
  if (!cursor.eat(' ')) return ParseError{ErrorKind::syntax, command.tag, "missing command"};
  Result<std::string> name = cursor.atom();
  if (!name) return ParseError{ErrorKind::syntax, command.tag, "missing command"};
  command.name = core::ascii_uppercase(*name);
  if (command.name == "UID") {
    command.uid = true;
    Result<std::string> sub = cursor.eat(' ') ? cursor.atom() : bad("command expected");
    if (!sub) return ParseError{ErrorKind::syntax, command.tag, "UID: command expected"};
    command.name = core::ascii_uppercase(*sub);
  }
  Result<Arguments> arguments = parse_arguments(cursor, command, limits);
  std::string label = command.name;
  if (command.uid) label.insert(0, "UID ");
  if (!arguments) {
    return ParseError{kind_of(arguments.status().code()), command.tag,
                      label + ": " + arguments.status().message()};
  }
  if (!cursor.at_end()) {
    return ParseError{ErrorKind::syntax, command.tag, label + ": unexpected text after arguments"};
  }
  command.arguments = std::move(*arguments);
  return command;
}

}  // namespace eider::imap
