// The backend-neutral rules every store applies: flag normal form and
// application, and the store's normal forms for names.
#include <gtest/gtest.h>

#include "store/flags.h"
#include "store/names.h"

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

}  // namespace
}  // namespace eider::store
