// Mailboxes: create, find and list, path checks, rename (children, INBOX),
// delete (children stay, UIDVALIDITY grows), subscriptions and snapshots.
#include <algorithm>
#include <ctime>

#include "conformance.h"

namespace eider::store::testing {
namespace {

class Mailboxes : public StoreConformance {
 protected:
  std::vector<std::string> paths(int64_t user_id) {
    std::vector<std::string> out;
    std::vector<Mailbox> mailboxes = store().list_mailboxes(user_id).value();
    for (const Mailbox& m : mailboxes) out.push_back(m.path);
    std::sort(out.begin(), out.end());
    return out;
  }
};
EIDER_CONFORMANCE(Mailboxes);

TEST_P(Mailboxes, CreatedMailboxIsEmptyFoundListedAndJournaled) {
  User bob = account("bob").user;
  Result<Mailbox> work = store().create_mailbox(bob.id, "Work", "");
  ASSERT_TRUE(work.is_ok()) << work.status().to_string();
  EXPECT_EQ(work->user_id, bob.id);
  EXPECT_EQ(work->path, "Work");
  EXPECT_EQ(work->special_use, "");
  EXPECT_GT(work->uidvalidity, 0u);
  EXPECT_EQ(work->uidnext, 1u);
  EXPECT_EQ(work->message_count, 0u);
  EXPECT_EQ(work->recent_uid, 1u);
  EXPECT_EQ(work->journal_floor, 0u);
  Mailbox found = mailbox(bob.id, "Work");
  EXPECT_EQ(found.id, work->id);
  EXPECT_EQ(found.uidvalidity, work->uidvalidity);
  EXPECT_EQ(found.highest_modseq, work->highest_modseq);
  std::vector<JournalEntry> journal = store().journal_since(bob.id, work->id, 0).value();
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0].kind, JournalKind::mailbox_created);
  EXPECT_EQ(journal[0].modseq, work->highest_modseq);
  // The change feed reports a creation with its path (mail/change_feed.h).
  EXPECT_EQ(journal[0].data, "Work");
  std::vector<std::string> listed = paths(bob.id);
  EXPECT_NE(std::find(listed.begin(), listed.end(), "Work"), listed.end());
  EXPECT_EQ(store().find_mailbox(bob.id, "Play").status().code(), Code::not_found);
  // Another user's mailboxes are not theirs to find.
  User eve = account("eve").user;
  EXPECT_EQ(store().find_mailbox(eve.id, "Work").status().code(), Code::not_found);
  EXPECT_EQ(store().list_mailboxes(eve.id + 100).status().code(), Code::not_found);
}

TEST_P(Mailboxes, NamesAreValidatedAndInboxIsCaseInsensitive) {
  User bob = account("bob").user;
  struct Case {
    std::string path;
    Code code;
  };
  for (const Case& c : std::vector<Case>{{"", Code::invalid_argument},
                                         {"/a", Code::invalid_argument},
                                         {"a/", Code::invalid_argument},
                                         {"a//b", Code::invalid_argument},
                                         {"a\nb", Code::invalid_argument},
                                         {std::string("a\0b", 3), Code::invalid_argument},
                                         {"inbox", Code::already_exists},
                                         {"Sent", Code::already_exists},
                                         {"Projects", Code::ok},
                                         {"Projects/2024", Code::ok},
                                         {"Entwürfe", Code::ok},
                                         {"inbox/sub", Code::ok}}) {
    EXPECT_EQ(store().create_mailbox(bob.id, c.path, "").status().code(), c.code) << c.path;
  }
  EXPECT_EQ(mailbox(bob.id, "iNbOx").path, "INBOX");
  EXPECT_EQ(mailbox(bob.id, "INBOX/sub").path, "INBOX/sub");
  EXPECT_EQ(mailbox(bob.id, "Entwürfe").path, "Entwürfe");
  EXPECT_EQ(store().create_mailbox(bob.id, "X", "\\Bogus").status().code(), Code::invalid_argument);
  EXPECT_EQ(store().find_mailbox(bob.id, "X").status().code(), Code::not_found);
  EXPECT_EQ(store().create_mailbox(bob.id, "All", "\\All").value().special_use, "\\All");
  EXPECT_EQ(store().create_mailbox(bob.id + 100, "Y", "").status().code(), Code::not_found);
}

