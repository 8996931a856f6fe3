// The selected-mailbox view: journal rows in, untagged responses out, with
// sequence numbers that never drift and expunges held back when asked.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "imap/mailbox_view.h"

namespace eider::imap {
namespace {

using store::JournalEntry;
using store::JournalKind;
using Announce = MailboxView::Announce;

std::vector<uint32_t> one_to(uint32_t n) {
  std::vector<uint32_t> uids(n);
  std::iota(uids.begin(), uids.end(), 1u);
  return uids;
}

// A view of UIDs 1..n at MODSEQ 100.
MailboxView view_of(uint32_t n) {
  return MailboxView(7, 1234, false, UidList(one_to(n)), 100);
}

JournalEntry added(uint64_t modseq, uint32_t uid) {
  return {modseq, JournalKind::added, uid, ""};
}
JournalEntry expunged(uint64_t modseq, uint32_t uid) {
  return {modseq, JournalKind::expunged, uid, ""};
}
JournalEntry flags(uint64_t modseq, uint32_t uid, std::string list) {
  return {modseq, JournalKind::flags, uid, std::move(list)};
}

TEST(MailboxView, StartsFromTheSelectSnapshot) {
  MailboxView view = view_of(10);
  EXPECT_EQ(view.mailbox_id(), 7);
  EXPECT_EQ(view.uidvalidity(), 1234u);
  EXPECT_FALSE(view.read_only());
  EXPECT_EQ(view.exists(), 10u);
  EXPECT_EQ(view.modseq(), 100u);
  EXPECT_EQ(view.uids().runs().size(), 1u);
  EXPECT_FALSE(view.deleted());
}

TEST(MailboxView, ExpungesUseTheNumberingAfterEarlierOnes) {
  MailboxView view = view_of(10);
  ViewUpdate update = view.apply({expunged(101, 3), expunged(102, 5)}, Announce::all);
  EXPECT_EQ(update.untagged, "* 3 EXPUNGE\r\n* 4 EXPUNGE\r\n");
  EXPECT_TRUE(update.changed);
  EXPECT_FALSE(update.more);
  EXPECT_EQ(view.exists(), 8u);
  EXPECT_EQ(view.modseq(), 102u);
}

TEST(MailboxView, ExpungeOfAnUnknownUidSaysNothing) {
  MailboxView view = view_of(3);
  ViewUpdate update = view.apply({expunged(101, 9)}, Announce::all);
  EXPECT_EQ(update.untagged, "");
  EXPECT_TRUE(update.changed);
  EXPECT_EQ(view.modseq(), 101u);
}

TEST(MailboxView, NoExpungeStopsBeforeTheFirstKnownExpungeAndSetsMore) {
  MailboxView view = view_of(10);
  std::vector<JournalEntry> rows = {flags(101, 2, "\\Seen"), expunged(102, 3),
                                    flags(103, 4, "\\Flagged")};
  ViewUpdate first = view.apply(rows, Announce::no_expunge);
  EXPECT_EQ(first.untagged, "* 2 FETCH (FLAGS (\\Seen) UID 2)\r\n");
  EXPECT_TRUE(first.more);
  EXPECT_TRUE(first.changed);
  EXPECT_EQ(view.modseq(), 101u);
  EXPECT_EQ(view.exists(), 10u);

  // Nothing can be consumed while the expunge waits.
  ViewUpdate again = view.apply(rows, Announce::no_expunge);
  EXPECT_EQ(again.untagged, "");
  EXPECT_TRUE(again.more);
  EXPECT_FALSE(again.changed);

  ViewUpdate rest = view.apply(rows, Announce::all);
  EXPECT_EQ(rest.untagged, "* 3 EXPUNGE\r\n* 3 FETCH (FLAGS (\\Flagged) UID 4)\r\n");
  EXPECT_FALSE(rest.more);
  EXPECT_EQ(view.modseq(), 103u);
}

TEST(MailboxView, NoExpungeConsumesExpungesOfUnknownUids) {
  MailboxView view = view_of(3);
  ViewUpdate update =
      view.apply({expunged(101, 50), added(102, 4), expunged(103, 4)}, Announce::no_expunge);
  EXPECT_FALSE(update.more);
  EXPECT_EQ(update.untagged, "");
  EXPECT_EQ(update.added, 0u);
  EXPECT_EQ(view.modseq(), 103u);
  EXPECT_EQ(view.exists(), 3u);
}

TEST(MailboxView, SeveralFlagChangesOfOneUidGiveOneLineAtItsLastPosition) {
  MailboxView view = view_of(10);
  view.set_keywords(KnownKeywords({"$Forwarded"}, false));
  ViewUpdate update = view.apply(
      {flags(101, 4, "\\Seen"), flags(102, 6, "\\Draft"), flags(103, 4, "\\Seen $Forwarded")},
      Announce::all);
  EXPECT_EQ(update.untagged,
            "* 6 FETCH (FLAGS (\\Draft) UID 6)\r\n"
            "* 4 FETCH (FLAGS (\\Seen $Forwarded) UID 4)\r\n");
}

TEST(MailboxView, FlagLinesAreNumberedAfterTheExpungesBeforeThem) {
  MailboxView view = view_of(10);
  ViewUpdate update =
      view.apply({flags(101, 8, "\\Seen"), expunged(102, 2), flags(103, 9, ""), flags(104, 8, "")},
                 Announce::all);
  EXPECT_EQ(update.untagged,
            "* 2 EXPUNGE\r\n"
            "* 8 FETCH (FLAGS () UID 9)\r\n"
            "* 7 FETCH (FLAGS () UID 8)\r\n");
}

TEST(MailboxView, ExpungeDropsThePendingFlagLineOfItsUid) {
  MailboxView view = view_of(10);
  ViewUpdate update = view.apply(
      {flags(101, 5, "\\Seen"), flags(102, 6, "\\Seen"), expunged(103, 5)}, Announce::all);
  EXPECT_EQ(update.untagged, "* 6 FETCH (FLAGS (\\Seen) UID 6)\r\n* 5 EXPUNGE\r\n");
}

TEST(MailboxView, FlagLinesCarryModseqWhenCondstoreIsOn) {
  MailboxView view = view_of(3);
  ViewUpdate update = view.apply({flags(101, 2, "\\Seen"), flags(105, 2, "\\Seen \\Answered")},
                                 Announce::all, Wording{.modseq = true});
  EXPECT_EQ(update.untagged, "* 2 FETCH (FLAGS (\\Seen \\Answered) UID 2 MODSEQ (105))\r\n");
}

TEST(MailboxView, QresyncSaysVanishedForEachRunOfExpunges) {
  MailboxView view = view_of(10);
  const Wording qresync{.modseq = true, .vanished = true};
  ViewUpdate update = view.apply({expunged(101, 3), expunged(102, 5), expunged(103, 4),
                                  flags(104, 8, "\\Seen"), expunged(105, 9), added(106, 11)},
                                 Announce::all, qresync);
  EXPECT_EQ(update.untagged,
            "* VANISHED 3:5\r\n* 5 FETCH (FLAGS (\\Seen) UID 8 MODSEQ (104))\r\n"
            "* VANISHED 9\r\n* 7 EXISTS\r\n* 0 RECENT\r\n");
  EXPECT_EQ(update.expunged, 4u);
  EXPECT_EQ(view.uids().uids(), (std::vector<uint32_t>{1, 2, 6, 7, 8, 10, 11}));
}

TEST(MailboxView, VanishedWaitsLikeExpungeDuringFetchStoreAndSearch) {
  MailboxView view = view_of(3);
  ViewUpdate update = view.apply({flags(101, 1, "\\Seen"), expunged(102, 2)}, Announce::no_expunge,
                                 Wording{.vanished = true});
  EXPECT_EQ(update.untagged, "* 1 FETCH (FLAGS (\\Seen) UID 1)\r\n");
  EXPECT_TRUE(update.more);
  EXPECT_EQ(update.expunged, 0u);
}

TEST(MailboxView, ResyncFromAListingTellsWhatTheTrimmedJournalWouldHave) {
  MailboxView view = view_of(5);
  store::FlagListing listing;
  listing.mailbox.highest_modseq = 180;
  listing.messages = {{1, "", 50}, {3, "\\Seen", 150}, {4, "", 90}, {6, "$New", 170}};
  ViewUpdate update = view.resync(listing, Wording{.modseq = true});
  EXPECT_EQ(update.untagged,
            "* 2 EXPUNGE\r\n* 4 EXPUNGE\r\n* 2 FETCH (FLAGS (\\Seen) UID 3 MODSEQ (150))\r\n"
            "* 4 EXISTS\r\n* 0 RECENT\r\n");
  EXPECT_EQ(view.uids().uids(), (std::vector<uint32_t>{1, 3, 4, 6}));
  EXPECT_EQ(view.modseq(), 180u);
  EXPECT_EQ(update.expunged, 2u);
}

TEST(MailboxView, FlagLinesOfRecentMessagesAddRecent) {
  MailboxView view = view_of(5);
  view.add_recent(4, 5);
  ViewUpdate update = view.apply(
      {flags(101, 4, "\\Seen"), flags(102, 5, ""), flags(103, 3, "\\Seen")}, Announce::all);
  EXPECT_EQ(update.untagged,
            "* 4 FETCH (FLAGS (\\Seen \\Recent) UID 4)\r\n"
            "* 5 FETCH (FLAGS (\\Recent) UID 5)\r\n"
            "* 3 FETCH (FLAGS (\\Seen) UID 3)\r\n");
}

TEST(MailboxView, FlagsOfUnknownUidsSayNothing) {
  MailboxView view = view_of(3);
  ViewUpdate update = view.apply({flags(101, 9, "\\Seen")}, Announce::all);
  EXPECT_EQ(update.untagged, "");
  EXPECT_EQ(view.modseq(), 101u);
}

TEST(MailboxView, AddedMessagesGiveOneExistsAndRecentForTheBatch) {
  MailboxView view = view_of(3);
  view.add_recent(4, 5);  // claimed before apply, as the session does
  ViewUpdate update = view.apply({added(101, 4), added(102, 5)}, Announce::all);
  EXPECT_EQ(update.untagged, "* 5 EXISTS\r\n* 2 RECENT\r\n");
  EXPECT_EQ(update.added, 2u);
  EXPECT_EQ(view.exists(), 5u);
  EXPECT_EQ(view.recent_count(), 2u);
  EXPECT_EQ(view.uids().runs().size(), 1u);
}

TEST(MailboxView, ExistsComesAfterExpungesAndFlagsAndNewUidsGetNoLines) {
  MailboxView view = view_of(3);
  ViewUpdate update = view.apply(
      {added(101, 4), flags(102, 4, "\\Seen"), expunged(103, 1), flags(104, 3, "\\Seen")},
      Announce::all);
  EXPECT_EQ(update.untagged,
            "* 1 EXPUNGE\r\n"
            "* 2 FETCH (FLAGS (\\Seen) UID 3)\r\n"
            "* 3 EXISTS\r\n"
            "* 0 RECENT\r\n");
  EXPECT_EQ(update.added, 1u);
}

TEST(MailboxView, AddedUidNotAboveTheMaxIsIgnored) {
  MailboxView view = view_of(5);
  ViewUpdate update = view.apply({added(101, 5), added(102, 2)}, Announce::all);
  EXPECT_EQ(update.untagged, "");
  EXPECT_EQ(update.added, 0u);
  EXPECT_TRUE(update.changed);
  EXPECT_EQ(view.exists(), 5u);
}

TEST(MailboxView, RowsAtOrBelowModseqAreSkipped) {
  MailboxView view = view_of(5);
  ViewUpdate update = view.apply({expunged(99, 1), expunged(100, 2)}, Announce::all);
  EXPECT_EQ(update.untagged, "");
  EXPECT_FALSE(update.changed);
  EXPECT_EQ(view.exists(), 5u);
  EXPECT_EQ(view.modseq(), 100u);

  // A row seen twice (a re-read from modseq()) is applied once.
  std::vector<JournalEntry> rows = {expunged(101, 1), expunged(102, 2)};
  EXPECT_EQ(view.apply(rows, Announce::all).untagged, "* 1 EXPUNGE\r\n* 1 EXPUNGE\r\n");
  EXPECT_EQ(view.apply(rows, Announce::all).untagged, "");
  EXPECT_EQ(view.modseq(), 102u);
}

TEST(MailboxView, ModseqAdvancesToTheLastRowConsumedEvenWithNothingToSay) {
  MailboxView view = view_of(2);
  ViewUpdate update = view.apply(
      {{101, JournalKind::mailbox_renamed, 0, "Other"}, {104, JournalKind::mailbox_created, 0, ""}},
      Announce::all);
  EXPECT_TRUE(update.changed);
  EXPECT_EQ(update.untagged, "");
  EXPECT_EQ(view.modseq(), 104u);
}

TEST(MailboxView, MailboxDeletedSetsDeletedSilently) {
  MailboxView view = view_of(2);
  ViewUpdate update = view.apply({{101, JournalKind::mailbox_deleted, 0, ""}}, Announce::all);
  EXPECT_TRUE(view.deleted());
  EXPECT_TRUE(update.changed);
  EXPECT_EQ(update.untagged, "");
  EXPECT_EQ(view.modseq(), 101u);
}

TEST(MailboxView, RecentRangesMergeAndCountOnlyKnownUids) {
  MailboxView view = view_of(10);
  view.add_recent(8, 9);
  view.add_recent(3, 4);
  view.add_recent(5, 7);
  view.add_recent(11, 12);  // claimed, not yet joined
  EXPECT_TRUE(view.is_recent(3));
  EXPECT_TRUE(view.is_recent(12));
  EXPECT_FALSE(view.is_recent(2));
  EXPECT_FALSE(view.is_recent(10));
  EXPECT_EQ(view.recent_count(), 7u);
  view.apply({expunged(101, 5)}, Announce::all);
  EXPECT_EQ(view.recent_count(), 6u);
  ViewUpdate update = view.apply({added(102, 11)}, Announce::all);
  EXPECT_EQ(update.untagged, "* 10 EXISTS\r\n* 7 RECENT\r\n");
}

TEST(MailboxView, RecentCountBelowAUidCountsOnlyKnownUidsUnderIt) {
  MailboxView view = view_of(10);
  view.add_recent(3, 5);
  view.add_recent(8, 12);  // 11 and 12 claimed, not yet joined
  EXPECT_EQ(view.recent_count_below(1), 0u);
  EXPECT_EQ(view.recent_count_below(4), 1u);
  EXPECT_EQ(view.recent_count_below(9), 4u);
  EXPECT_EQ(view.recent_count_below(100), view.recent_count());
}

TEST(MailboxView, StoredRecentFlagIsNotRepeated) {
  MailboxView view = view_of(2);
  view.add_recent(1, 2);
  ViewUpdate update = view.apply({flags(101, 1, "\\Recent  \\Seen")}, Announce::all);
  EXPECT_EQ(update.untagged, "* 1 FETCH (FLAGS (\\Seen \\Recent) UID 1)\r\n");
}

TEST(MailboxView, IdleViewOfAThousandMessagesStaysSmall) {
  MailboxView view = view_of(1000);
  view.add_recent(990, 1000);
  view.apply({expunged(101, 1000), added(102, 1001)}, Announce::all);
  view.shrink_to_fit();
  size_t heap = view.uids().runs().capacity() * sizeof(UidList::Run);
  EXPECT_LE(sizeof(MailboxView) + heap + 64, 8u * 1024);
  EXPECT_EQ(view.uids().runs().size(), 2u);
}

TEST(MailboxView, RowsOlderThanWhatWasToldWithFlagsAreNotSaid) {
  MailboxView view = view_of(5);
  view.set_keywords(KnownKeywords({"$A", "$B"}, false));
  // A FETCH read message 2 at 104 while rows 101..104 were still to come.
  view.told(2, 104, MailboxView::Shown::flags);
  ViewUpdate update = view.apply(
      {flags(101, 2, "$A"), flags(102, 3, "\\Seen"), expunged(103, 5), flags(104, 2, "$A $B")},
      Announce::no_expunge, Wording{true, false});
  // Stopped at the expunge: the older row of 2 must not follow MODSEQ 104.
  EXPECT_EQ(update.untagged, "* 3 FETCH (FLAGS (\\Seen) UID 3 MODSEQ (102))\r\n");
  update = view.apply({expunged(103, 5), flags(104, 2, "$A $B"), flags(105, 2, "$A")},
                      Announce::all, Wording{true, false});
  EXPECT_EQ(update.untagged, "* 5 EXPUNGE\r\n* 2 FETCH (FLAGS ($A) UID 2 MODSEQ (105))\r\n");
}

TEST(MailboxView, SilentStoreIsNotRepeatedUnlessAnotherChangeWasMissed) {
  MailboxView view = view_of(3);
  view.set_keywords(KnownKeywords({"$A", "$B"}, false));
  // STORE .SILENT of 1 and 2 told MODSEQ 103 and 104 without flags; another
  // session changed 2 at 102, which the client has not seen.
  view.told(1, 103, MailboxView::Shown::own_change);
  view.told(2, 104, MailboxView::Shown::own_change);
  ViewUpdate update = view.apply({flags(102, 2, "$B"), flags(103, 1, "$A"), flags(104, 2, "$B $A")},
                                 Announce::all, Wording{true, false});
  EXPECT_EQ(update.untagged, "* 2 FETCH (FLAGS ($B $A) UID 2 MODSEQ (104))\r\n");
  EXPECT_EQ(view.modseq(), 104u);
  // Forgotten once applied: a later row is said as usual.
  update = view.apply({flags(105, 1, "")}, Announce::all, Wording{true, false});
  EXPECT_EQ(update.untagged, "* 1 FETCH (FLAGS () UID 1 MODSEQ (105))\r\n");
}

TEST(MailboxView, ChangeWhoseModseqAloneWasToldIsSaidAtThatModseq) {
  MailboxView view = view_of(3);
  view.set_keywords(KnownKeywords({"$A"}, false));
  // FETCH 1:2 (MODSEQ) read 1 at 102 and 2 at 103: flags the client has
  // not seen, so those rows are said, never the older one of 2.
  view.told(1, 102, MailboxView::Shown::modseq);
  view.told(2, 103, MailboxView::Shown::modseq);
  ViewUpdate update = view.apply({flags(101, 2, ""), flags(102, 1, "$A"), flags(103, 2, "$A")},
                                 Announce::all, Wording{true, false});
  EXPECT_EQ(update.untagged,
            "* 1 FETCH (FLAGS ($A) UID 1 MODSEQ (102))\r\n"
            "* 2 FETCH (FLAGS ($A) UID 2 MODSEQ (103))\r\n");
}

TEST(MailboxView, NewKeywordIsAnnouncedBeforeTheFetchThatShowsIt) {
  MailboxView view = view_of(3);
  view.set_keywords(KnownKeywords({"$Known"}, false));
  ViewUpdate update =
      view.apply({flags(101, 1, "$known"), flags(102, 2, "\\Seen $Label1")}, Announce::all);
  EXPECT_EQ(update.untagged,
            "* 1 FETCH (FLAGS ($known) UID 1)\r\n"
            "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Known $Label1)\r\n"
            "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft $Known $Label1 "
            "\\*)] Flags permitted\r\n"
            "* 2 FETCH (FLAGS (\\Seen $Label1) UID 2)\r\n");
}

}  // namespace
}  // namespace eider::imap
