// The backend-neutral rules every store applies: flag normal form and
// application, the store's normal forms for names, and rename planning.
#include <gtest/gtest.h>

#include "store/flags.h"
#include "store/names.h"
#include "store/rename.h"

namespace eider::store {
namespace {

using Flags = std::vector<std::string>;

TEST(StoreFlagRules, NormalizeCanonicalisesSystemFlagsAndDropsDuplicates) {
  struct Case {
    Flags in;
    Flags out;
  };
  for (const Case& c : std::vector<Case>{
           {{}, {}},
           {{"\\seen", "\\ANSWERED"}, {"\\Seen", "\\Answered"}},
           {{"\\Flagged", "\\flagged"}, {"\\Flagged"}},
           {{"$Forwarded", "$forwarded", "Work"}, {"$Forwarded", "Work"}},
           {{"\\Draft", "\\Deleted", "\\Recent"}, {"\\Draft", "\\Deleted", "\\Recent"}},
           {{"\\Custom"}, {"\\Custom"}},
       }) {
    Result<Flags> got = normalize_flags(c.in);
    ASSERT_TRUE(got.is_ok());
    EXPECT_EQ(*got, c.out);
  }
}

TEST(StoreFlagRules, NormalizeRejectsFlagsThatCannotBeStored) {
  for (const char* bad : {"", "two words", "tab\there", "(paren", "paren)", "nl\n"}) {
    EXPECT_EQ(normalize_flags({bad}).status().code(), Code::invalid_argument) << bad;
  }
}

TEST(StoreFlagRules, ApplyAddRemoveReplace) {
  struct Case {
    Flags current;
    FlagMode mode;
    Flags change;
    Flags out;
  };
  for (const Case& c : std::vector<Case>{
           {{}, FlagMode::add, {"\\Seen"}, {"\\Seen"}},
           {{"\\Seen"}, FlagMode::add, {"\\Seen", "a"}, {"\\Seen", "a"}},
           {{"Work"}, FlagMode::add, {"work"}, {"Work"}},
           {{"\\Seen", "Work"}, FlagMode::remove, {"WORK"}, {"\\Seen"}},
           {{"\\Seen"}, FlagMode::remove, {"\\Flagged"}, {"\\Seen"}},
           {{"\\Seen", "a"}, FlagMode::replace, {"b"}, {"b"}},
           {{"\\Seen"}, FlagMode::replace, {}, {}},
       }) {
    EXPECT_EQ(apply_flags(c.current, c.mode, c.change), c.out);
  }
}

TEST(StoreFlagRules, SameFlagsIgnoresOrderAndCase) {
  EXPECT_TRUE(same_flags({"a", "\\Seen"}, {"\\Seen", "A"}));
  EXPECT_FALSE(same_flags({"a"}, {"a", "b"}));
  EXPECT_FALSE(same_flags({"a", "b"}, {"a", "c"}));
}

TEST(StoreFlagRules, JoinAndSplitRoundTrip) {
  for (const Flags& flags : std::vector<Flags>{{}, {"\\Seen"}, {"\\Seen", "$Label", "x"}}) {
    EXPECT_EQ(split_flags(join_flags(flags)), flags);
  }
  EXPECT_EQ(join_flags({"\\Seen", "a"}), "\\Seen a");
}

TEST(StoreNameRules, MailboxPaths) {
  struct Case {
    std::string in;
    std::string out;  // "" = invalid
  };
  for (const Case& c : std::vector<Case>{
           {"INBOX", "INBOX"},
           {"inbox", "INBOX"},
           {"InBoX/Sub", "INBOX/Sub"},
           {"Inboxes", "Inboxes"},
           {"Work/2024", "Work/2024"},
           {"Entwürfe", "Entwürfe"},
           {"", ""},
           {"/a", ""},
           {"a/", ""},
           {"a//b", ""},
           {std::string("a\0b", 3), ""},
       }) {
    Result<std::string> got = normalize_path(c.in);
    if (c.out.empty()) {
      EXPECT_EQ(got.status().code(), Code::invalid_argument) << c.in;
    } else {
      EXPECT_EQ(got.value(), c.out);
    }
  }
}

TEST(StoreNameRules, UserNames) {
  EXPECT_EQ(normalize_user_name("Alice").value(), "alice");
  EXPECT_EQ(normalize_user_name("").status().code(), Code::invalid_argument);
  EXPECT_EQ(normalize_user_name("a b").status().code(), Code::invalid_argument);
}

TEST(StoreNameRules, SpecialUse) {
  for (const char* ok : {"", "\\Sent", "\\Trash", "\\All", "\\Flagged"}) {
    EXPECT_TRUE(check_special_use(ok).is_ok()) << ok;
  }
  for (const char* bad : {"\\sent", "Sent", "\\Inbox"}) {
    EXPECT_EQ(check_special_use(bad).code(), Code::invalid_argument) << bad;
  }
}

std::vector<Mailbox> mailboxes_named(const std::vector<std::string>& paths) {
  std::vector<Mailbox> out;
  int64_t id = 0;
  for (const std::string& path : paths) {
    Mailbox m;
    m.id = ++id;
    m.path = path;
    out.push_back(m);
  }
  return out;
}

// "id:new path" for each move, in plan order.
std::vector<std::string> moves_of(const RenamePlan& plan) {
  std::vector<std::string> out;
  for (const RenameMove& move : plan.moves) {
    out.push_back(std::to_string(move.mailbox_id) + ":" + move.new_path);
  }
  return out;
}

TEST(StoreRenameRules, CheckNormalizesBothPaths) {
  RenamePaths paths = check_rename("inbox/x", "Inbox/y").value();
  EXPECT_EQ(paths.from, "INBOX/x");
  EXPECT_EQ(paths.to, "INBOX/y");
}

TEST(StoreRenameRules, CheckRefusesWhatNoStoreCouldDo) {
  for (auto [from, to] : std::vector<std::pair<const char*, const char*>>{{"Sent", "INBOX"},
                                                                          {"Sent", "inbox"},
                                                                          {"a", "a"},
                                                                          {"a", "a/b"},
                                                                          {"a", "a/b/c"},
                                                                          {"a//b", "c"},
                                                                          {"a", "c/"},
                                                                          {"", "c"}}) {
    EXPECT_EQ(check_rename(from, to).status().code(), Code::invalid_argument) << from << " " << to;
  }
  // A sibling whose name starts alike is not below.
  EXPECT_TRUE(check_rename("a", "ab").is_ok());
  EXPECT_TRUE(check_rename("a/b", "a").is_ok());
}

TEST(StoreRenameRules, PlanMovesTheSourceAndItsChildrenParentsFirst) {
  std::vector<Mailbox> boxes = mailboxes_named({"INBOX", "a/b/c", "ab", "a", "a/b", "b"});
  RenamePlan plan = plan_rename(check_rename("a", "z").value(), boxes).value();
  EXPECT_FALSE(plan.inbox);
  EXPECT_EQ(moves_of(plan), (std::vector<std::string>{"4:z", "5:z/b", "2:z/b/c"}));
}

TEST(StoreRenameRules, PlanUpToAParentReusesNamesTheSourceLeaves) {
  std::vector<Mailbox> boxes = mailboxes_named({"x", "x/a/a", "x/a", "x/a/a/a"});
  RenamePlan plan = plan_rename(check_rename("x/a", "y").value(), boxes).value();
  EXPECT_EQ(moves_of(plan), (std::vector<std::string>{"3:y", "2:y/a", "4:y/a/a"}));
  // Onto the parent's own name, which stays: taken.
  EXPECT_EQ(plan_rename(check_rename("x/a", "x").value(), boxes).status().code(),
            Code::already_exists);
  // Without a mailbox "x", "x/a" may become "x": "x/a/a" takes "x/a", which
  // "x/a" left one move earlier.
  boxes = mailboxes_named({"x/a", "x/a/a", "x/a/a/a"});
  plan = plan_rename(check_rename("x/a", "x").value(), boxes).value();
  EXPECT_EQ(moves_of(plan), (std::vector<std::string>{"1:x", "2:x/a", "3:x/a/a"}));
}

TEST(StoreRenameRules, PlanRefusesANameTakenByAMailboxThatStays) {
  std::vector<Mailbox> boxes = mailboxes_named({"a", "a/b", "z", "q", "q/b"});
  EXPECT_EQ(plan_rename(check_rename("a", "z").value(), boxes).status().code(),
            Code::already_exists);
  // A child's new name counts as much as the source's.
  EXPECT_EQ(plan_rename(check_rename("a", "q").value(), boxes).status().code(),
            Code::already_exists);
  // A taken name below the target that no move takes is no clash.
  boxes = mailboxes_named({"a", "z/other"});
  EXPECT_EQ(moves_of(plan_rename(check_rename("a", "z").value(), boxes).value()),
            (std::vector<std::string>{"1:z"}));
}

TEST(StoreRenameRules, PlanOfAMissingSourceIsNotFound) {
  std::vector<Mailbox> boxes = mailboxes_named({"INBOX", "a/b"});
  EXPECT_EQ(plan_rename(check_rename("a", "z").value(), boxes).status().code(), Code::not_found);
  EXPECT_EQ(plan_rename(check_rename("INBOX", "z").value(), {}).status().code(), Code::not_found);
}

TEST(StoreRenameRules, RenamingInboxMovesNoMailboxAndNeedsAFreeName) {
  std::vector<Mailbox> boxes = mailboxes_named({"INBOX", "INBOX/child", "Sent"});
  RenamePlan plan = plan_rename(check_rename("inbox", "Old").value(), boxes).value();
  EXPECT_TRUE(plan.inbox);
  EXPECT_TRUE(plan.moves.empty());
  EXPECT_EQ(plan_rename(check_rename("INBOX", "Sent").value(), boxes).status().code(),
            Code::already_exists);
}

}  // namespace
}  // namespace eider::store