TEST_P(Mailboxes, InboxCannotBeDeletedOrRenamedOnto) {
  User bob = account("bob").user;
  EXPECT_EQ(remove(bob.id, "INBOX").code(), Code::invalid_argument);
  EXPECT_EQ(remove(bob.id, "inbox").code(), Code::invalid_argument);
  EXPECT_EQ(rename(bob.id, "Sent", "INBOX").code(), Code::invalid_argument);
  EXPECT_EQ(rename(bob.id, "Sent", "Inbox").code(), Code::invalid_argument);
  EXPECT_EQ(remove(bob.id, "Nope").code(), Code::not_found);
  EXPECT_TRUE(store().find_mailbox(bob.id, "Sent").is_ok());
}

TEST_P(Mailboxes, RenameMovesChildrenKeepingIdsAndRefusesTakenNames) {
  User bob = account("bob").user;
  for (const char* path : {"a", "a/b", "a/b/c", "ab"}) {
    ASSERT_TRUE(store().create_mailbox(bob.id, path, "").is_ok());
  }
  Mailbox before = mailbox(bob.id, "a/b");
  ASSERT_TRUE(rename(bob.id, "a", "z").is_ok());
  std::vector<std::string> got = paths(bob.id);
  for (const char* path : {"z", "z/b", "z/b/c", "ab"}) {
    EXPECT_NE(std::find(got.begin(), got.end(), path), got.end()) << path;
  }
  EXPECT_EQ(std::find(got.begin(), got.end(), "a"), got.end());
  EXPECT_EQ(std::find(got.begin(), got.end(), "a/b"), got.end());
  Mailbox after = mailbox(bob.id, "z/b");
  EXPECT_EQ(after.id, before.id);
  EXPECT_EQ(after.uidvalidity, before.uidvalidity);
  EXPECT_GT(after.highest_modseq, before.highest_modseq);
  std::vector<JournalEntry> journal =
      store().journal_since(bob.id, after.id, before.highest_modseq).value();
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0].kind, JournalKind::mailbox_renamed);
  EXPECT_EQ(journal[0].data, "z/b");
  EXPECT_EQ(journal[0].modseq, after.highest_modseq);

  // The target is a checked path like any other: "inbox/..." lands under INBOX.
  ASSERT_TRUE(rename(bob.id, "ab", "inbox/ab").is_ok());
  EXPECT_EQ(mailbox(bob.id, "INBOX/ab").path, "INBOX/ab");
  ASSERT_TRUE(store().create_mailbox(bob.id, "ab", "").is_ok());

  EXPECT_EQ(rename(bob.id, "z", "ab").code(), Code::already_exists);
  EXPECT_EQ(rename(bob.id, "z", "z/inside").code(), Code::invalid_argument);
  EXPECT_EQ(rename(bob.id, "z", "q//r").code(), Code::invalid_argument);
  EXPECT_EQ(rename(bob.id, "missing", "q").code(), Code::not_found);
  EXPECT_TRUE(store().find_mailbox(bob.id, "z/b/c").is_ok());
}

TEST_P(Mailboxes, RenamingInboxMovesItsMessagesAndLeavesItEmptyWithItsChildren) {
  Account bob = account("bob");
  ASSERT_TRUE(store().create_mailbox(bob.user.id, "INBOX/child", "").is_ok());
  for (int i = 0; i < 3; ++i) append(bob, make_message(100 + i));
  ASSERT_TRUE(rename(bob.user.id, "inbox", "Old").is_ok());
  Mailbox old = mailbox(bob.user.id, "Old");
  EXPECT_NE(old.id, bob.inbox.id);
  EXPECT_EQ(old.message_count, 3u);
  EXPECT_EQ(uids(bob.user.id, old.id), (std::vector<uint32_t>{1, 2, 3}));
  Mailbox inbox = mailbox(bob.user.id, "INBOX");
  EXPECT_EQ(inbox.id, bob.inbox.id);
  EXPECT_EQ(inbox.message_count, 0u);
  EXPECT_TRUE(uids(bob.user.id, inbox.id).empty());
  EXPECT_TRUE(store().find_mailbox(bob.user.id, "INBOX/child").is_ok());
  EXPECT_EQ(store().find_mailbox(bob.user.id, "Old/child").status().code(), Code::not_found);
  User after = store().find_user("bob").value();
  EXPECT_EQ(after.storage_used, 303u);
  EXPECT_EQ(after.message_count, 3u);
  // INBOX said goodbye to its messages in its journal.
  EXPECT_EQ(store().expunged_since(bob.user.id, inbox.id, bob.inbox.highest_modseq).value(),
            (std::vector<uint32_t>{1, 2, 3}));
}

