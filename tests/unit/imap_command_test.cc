// Per-command arguments, and the bad-input catalogue: malformed commands,
// each with its error class and tag, each followed by a command that must
// still parse (the reader resynchronises at the next line).
#include <gtest/gtest.h>

#include "imap_feed.h"

namespace eider::imap {
namespace {

template <typename T>
T args(std::string_view line) {
  Command command = parse_one(line);
  if (auto* a = std::get_if<T>(&command.arguments)) return *a;
  ADD_FAILURE() << line << ": other arguments";
  return T{};
}

TEST(CommandParser, ReadsCommandsWithoutArguments) {
  for (std::string_view name : {"CAPABILITY", "NOOP", "LOGOUT", "STARTTLS", "CHECK", "CLOSE",
                                "EXPUNGE", "IDLE", "NAMESPACE", "UNSELECT"}) {
    Command command = parse_one("x1 " + std::string(name));
    EXPECT_EQ(command.name, name);
    EXPECT_TRUE(std::holds_alternative<NoArguments>(command.arguments));
  }
  EXPECT_EQ(parse_one("x1 noop").name, "NOOP");
}

TEST(CommandParser, ReadsLoginAndAuthenticate) {
  Login login = args<Login>("a LOGIN \"al\\\"ice\" {3+}\r\np w");
  EXPECT_EQ(login.user, "al\"ice");
  EXPECT_EQ(login.password, "p w");
  Authenticate plain = args<Authenticate>("a AUTHENTICATE plain AGFsaWNlAHNlY3JldA==");
  EXPECT_EQ(plain.mechanism, "PLAIN");
  EXPECT_EQ(plain.initial_response, "AGFsaWNlAHNlY3JldA==");
  EXPECT_EQ(args<Authenticate>("a AUTHENTICATE PLAIN =").initial_response, "=");
  EXPECT_FALSE(args<Authenticate>("a AUTHENTICATE LOGIN").initial_response.has_value());
}

TEST(CommandParser, ReadsSelectWithCondstoreAndQresync) {
  Select plain = args<Select>("a SELECT INBOX");
  EXPECT_EQ(plain.mailbox, "INBOX");
  EXPECT_FALSE(plain.condstore);
  EXPECT_TRUE(args<Select>("a EXAMINE \"Sent\" (CONDSTORE)").condstore);
  Select q =
      args<Select>("a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))");
  ASSERT_TRUE(q.qresync);
  EXPECT_EQ(q.qresync->uid_validity, 67890007u);
  EXPECT_EQ(q.qresync->mod_seq, 20050715194045000u);
  ASSERT_TRUE(q.qresync->known_uids);
  EXPECT_EQ(q.qresync->known_uids->ranges().size(), 3u);
  Select match = args<Select>("a SELECT INBOX (QRESYNC (1 2 1:100 (1:3,5 10:12,20)) CONDSTORE)");
  ASSERT_TRUE(match.qresync && match.qresync->seq_match && match.qresync->uid_match);
  EXPECT_TRUE(match.condstore);
  Select no_known = args<Select>("a SELECT INBOX (QRESYNC (1 2 (1 10)))");
  EXPECT_FALSE(no_known.qresync->known_uids);
  EXPECT_TRUE(no_known.qresync->seq_match);
}

TEST(CommandParser, ReadsMailboxCommands) {
  EXPECT_EQ(args<Create>("a CREATE foo/bar").mailbox, "foo/bar");
  EXPECT_EQ(args<Create>("a CREATE Sent2 (USE (\\Sent \\Archive))").special_use,
            (std::vector<std::string>{"\\Sent", "\\Archive"}));
  Rename rename = args<Rename>("a RENAME INBOX \"Old &AOQ-\"");
  EXPECT_EQ(rename.from, "INBOX");
  EXPECT_EQ(rename.to, "Old &AOQ-");
  EXPECT_EQ(args<MailboxArgument>("a DELETE x").mailbox, "x");
  EXPECT_EQ(args<MailboxArgument>("a SUBSCRIBE x").mailbox, "x");
  EXPECT_EQ(args<MailboxArgument>("a UNSUBSCRIBE x").mailbox, "x");
  EXPECT_EQ(args<MailboxArgument>("a GETQUOTAROOT INBOX").mailbox, "INBOX");
  EXPECT_EQ(args<MailboxArgument>("a GETQUOTA \"\"").mailbox, "");
  StatusRequest status = args<StatusRequest>("a STATUS INBOX (messages UIDNEXT HIGHESTMODSEQ)");
  EXPECT_EQ(status.items, (std::vector<StatusItem>{StatusItem::messages, StatusItem::uidnext,
                                                   StatusItem::highestmodseq}));
  SetQuota quota = args<SetQuota>("a SETQUOTA \"\" (STORAGE 512 message 10)");
  ASSERT_EQ(quota.limits.size(), 2u);
  EXPECT_EQ(quota.limits[1], (std::pair<std::string, uint64_t>{"MESSAGE", 10}));
}

TEST(CommandParser, ReadsList) {
  List simple = args<List>("a LIST \"\" %");
  EXPECT_EQ(simple.reference, "");
  EXPECT_EQ(simple.patterns, std::vector<std::string>{"%"});
  EXPECT_EQ(args<List>("a LSUB \"#news.\" comp.mail.*").patterns,
            std::vector<std::string>{"comp.mail.*"});
  List extended = args<List>(
      "a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (INBOX \"Sent*\" %/x) RETURN (CHILDREN "
      "special-use STATUS (MESSAGES UNSEEN))");
  EXPECT_EQ(extended.selection, (std::vector<std::string>{"SUBSCRIBED", "RECURSIVEMATCH"}));
  EXPECT_EQ(extended.patterns, (std::vector<std::string>{"INBOX", "Sent*", "%/x"}));
  EXPECT_EQ(extended.returns, (std::vector<std::string>{"CHILDREN", "SPECIAL-USE", "STATUS"}));
  EXPECT_EQ(extended.status_items,
            (std::vector<StatusItem>{StatusItem::messages, StatusItem::unseen}));
  EXPECT_TRUE(args<List>("a LIST () \"\" * RETURN ()").returns.empty());
}

TEST(CommandParser, ReadsListExtendedOptionsAndStatusReturn) {
  List remote = args<List>("a LIST (remote) \"\" (\"INBOX\" \"Sent\")");
  EXPECT_EQ(remote.selection, std::vector<std::string>{"REMOTE"});
  EXPECT_EQ(remote.patterns, (std::vector<std::string>{"INBOX", "Sent"}));
  List status = args<List>(
      "a LIST (SPECIAL-USE RECURSIVEMATCH) \"\" * RETURN (SUBSCRIBED STATUS (MESSAGES UIDNEXT "
      "UNSEEN RECENT UIDVALIDITY HIGHESTMODSEQ APPENDLIMIT))");
  EXPECT_EQ(status.returns, (std::vector<std::string>{"SUBSCRIBED", "STATUS"}));
  EXPECT_EQ(status.status_items,
            (std::vector<StatusItem>{StatusItem::messages, StatusItem::uidnext, StatusItem::unseen,
                                     StatusItem::recent, StatusItem::uidvalidity,
                                     StatusItem::highestmodseq, StatusItem::appendlimit}));
  EXPECT_EQ(args<StatusRequest>("a STATUS Sent (appendlimit)").items,
            std::vector<StatusItem>{StatusItem::appendlimit});
  for (int i = 0; i <= static_cast<int>(StatusItem::deleted_storage); ++i) {
    const auto item = static_cast<StatusItem>(i);
    const std::string name(status_item_name(item));
    EXPECT_EQ(args<StatusRequest>("a STATUS x (" + name + ")").items, std::vector<StatusItem>{item})
        << name;
  }
}

TEST(CommandParser, UnknownListOptionsAndLoneRecursiveMatchAreBad) {
  for (std::string_view line :
       {"a LIST (BOGUS) \"\" *", "a LIST (RECURSIVEMATCH) \"\" *",
        "a LIST (REMOTE RECURSIVEMATCH) \"\" *", "a LIST \"\" * RETURN (BOGUS)",
        "a LIST \"\" * RETURN (CHILDREN", "a LIST \"\" * RETURN (STATUS (MESSAGES)",
        "a LIST \"\" * RETURN (STATUS ())",
        "a LIST \"\" * RETURN (STATUS (MESSAGES) STATUS (UNSEEN))"}) {
    ParseError e = parse_error(line);
    EXPECT_EQ(e.kind, ErrorKind::syntax) << line;
    EXPECT_EQ(e.tag, "a") << line;
  }
  EXPECT_EQ(parse_error("a LIST (FOO) \"\" *").text, "LIST: unknown LIST selection option \"FOO\"");
}

TEST(CommandParser, ReadsStore) {
  StoreFlags store = args<StoreFlags>("a STORE 1:3 +FLAGS.SILENT (\\Seen $Work)");
  EXPECT_EQ(store.mode, StoreFlags::Mode::add);
  EXPECT_TRUE(store.silent);
  EXPECT_EQ(store.flags, (std::vector<std::string>{"\\Seen", "$Work"}));
  StoreFlags remove =
      args<StoreFlags>("a UID STORE 5 (UNCHANGEDSINCE 320162338) -flags \\Deleted \\Draft");
  EXPECT_EQ(remove.mode, StoreFlags::Mode::remove);
  EXPECT_EQ(remove.unchanged_since, 320162338u);
  EXPECT_EQ(remove.flags, (std::vector<std::string>{"\\Deleted", "\\Draft"}));
  StoreFlags replace = args<StoreFlags>("a STORE * FLAGS ()");
  EXPECT_EQ(replace.mode, StoreFlags::Mode::replace);
  EXPECT_TRUE(replace.flags.empty());
}

TEST(CommandParser, ReadsCopyMoveExpungeEnableIdCompress) {
  Copy copy = args<Copy>("a UID COPY 1:* Archive");
  EXPECT_EQ(copy.mailbox, "Archive");
  EXPECT_EQ(args<Copy>("a MOVE 2 Trash").mailbox, "Trash");
  EXPECT_EQ(args<UidExpunge>("a UID EXPUNGE 3:5").set.ranges().size(), 1u);
  EXPECT_EQ(args<Enable>("a ENABLE condstore QRESYNC").capabilities,
            (std::vector<std::string>{"CONDSTORE", "QRESYNC"}));
  Id id = args<Id>("a ID (\"name\" \"mutt\" \"version\" NIL)");
  ASSERT_EQ(id.fields.size(), 2u);
  EXPECT_EQ(id.fields[0].second, "mutt");
  EXPECT_FALSE(id.fields[1].second.has_value());
  EXPECT_TRUE(args<Id>("a ID NIL").fields.empty());
  EXPECT_EQ(args<Compress>("a COMPRESS deflate").mechanism, "DEFLATE");
}

TEST(CommandParser, ReadsAppend) {
  Append append = args<Append>(
      "a APPEND Drafts (\\Draft) \" 1-Feb-2020 10:00:00 +0100\" {3+}\r\nabc {2+}\r\nde");
  EXPECT_EQ(append.mailbox, "Drafts");
  ASSERT_EQ(append.messages.size(), 2u);
  EXPECT_EQ(append.messages[0].date, 1580547600);  // 2020-02-01 09:00:00 UTC
  EXPECT_EQ(append.messages[0].content, "abc");
  EXPECT_TRUE(append.messages[1].flags.empty());
  EXPECT_EQ(append.messages[1].content, "de");
  // A leap second and a zone west of UTC: 2024-03-01 12:00:00 UTC.
  EXPECT_EQ(args<Append>("a APPEND x \"29-Feb-2024 23:59:60 -1200\" {1+}\r\nx").messages[0].date,
            1709294400);
}

struct BadCase {
  std::string line;
  ErrorKind kind;
  std::string tag;  // "" = untagged
};

TEST(CommandParser, BadInputCatalogue) {
  using E = ErrorKind;
  const BadCase cases[] = {
      {"", E::syntax, ""},
      {" NOOP", E::syntax, ""},
      {"NOOP", E::syntax, "NOOP"},
      {"+ NOOP", E::syntax, ""},
      {"* NOOP", E::syntax, ""},
      {"a{ NOOP", E::syntax, ""},
      {"\"a\" NOOP", E::syntax, ""},
      {"a", E::syntax, "a"},
      {"a ", E::syntax, "a"},
      {"a  NOOP", E::syntax, "a"},
      {"a FOO", E::unknown_command, "a"},
      {"a NOOOP", E::unknown_command, "a"},
      {"a NOOP x", E::syntax, "a"},
      {"a NOOP ", E::syntax, "a"},
      {"a CAPABILITY now", E::syntax, "a"},
      {"a LOGOUT\tx", E::syntax, "a"},
      {"a UID", E::syntax, "a"},
      {"a UID NOOP", E::unknown_command, "a"},
      {"a UID LOGIN a b", E::unknown_command, "a"},
      {"a UID FOO 1", E::unknown_command, "a"},
      {"a LOGIN", E::syntax, "a"},
      {"a LOGIN user", E::syntax, "a"},
      {"a LOGIN user ", E::syntax, "a"},
      {"a LOGIN (user) pw", E::syntax, "a"},
      {"a LOGIN \"user pw", E::syntax, "a"},
      {"a LOGIN \"us\\er\" pw", E::syntax, "a"},
      {"a LOGIN user pw extra", E::syntax, "a"},
      {"a LOGIN us%er pw", E::syntax, "a"},
      {"a LOGIN NIL* pw", E::syntax, "a"},
      {"a AUTHENTICATE", E::syntax, "a"},
      {"a AUTHENTICATE PLAIN !!", E::syntax, "a"},
      {"a AUTHENTICATE PLAIN abc def", E::syntax, "a"},
      {"a SELECT", E::syntax, "a"},
      {"a SELECT INBOX ()", E::syntax, "a"},
      {"a SELECT INBOX (FOO)", E::syntax, "a"},
      {"a SELECT INBOX (CONDSTORE CONDSTORE)", E::syntax, "a"},
      {"a SELECT INBOX (QRESYNC)", E::syntax, "a"},
      {"a SELECT INBOX (QRESYNC ())", E::syntax, "a"},
      {"a SELECT INBOX (QRESYNC (0 1))", E::syntax, "a"},
      {"a SELECT INBOX (QRESYNC (1 0))", E::syntax, "a"},
      {"a SELECT INBOX (QRESYNC (1 2 x))", E::syntax, "a"},
      {"a SELECT INBOX (QRESYNC (1 2 1:5 (1)))", E::syntax, "a"},
      {"a SELECT INBOX (CONDSTORE", E::syntax, "a"},
      {"a EXAMINE", E::syntax, "a"},
      {"a CREATE", E::syntax, "a"},
      {"a CREATE x (USE ())", E::syntax, "a"},
      {"a CREATE x (USE)", E::syntax, "a"},
      {"a CREATE x (FOO (\\Sent))", E::syntax, "a"},
      {"a CREATE x y", E::syntax, "a"},
      {"a DELETE", E::syntax, "a"},
      {"a DELETE a b", E::syntax, "a"},
      {"a RENAME a", E::syntax, "a"},
      {"a RENAME a b c", E::syntax, "a"},
      {"a SUBSCRIBE", E::syntax, "a"},
      {"a UNSUBSCRIBE (x)", E::syntax, "a"},
      {"a LIST", E::syntax, "a"},
      {"a LIST \"\"", E::syntax, "a"},
      {"a LIST \"\" ()", E::syntax, "a"},
      {"a LIST \"\" * FOO", E::syntax, "a"},
      {"a LIST \"\" * RETURN", E::syntax, "a"},
      {"a LIST \"\" * RETURN (STATUS)", E::syntax, "a"},
      {"a LIST \"\" * RETURN (STATUS (FOO))", E::syntax, "a"},
      {"a LIST (SUBSCRIBED \"\" *", E::syntax, "a"},
      {"a LIST (BOGUS) \"\" *", E::syntax, "a"},
      {"a LIST (RECURSIVEMATCH) \"\" *", E::syntax, "a"},
      {"a LIST \"\" * RETURN (BOGUS)", E::syntax, "a"},
      {"a LIST \"\" * RETURN (STATUS (MESSAGES)", E::syntax, "a"},
      {"a LIST \"\" (INBOX Sent", E::syntax, "a"},
      {"a LSUB \"\" (x)", E::syntax, "a"},
      {"a LSUB () \"\" x", E::syntax, "a"},
      {"a STATUS", E::syntax, "a"},
      {"a STATUS INBOX", E::syntax, "a"},
      {"a STATUS INBOX ()", E::syntax, "a"},
      {"a STATUS INBOX (MESSAGES FOO)", E::syntax, "a"},
      {"a STATUS INBOX MESSAGES", E::syntax, "a"},
      {"a APPEND", E::syntax, "a"},
      {"a APPEND INBOX", E::syntax, "a"},
      {"a APPEND INBOX abc", E::syntax, "a"},
      {"a APPEND INBOX (\\Seen)", E::syntax, "a"},
      {"a APPEND INBOX (\\Seen) \"date\"", E::syntax, "a"},
      {"a APPEND INBOX \"x\" \"y\"", E::syntax, "a"},
      {"a APPEND INBOX \"31-Feb-2020 10:00:00 +0000\" {1+}\r\nx", E::syntax, "a"},
      {"a APPEND INBOX \"01-Feb-2020 24:00:00 +0000\" {1+}\r\nx", E::syntax, "a"},
      {"a APPEND INBOX \"1-Feb-2020 10:00:00 +0000\" {1+}\r\nx", E::syntax, "a"},
      {"a APPEND INBOX \"01-Feb-2020 10:00:00 0000\" {1+}\r\nx", E::syntax, "a"},
      {"a STORE", E::syntax, "a"},
      {"a STORE 1", E::syntax, "a"},
      {"a STORE 1 FLAGS", E::syntax, "a"},
      {"a STORE 1 FOO (\\Seen)", E::syntax, "a"},
      {"a STORE 1 *FLAGS (\\Seen)", E::syntax, "a"},
      {"a STORE 1 +FLAGS (\\Seen", E::syntax, "a"},
      {"a STORE 0 FLAGS ()", E::syntax, "a"},
      {"a STORE 1 (UNCHANGEDSINCE) FLAGS ()", E::syntax, "a"},
      {"a STORE 1 (FOO 1) FLAGS ()", E::syntax, "a"},
      {"a STORE 1 FLAGS (\\)", E::syntax, "a"},
      {"a COPY", E::syntax, "a"},
      {"a COPY 1", E::syntax, "a"},
      {"a COPY 1:x INBOX", E::syntax, "a"},
      {"a MOVE , INBOX", E::syntax, "a"},
      {"a UID EXPUNGE", E::syntax, "a"},
      {"a UID EXPUNGE 0", E::syntax, "a"},
      {"a FETCH", E::syntax, "a"},
      {"a FETCH 1", E::syntax, "a"},
      {"a FETCH 1 BOGUS", E::syntax, "a"},
      {"a FETCH 1:4294967296 UID", E::syntax, "a"},
      {"a SEARCH", E::syntax, "a"},
      {"a SEARCH BOGUS", E::syntax, "a"},
      {"a SEARCH RETURN (BOGUS) ALL", E::syntax, "a"},
      {"a SEARCH RETURN (MIN", E::syntax, "a"},
      {"a SEARCH RETURN (MIN MAX) ", E::syntax, "a"},
      {"a UID SEARCH RETURN MIN ALL", E::syntax, "a"},
      {"a STATUS INBOX (APPENDLIMIT", E::syntax, "a"},
      {"a ENABLE", E::syntax, "a"},
      {"a ENABLE (x)", E::syntax, "a"},
      {"a ID", E::syntax, "a"},
      {"a ID (\"name\")", E::syntax, "a"},
      {"a ID (name \"x\")", E::syntax, "a"},
      {"a ID ()x", E::syntax, "a"},
      {"a COMPRESS", E::syntax, "a"},
      {"a SETQUOTA x", E::syntax, "a"},
      {"a SETQUOTA x (STORAGE)", E::syntax, "a"},
      {"a SETQUOTA x (STORAGE x)", E::syntax, "a"},
      {"a GETQUOTA", E::syntax, "a"},
      {"a LOGIN ~{1+}\r\nx y", E::syntax, "a"},
      {"a LOGIN {3}x", E::syntax, "a"},
      {"a LOGIN {x}", E::syntax, "a"},
      {"a SEARCH " + std::string(40, '('), E::too_complex, "a"},
      {"a SEARCH OR SEEN " + std::string(40, '(') + "SEEN" + std::string(40, ')'), E::too_complex,
       "a"},
  };
  ASSERT_GE(std::size(cases), 100u);
  for (const BadCase& c : cases) {
    std::vector<Event> events = feed_all(c.line + "\r\nnext NOOP\r\n");
    ASSERT_EQ(events.size(), 2u) << c.line;
    const ParseError* e = std::get_if<ParseError>(&events[0]);
    ASSERT_NE(e, nullptr) << c.line;
    EXPECT_EQ(e->kind, c.kind) << c.line << ": " << e->text;
    EXPECT_EQ(e->tag, c.tag) << c.line;
    EXPECT_FALSE(e->text.empty());
    const Command* next = std::get_if<Command>(&events[1]);
    ASSERT_NE(next, nullptr) << c.line;
    EXPECT_EQ(next->tag, "next");
  }
}

TEST(CommandParser, ErrorTextNamesTheCommand) {
  EXPECT_EQ(parse_error("a UID FETCH 1 FOO").text, "UID FETCH: unknown FETCH attribute \"FOO\"");
  EXPECT_EQ(parse_error("a STATUS x (BAR)").text, "STATUS: unknown STATUS item \"BAR\"");
}

}  // namespace
}  // namespace eider::imap
