// LIST and LSUB: pattern matching, reference joining, attributes, \Noselect
// parents, ordering and the response lines.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "imap/mailbox_list.h"

namespace eider::imap {
namespace {

store::Mailbox mailbox(std::string path, std::string special_use = "", bool subscribed = true) {
  store::Mailbox m;
  m.path = std::move(path);
  m.special_use = std::move(special_use);
  m.subscribed = subscribed;
  return m;
}

std::vector<store::Mailbox> mailboxes(std::initializer_list<std::string> paths) {
  std::vector<store::Mailbox> out;
  for (const std::string& path : paths) out.push_back(mailbox(path));
  return out;
}

ListRequest request(std::vector<std::string> patterns, std::string reference = "") {
  ListRequest r;
  r.reference = std::move(reference);
  r.patterns = std::move(patterns);
  return r;
}

std::vector<std::string> names(const std::vector<ListEntry>& entries) {
  std::vector<std::string> out;
  for (const ListEntry& e : entries) out.push_back(e.name);
  return out;
}

std::string lines(const std::vector<ListEntry>& entries, bool lsub = false) {
  std::string out;
  for (const ListEntry& e : entries) append_list_line(out, e, lsub);
  return out;
}

// The obvious exponential matcher, as the reference for the greedy one.
bool reference_match(std::string_view pattern, std::string_view name) {
  if (pattern.empty()) return name.empty();
  char c = pattern.front();
  if (c == '*' || c == '%') {
    for (std::size_t n = 0; n <= name.size(); ++n) {
      if (reference_match(pattern.substr(1), name.substr(n))) return true;
      if (n < name.size() && c == '%' && name[n] == '/') break;
    }
    return false;
  }
  return !name.empty() && name.front() == c && reference_match(pattern.substr(1), name.substr(1));
}

TEST(MailboxListPattern, MatchesTable) {
  struct Case {
    std::string_view pattern;
    std::string_view name;
    bool match;
  };
  const Case cases[] = {
      {"*", "", true},
      {"*", "a/b/c", true},
      {"%", "a", true},
      {"%", "a/b", false},
      {"%", "", true},
      {"%/%", "a/b", true},
      {"%/%", "a/b/c", false},
      {"a/*", "a/b/c", true},
      {"a/*", "a", false},
      {"a*", "a", true},
      {"a%", "ab/c", false},
      {"a%c", "abbbc", true},
      {"a%c", "ab/bc", false},
      {"a*c", "ab/bc", true},
      {"Sent", "Sent", true},
      {"Sent", "sent", false},
      {"Sent", "Sent/x", false},
      {"", "", true},
      {"", "a", false},
      {"/", "", false},
      {"*/%", "a/b/c", true},
      {"%/*", "a", false},
      {"*%", "a/b", true},
      {"%*", "a/b", true},
      {"%a%b%", "xaybz", true},
      {"%a%b%", "xay/bz", false},
      {"*a/%b", "xa/ya/zb", true},
      {"%.%", "a.b", true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(matches_list_pattern(c.pattern, c.name), c.match) << c.pattern << " ~ " << c.name;
  }
}

TEST(MailboxListPattern, InboxIsCaseInsensitiveAsFirstLevel) {
  EXPECT_TRUE(matches_list_pattern("inbox", "INBOX"));
  EXPECT_TRUE(matches_list_pattern("InBoX", "INBOX"));
  EXPECT_TRUE(matches_list_pattern("inbox/%", "INBOX/x"));
  EXPECT_TRUE(matches_list_pattern("inbox*", "INBOX"));
  EXPECT_TRUE(matches_list_pattern("inbox*", "INBOX/x/y"));
  EXPECT_TRUE(matches_list_pattern("inbox%", "INBOX"));
  EXPECT_TRUE(matches_list_pattern("INBOX", "inbox"));
  // Only the first level, and only the whole of it.
  EXPECT_FALSE(matches_list_pattern("inbox/x", "INBOX/X"));
  EXPECT_FALSE(matches_list_pattern("inboxes", "INBOXES"));
  EXPECT_FALSE(matches_list_pattern("a/inbox", "a/INBOX"));
}

TEST(MailboxListPattern, AgreesWithExhaustiveMatcher) {
  std::mt19937 rng(7);
  const std::string pattern_chars = "ab/*%";
  const std::string name_chars = "ab/";
  for (int round = 0; round < 20000; ++round) {
    std::string pattern;
    std::string name;
    for (int i = static_cast<int>(rng() % 8); i > 0; --i) pattern += pattern_chars[rng() % 5];
    for (int i = static_cast<int>(rng() % 9); i > 0; --i) name += name_chars[rng() % 3];
    ASSERT_EQ(matches_list_pattern(pattern, name), reference_match(pattern, name))
        << pattern << " ~ " << name;
  }
}

TEST(MailboxListPattern, PathologicalPatternsStayFast) {
  std::string name(1024, 'a');
  std::string stars;
  for (int i = 0; i < 1000; ++i) stars += "*a";
  EXPECT_FALSE(matches_list_pattern(stars + "b", name));
  EXPECT_TRUE(matches_list_pattern(std::string(1000, '*'), name));

  std::string percents;
  for (int i = 0; i < 1000; ++i) percents += "%a";
  EXPECT_FALSE(matches_list_pattern(percents + "b", name));

  std::string mixed;
  for (int i = 0; i < 8000; ++i) mixed += "*%a";
  EXPECT_FALSE(matches_list_pattern(mixed, name + "/b"));

  std::string huge(64 * 1024, '*');
  huge += 'b';
  EXPECT_FALSE(matches_list_pattern(huge, name));
}

TEST(MailboxList, JoinsReferenceAndPattern) {
  std::vector<store::Mailbox> boxes = mailboxes({"INBOX", "a", "a/b", "a/b/c", "ab"});
  EXPECT_EQ(names(list_mailboxes(boxes, request({"%"}, "a/"))), (std::vector<std::string>{"a/b"}));
  EXPECT_EQ(names(list_mailboxes(boxes, request({"/%"}, "a/"))), (std::vector<std::string>{"a/b"}));
  EXPECT_EQ(names(list_mailboxes(boxes, request({"/b"}, "a"))), (std::vector<std::string>{"a/b"}));
  EXPECT_EQ(names(list_mailboxes(boxes, request({"*"}, "a"))),
            (std::vector<std::string>{"a", "a/b", "a/b/c", "ab"}));
  EXPECT_TRUE(list_mailboxes(boxes, request({"/a"})).empty());
  EXPECT_EQ(names(list_mailboxes(boxes, request({"%"}, "inbox"))),
            (std::vector<std::string>{"INBOX"}));
  EXPECT_TRUE(list_mailboxes(boxes, request({"in%"})).empty());
}

TEST(MailboxList, ComputesChildrenAttributes) {
  std::vector<store::Mailbox> boxes = mailboxes({"INBOX", "INBOX/x", "a", "a/b", "ab"});
  EXPECT_EQ(lines(list_mailboxes(boxes, request({"*"}))),
            "* LIST (\\HasChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"INBOX/x\"\r\n"
            "* LIST (\\HasChildren) \"/\" \"a\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"a/b\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"ab\"\r\n");

  ListRequest no_children = request({"a"});
  no_children.return_children = false;
  EXPECT_EQ(lines(list_mailboxes(boxes, no_children)), "* LIST () \"/\" \"a\"\r\n");
}

TEST(MailboxList, ListsMissingParentsAsNoselectUnderPercent) {
  std::vector<store::Mailbox> boxes = mailboxes({"INBOX", "foo/bar", "x/y/z"});
  std::vector<ListEntry> top = list_mailboxes(boxes, request({"%"}));
  EXPECT_EQ(lines(top),
            "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\NonExistent \\Noselect \\HasChildren) \"/\" \"foo\"\r\n"
            "* LIST (\\NonExistent \\Noselect \\HasChildren) \"/\" \"x\"\r\n");
  ASSERT_EQ(top.size(), 3u);
  EXPECT_TRUE(top[0].exists);
  EXPECT_FALSE(top[1].exists);

  EXPECT_EQ(names(list_mailboxes(boxes, request({"x/%"}))), (std::vector<std::string>{"x/y"}));
  EXPECT_EQ(names(list_mailboxes(boxes, request({"%/%"}))),
            (std::vector<std::string>{"foo/bar", "x/y"}));
  // "*" reaches the children themselves, so the missing levels stay out.
  EXPECT_EQ(names(list_mailboxes(boxes, request({"*"}))),
            (std::vector<std::string>{"INBOX", "foo/bar", "x/y/z"}));
  EXPECT_EQ(names(list_mailboxes(boxes, request({"f%"}))), (std::vector<std::string>{"foo"}));
}

TEST(MailboxList, SpecialUseAttributes) {
  std::vector<store::Mailbox> boxes = {mailbox("INBOX"), mailbox("Archive", "\\Archive"),
                                       mailbox("Sent", "\\Sent"), mailbox("Work")};
  EXPECT_EQ(lines(list_mailboxes(boxes, request({"S*"}))),
            "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n");

  ListRequest plain = request({"Sent"});
  plain.return_special_use = false;
  EXPECT_EQ(lines(list_mailboxes(boxes, plain)), "* LIST (\\HasNoChildren) \"/\" \"Sent\"\r\n");

  ListRequest only = request({"*"});
  only.special_use_only = true;
  only.return_special_use = false;
  EXPECT_EQ(lines(list_mailboxes(boxes, only)),
            "* LIST (\\HasNoChildren \\Archive) \"/\" \"Archive\"\r\n"
            "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n");
}

TEST(MailboxList, SubscribedSelectionAndReturn) {
  std::vector<store::Mailbox> boxes = {mailbox("INBOX"), mailbox("a", "", false), mailbox("a/b"),
                                       mailbox("c", "", false)};
  ListRequest selection = request({"*"});
  selection.subscribed_only = true;
  EXPECT_EQ(lines(list_mailboxes(boxes, selection)),
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"a/b\"\r\n");

  // Without RECURSIVEMATCH, an unsubscribed parent is not listed.
  selection.patterns = {"%"};
  EXPECT_EQ(names(list_mailboxes(boxes, selection)), (std::vector<std::string>{"INBOX"}));

  ListRequest returned = request({"%"});
  returned.return_subscribed = true;
  EXPECT_EQ(lines(list_mailboxes(boxes, returned)),
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\HasChildren) \"/\" \"a\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"c\"\r\n");
}

TEST(MailboxList, LsubListsSubscribedWithNoselectParents) {
  std::vector<store::Mailbox> boxes = {mailbox("INBOX"), mailbox("Sent", "\\Sent"),
                                       mailbox("foo", "", false), mailbox("foo/bar"),
                                       mailbox("gone", "", false)};
  ListRequest lsub = request({"%"});
  lsub.lsub = true;
  std::vector<ListEntry> entries = list_mailboxes(boxes, lsub);
  EXPECT_EQ(lines(entries, true),
            "* LSUB () \"/\" \"INBOX\"\r\n"
            "* LSUB () \"/\" \"Sent\"\r\n"
            "* LSUB (\\Noselect) \"/\" \"foo\"\r\n");
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_TRUE(entries[2].exists);

  lsub.patterns = {"*"};
  EXPECT_EQ(names(list_mailboxes(boxes, lsub)),
            (std::vector<std::string>{"INBOX", "Sent", "foo/bar"}));
}

TEST(MailboxList, EncodesNamesAsModifiedUtf7AndQuotes) {
  std::vector<store::Mailbox> boxes = mailboxes({"Entw\xc3\xbcrfe", "a\"b\\c", "x&y"});
  EXPECT_EQ(lines(list_mailboxes(boxes, request({"*"}))),
            "* LIST (\\HasNoChildren) \"/\" \"Entw&APw-rfe\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"a\\\"b\\\\c\"\r\n"
            "* LIST (\\HasNoChildren) \"/\" \"x&-y\"\r\n");
  // Patterns are UTF-8 too.
  EXPECT_EQ(names(list_mailboxes(boxes, request({"Entw\xc3\xbc%"}))),
            (std::vector<std::string>{"Entw\xc3\xbcrfe"}));
}

TEST(MailboxList, DelimiterLine) {
  std::string out;
  append_list_line(out, ListEntry{"", {"\\Noselect"}, false, {}}, false);
  EXPECT_EQ(out, "* LIST (\\Noselect) \"/\" \"\"\r\n");
}

TEST(MailboxList, InboxFirstThenByteOrder) {
  std::vector<store::Mailbox> boxes = mailboxes({"b", "a/c", "INBOX/z", "Archive", "a", "INBOX"});
  EXPECT_EQ(names(list_mailboxes(boxes, request({"*"}))),
            (std::vector<std::string>{"INBOX", "Archive", "INBOX/z", "a", "a/c", "b"}));
}

TEST(MailboxList, EachMailboxOnceAcrossPatterns) {
  std::vector<store::Mailbox> boxes = mailboxes({"INBOX", "a", "a/b", "c/d"});
  EXPECT_EQ(names(list_mailboxes(boxes, request({"*", "%", "a", "inbox", "INBOX", "c"}))),
            (std::vector<std::string>{"INBOX", "a", "a/b", "c", "c/d"}));
  EXPECT_TRUE(list_mailboxes(boxes, request({})).empty());
}

TEST(MailboxList, RecursiveMatchListsParentsWithChildInfo) {
  // "Fruit" is unsubscribed with a subscribed child; "Gone" does not exist
  // but its child is subscribed; "Veg" is subscribed with a subscribed child;
  // neither "Tea" nor "Tea/Green" is subscribed, so neither is listed.
  std::vector<store::Mailbox> boxes = {mailbox("INBOX"),
                                       mailbox("Fruit", "", false),
                                       mailbox("Fruit/Apple"),
                                       mailbox("Gone/Child"),
                                       mailbox("Veg"),
                                       mailbox("Veg/Leek"),
                                       mailbox("Tea", "", false),
                                       mailbox("Tea/Green", "", false)};
  ListRequest recursive = request({"%"});
  recursive.subscribed_only = true;
  recursive.recursive_match = true;
  EXPECT_EQ(
      lines(list_mailboxes(boxes, recursive)),
      "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"INBOX\"\r\n"
      "* LIST (\\HasChildren) \"/\" \"Fruit\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
      "* LIST (\\NonExistent \\Noselect \\HasChildren) \"/\" \"Gone\" "
      "(\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
      "* LIST (\\Subscribed \\HasChildren) \"/\" \"Veg\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
  std::vector<ListEntry> entries = list_mailboxes(boxes, recursive);
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_TRUE(entries[1].exists);
  EXPECT_FALSE(entries[2].exists);

  // "*" reaches the subscribed children themselves: no parent stands in.
  recursive.patterns = {"*"};
  EXPECT_EQ(lines(list_mailboxes(boxes, recursive)),
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"Fruit/Apple\"\r\n"
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"Gone/Child\"\r\n"
            "* LIST (\\Subscribed \\HasChildren) \"/\" \"Veg\"\r\n"
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"Veg/Leek\"\r\n");
}

TEST(MailboxList, RecursiveMatchWithSpecialUse) {
  std::vector<store::Mailbox> boxes = {mailbox("INBOX"), mailbox("Old"),
                                       mailbox("Old/Sent", "\\Sent")};
  ListRequest recursive = request({"%"});
  recursive.special_use_only = true;
  recursive.recursive_match = true;
  EXPECT_EQ(lines(list_mailboxes(boxes, recursive)),
            "* LIST (\\HasChildren) \"/\" \"Old\" (\"CHILDINFO\" (\"SPECIAL-USE\"))\r\n");
}

TEST(MailboxList, ChildInfoOnlyForADescendantNoPatternLists) {
  // RFC 5258 4: with "Fruit/*" listing the subscribed child itself, "Fruit"
  // has nothing to tell of and is not listed.
  std::vector<store::Mailbox> boxes = {mailbox("Fruit", "", false), mailbox("Fruit/Apple")};
  ListRequest recursive = request({"Fruit", "Fruit/*"});
  recursive.subscribed_only = true;
  recursive.recursive_match = true;
  EXPECT_EQ(lines(list_mailboxes(boxes, recursive)),
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"Fruit/Apple\"\r\n");
  recursive.patterns = {"Fruit", "Fruit/%/x"};
  EXPECT_EQ(lines(list_mailboxes(boxes, recursive)),
            "* LIST (\\HasChildren) \"/\" \"Fruit\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
}

TEST(MailboxList, SubscriptionsWithoutAMailboxAreListedOnlyAsSubscriptions) {
  std::vector<store::Mailbox> boxes = {mailbox("INBOX"), mailbox("Fruit", "", false),
                                       mailbox("Fruit/Apple", "", false)};
  const std::vector<std::string> lost = {"Fruit/Peach", "Nuts/Pecan"};
  ListRequest subscribed = request({"*"});
  subscribed.subscribed_only = true;
  EXPECT_EQ(lines(list_mailboxes(boxes, subscribed, lost)),
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\Subscribed \\NonExistent \\Noselect \\HasNoChildren) \"/\" "
            "\"Fruit/Peach\"\r\n"
            "* LIST (\\Subscribed \\NonExistent \\Noselect \\HasNoChildren) \"/\" "
            "\"Nuts/Pecan\"\r\n");
  EXPECT_FALSE(list_mailboxes(boxes, subscribed, lost)[1].exists);
  subscribed.patterns = {"%"};
  subscribed.recursive_match = true;
  EXPECT_EQ(lines(list_mailboxes(boxes, subscribed, lost)),
            "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"INBOX\"\r\n"
            "* LIST (\\HasChildren) \"/\" \"Fruit\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n"
            "* LIST (\\NonExistent \\Noselect \\HasChildren) \"/\" \"Nuts\" "
            "(\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
  // Plain LIST lists what exists.
  EXPECT_EQ(names(list_mailboxes(boxes, request({"*"}), lost)),
            (std::vector<std::string>{"INBOX", "Fruit", "Fruit/Apple"}));
  // LSUB: a subscription that cannot be selected is \Noselect.
  ListRequest lsub = request({"Fruit/%"});
  lsub.lsub = true;
  EXPECT_EQ(lines(list_mailboxes(boxes, lsub, lost), true),
            "* LSUB (\\Noselect) \"/\" \"Fruit/Peach\"\r\n");
}

TEST(MailboxList, MultiplePatternsListEachMailboxOnce) {
  std::vector<store::Mailbox> boxes = mailboxes({"INBOX", "Sent", "Trash", "a/b"});
  EXPECT_EQ(names(list_mailboxes(boxes, request({"INBOX", "Sent", "S*", "%"}))),
            (std::vector<std::string>{"INBOX", "Sent", "Trash", "a"}));
}

}  // namespace
}  // namespace eider::imap