TEST_P(Mailboxes, DeleteKeepsChildrenAndJournalsTheDelete) {
  User bob = account("bob").user;
  Mailbox a = store().create_mailbox(bob.id, "a", "").value();
  ASSERT_TRUE(store().create_mailbox(bob.id, "a/b", "").is_ok());
  ASSERT_TRUE(remove(bob.id, "a").is_ok());
  EXPECT_EQ(store().find_mailbox(bob.id, "a").status().code(), Code::not_found);
  EXPECT_TRUE(store().find_mailbox(bob.id, "a/b").is_ok());
  std::vector<JournalEntry> journal = store().journal_since(bob.id, a.id, a.highest_modseq).value();
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0].kind, JournalKind::mailbox_deleted);
  // The path it had: nothing else tells the change feed what went.
  EXPECT_EQ(journal[0].data, "a");
  EXPECT_EQ(remove(bob.id, "a").code(), Code::not_found);
}

TEST_P(Mailboxes, RecreatedMailboxGetsNewIdAndGreaterUidValidity) {
  User bob = account("bob").user;
  Mailbox first = store().create_mailbox(bob.id, "Work", "").value();
  ASSERT_TRUE(remove(bob.id, "Work").is_ok());
  Mailbox second = store().create_mailbox(bob.id, "Work", "").value();
  EXPECT_GT(second.uidvalidity, first.uidvalidity);
  EXPECT_NE(second.id, first.id);
  EXPECT_EQ(second.uidnext, 1u);
  std::vector<JournalEntry> old = store().journal_since(bob.id, first.id, 0).value();
  ASSERT_FALSE(old.empty());
  EXPECT_EQ(old.back().kind, JournalKind::mailbox_deleted);
}

TEST_P(Mailboxes, DeleteMailboxFreesMessagesBlobsAndQuota) {
  Account bob = account("bob");
  Mailbox work = store().create_mailbox(bob.user.id, "Work", "").value();
  mime::Blob shared = make_blob("report", 10000);
  mime::Blob own = make_blob("work-only", 2000);
  append(bob, make_message(13000, {shared, own}), work.id);
  append(bob, make_message(11000, {shared}));
  ASSERT_TRUE(remove(bob.user.id, "Work").is_ok());
  Stats stats = store().stats().value();
  EXPECT_EQ(stats.message_count, 1u);
  EXPECT_EQ(stats.blob_refs, 1u);
  EXPECT_EQ(stats.blob_count, 1u);
  User user = store().find_user("bob").value();
  EXPECT_EQ(user.storage_used, 11000u);
  EXPECT_EQ(user.message_count, 1u);
  EXPECT_EQ(store().read_blob(shared.key).value(), shared.content);
  EXPECT_EQ(store().read_blob(own.key).status().code(), Code::not_found);
  EXPECT_EQ(store().list_messages(bob.user.id, work.id).status().code(), Code::not_found);
}

TEST_P(Mailboxes, SubscriptionIsStoredAndUnknownNamesAreNotFound) {
  User bob = account("bob").user;
  ASSERT_TRUE(store().set_subscribed(bob.id, "Junk", false).is_ok());
  EXPECT_FALSE(mailbox(bob.id, "Junk").subscribed);
  ASSERT_TRUE(store().set_subscribed(bob.id, "Junk", true).is_ok());
  EXPECT_TRUE(mailbox(bob.id, "Junk").subscribed);
  EXPECT_EQ(store().set_subscribed(bob.id, "Nope", false).code(), Code::not_found);
}

TEST_P(Mailboxes, SubscriptionsOutliveTheirMailboxes) {
  User bob = account("bob").user;
  // A name can be subscribed before it is a mailbox (RFC 3501 6.3.6).
  ASSERT_TRUE(store().set_subscribed(bob.id, "Later/Box", true).is_ok());
  ASSERT_TRUE(store().create_mailbox(bob.id, "Gone", "").is_ok());
  ASSERT_TRUE(store().create_mailbox(bob.id, "Quiet", "").is_ok());
  ASSERT_TRUE(store().set_subscribed(bob.id, "Quiet", false).is_ok());
  ASSERT_TRUE(remove(bob.id, "Gone").is_ok());
  ASSERT_TRUE(remove(bob.id, "Quiet").is_ok());
  EXPECT_EQ(store().list_lost_subscriptions(bob.id).value(),
            (std::vector<std::string>{"Gone", "Later/Box"}));
  // A mailbox made with the name takes its subscription back.
  ASSERT_TRUE(store().create_mailbox(bob.id, "Gone", "").is_ok());
  EXPECT_TRUE(mailbox(bob.id, "Gone").subscribed);
  ASSERT_TRUE(rename(bob.id, "Junk", "Later/Box").is_ok());
  EXPECT_TRUE(store().list_lost_subscriptions(bob.id).value().empty());
  ASSERT_TRUE(store().set_subscribed(bob.id, "Other", true).is_ok());
  ASSERT_TRUE(store().set_subscribed(bob.id, "Other", false).is_ok());
  EXPECT_EQ(store().set_subscribed(bob.id, "Other", false).code(), Code::not_found);
  EXPECT_TRUE(store().list_lost_subscriptions(bob.id).value().empty());
  ASSERT_TRUE(store().set_subscribed(bob.id, "Other", true).is_ok());
  ASSERT_TRUE(store().delete_user("bob").is_ok());
  User again = account("bob").user;
  EXPECT_TRUE(store().list_lost_subscriptions(again.id).value().empty());
}

TEST_P(Mailboxes, ASnapshotIsKeptUnlessOlderAndGoesWithItsMailbox) {
  Account bob = account("bob");
  const int64_t user = bob.user.id;
  const uint64_t modseq = mailbox(user, "INBOX").highest_modseq;
  EXPECT_FALSE(store().load_snapshot(user, bob.inbox.id).value().has_value());
  ASSERT_TRUE(store().save_snapshot(user, bob.inbox.id, MailboxSnapshot{5, "five"}));
  ASSERT_TRUE(store().save_snapshot(user, bob.inbox.id, MailboxSnapshot{3, "three"}));
  std::optional<MailboxSnapshot> kept = store().load_snapshot(user, bob.inbox.id).value();
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->modseq, 5u);
  EXPECT_EQ(kept->data, "five");
  // One of the same modseq replaces it.
  ASSERT_TRUE(store().save_snapshot(user, bob.inbox.id, MailboxSnapshot{5, "five again"}));
  EXPECT_EQ(store().load_snapshot(user, bob.inbox.id).value()->data, "five again");
  ASSERT_TRUE(store().save_snapshot(user, bob.inbox.id, MailboxSnapshot{6, std::string("\0x", 2)}));
  EXPECT_EQ(store().load_snapshot(user, bob.inbox.id).value()->data, std::string("\0x", 2));
  // Not journaled.
  EXPECT_EQ(mailbox(user, "INBOX").highest_modseq, modseq);
  Result<Mailbox> other = store().create_mailbox(user, "Other", "");
  ASSERT_TRUE(other);
  ASSERT_TRUE(store().save_snapshot(user, other->id, MailboxSnapshot{1, "x"}));
  ASSERT_TRUE(rename(user, "Other", "Renamed"));
  EXPECT_TRUE(store().load_snapshot(user, other->id).value().has_value());
  ASSERT_TRUE(remove(user, "Renamed"));
  EXPECT_FALSE(store().load_snapshot(user, other->id).value().has_value());
  EXPECT_EQ(store().save_snapshot(user, other->id, MailboxSnapshot{1, "x"}).code(),
            Code::not_found);
  User eve = account("eve").user;
  EXPECT_EQ(store().save_snapshot(eve.id, bob.inbox.id, MailboxSnapshot{9, "x"}).code(),
            Code::not_found);
}

MailboxUpdate hide(bool hidden) {
  MailboxUpdate update;
  update.hidden = hidden;
  return update;
}

MailboxUpdate keep_for(uint64_t retention_ms) {
  MailboxUpdate update;
  update.retention_ms = retention_ms;
  return update;
}

TEST_P(Mailboxes, HiddenAndRetentionAreKeptWithoutJournalAndCreatedIsNow) {
  User bob = account("bob").user;
  const int64_t before = static_cast<int64_t>(std::time(nullptr));
  Result<Mailbox> work = store().create_mailbox(bob.id, "Work", "");
  ASSERT_TRUE(work);
  EXPECT_FALSE(work->hidden);
  EXPECT_EQ(work->retention_ms, 0u);
  EXPECT_GE(work->created, before);
  EXPECT_LE(work->created, static_cast<int64_t>(std::time(nullptr)));
  EXPECT_GT(mailbox(bob.id, "INBOX").created, 0);
  ASSERT_TRUE(store().update_mailbox(bob.id, work->id, hide(true)));
  Mailbox hidden = mailbox(bob.id, "Work");
  EXPECT_TRUE(hidden.hidden);
  EXPECT_EQ(hidden.retention_ms, 0u);
  EXPECT_EQ(hidden.highest_modseq, work->highest_modseq);
  EXPECT_EQ(hidden.created, work->created);
  ASSERT_TRUE(store().update_mailbox(bob.id, work->id, keep_for(86400000)));
  Mailbox kept = mailbox(bob.id, "Work");
  EXPECT_TRUE(kept.hidden);
  EXPECT_EQ(kept.retention_ms, 86400000u);
  ASSERT_TRUE(store().update_mailbox(bob.id, work->id, hide(false)));
  EXPECT_FALSE(mailbox(bob.id, "Work").hidden);
  EXPECT_EQ(mailbox(bob.id, "Work").retention_ms, 86400000u);
  // A rename keeps them.
  ASSERT_TRUE(rename(bob.id, "Work", "Job"));
  EXPECT_EQ(mailbox(bob.id, "Job").retention_ms, 86400000u);
  EXPECT_EQ(mailbox(bob.id, "Job").created, work->created);
  // Another user's mailbox is not found.
  User eve = account("eve").user;
  EXPECT_EQ(store().update_mailbox(eve.id, work->id, hide(true)).code(), Code::not_found);
  EXPECT_FALSE(mailbox(bob.id, "Job").hidden);
}

TEST_P(Mailboxes, CountersGiveTotalUnseenAndSizePerMailbox) {
  Account bob = account("bob");
  Result<Mailbox> work = store().create_mailbox(bob.user.id, "Work", "");
  ASSERT_TRUE(work);
  append(bob, make_message(100));
  append(bob, make_message(200, {}, {"\\Seen"}));
  append(bob, make_message(300, {}, {"$Seenish", "\\Flagged"}));
  append(bob, make_message(50, {}, {"\\Seen"}), work->id);
  std::vector<MailboxCounters> counters = store().mailbox_counters(bob.user.id).value();
  ASSERT_EQ(counters.size(), store().list_mailboxes(bob.user.id).value().size());
  for (size_t i = 1; i < counters.size(); ++i) {
    EXPECT_LT(counters[i - 1].mailbox_id, counters[i].mailbox_id);
  }
  auto of = [&](int64_t id) {
    for (const MailboxCounters& c : counters) {
      if (c.mailbox_id == id) return c;
    }
    ADD_FAILURE() << "no counters for mailbox " << id;
    return MailboxCounters{};
  };
  EXPECT_EQ(of(bob.inbox.id).total, 3u);
  EXPECT_EQ(of(bob.inbox.id).unseen, 2u);
  EXPECT_EQ(of(bob.inbox.id).size, 600u);
  EXPECT_EQ(of(work->id).total, 1u);
  EXPECT_EQ(of(work->id).unseen, 0u);
  EXPECT_EQ(of(work->id).size, 50u);
  EXPECT_EQ(of(mailbox(bob.user.id, "Trash").id).total, 0u);
  EXPECT_EQ(of(mailbox(bob.user.id, "Trash").id).size, 0u);
  // A flag change and an expunge show at once.
  std::vector<uint32_t> inbox_uids = uids(bob.user.id, bob.inbox.id);
  ASSERT_TRUE(
      store().store_flags(bob.user.id, bob.inbox.id, {inbox_uids[0]}, FlagMode::add, {"\\Seen"}));
  ASSERT_TRUE(store().expunge_messages(bob.user.id, bob.inbox.id, {inbox_uids[1]}));
  counters = store().mailbox_counters(bob.user.id).value();
  EXPECT_EQ(of(bob.inbox.id).total, 2u);
  EXPECT_EQ(of(bob.inbox.id).unseen, 1u);
  EXPECT_EQ(of(bob.inbox.id).size, 400u);
  EXPECT_EQ(store().mailbox_counters(bob.user.id + 100).status().code(), Code::not_found);
}

}  // namespace
}  // namespace eider::store::testing
