// The Store conformance suite: the contracts of src/store/store.h, checked
// the same way on every backend of support/store_backends.h. A case is a
// TEST_P of one of the fixtures below; EIDER_CONFORMANCE runs a fixture's
// cases once per backend, named by it ("Conformance/Users.Name/Sqlite").
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "store/store.h"
#include "support/store_backends.h"
#include "support/store_data.h"

namespace eider::store::testing {

std::vector<uint32_t> uids_of(const std::vector<MessageInfo>& infos);

// What a failed call must leave as it was: the store's counters, the
// user's quota use, and each of their mailboxes' UIDNEXT, MODSEQ and count.
struct Footprint {
  Stats stats;
  User user;
  std::vector<Mailbox> mailboxes;
};

class StoreConformance : public ::testing::TestWithParam<StoreBackend> {
 protected:
  void SetUp() override {
    instance_ = GetParam().make();
    ASSERT_NE(instance_, nullptr) << GetParam().name << " could not make a store";
  }

  Store& store() { return instance_->store(); }

  Account account(const std::string& name, const Quota& quota = {}) {
    Result<User> user = store().create_user(name, "$6$hash", {name + "@example.org"}, quota);
    EXPECT_TRUE(user.is_ok()) << user.status().to_string();
    if (!user) return {};
    return Account{*user, mailbox(user->id, "INBOX")};
  }

  Mailbox mailbox(int64_t user_id, std::string_view path) {
    Result<Mailbox> found = store().find_mailbox(user_id, path);
    EXPECT_TRUE(found.is_ok()) << path << ": " << found.status().to_string();
    return found ? *found : Mailbox{};
  }

  uint32_t append(const Account& to, const NewMessage& message, int64_t mailbox_id = 0) {
    Result<Appended> appended =
        store().append_message(to.user.id, mailbox_id ? mailbox_id : to.inbox.id, message);
    EXPECT_TRUE(appended.is_ok()) << appended.status().to_string();
    return appended ? appended->uid : 0;
  }

  std::vector<uint32_t> uids(int64_t user_id, int64_t mailbox_id) {
    Result<std::vector<MessageInfo>> listed = store().list_messages(user_id, mailbox_id);
    EXPECT_TRUE(listed.is_ok()) << listed.status().to_string();
    return listed ? uids_of(*listed) : std::vector<uint32_t>{};
  }

  Footprint footprint(int64_t user_id) {
    return Footprint{store().stats().value(), store().find_user_by_id(user_id).value(),
                     store().list_mailboxes(user_id).value()};
  }

  // Expects nothing of what a footprint holds to have changed.
  static void expect_unchanged(const Footprint& before, const Footprint& after);

  // The five calls that return the mailboxes they changed, in one place:
  // each checks that list (the mailboxes it must name, each with a modseq
  // no higher than the mailbox's highest now: other stores may write
  // meanwhile) and hands the cases the rest; `on` is another Store of the
  // instance (open_another), else store().
  Result<std::vector<UidPair>> copy(int64_t user_id, int64_t from, std::vector<uint32_t> uids,
                                    int64_t to, Store* on = nullptr) {
    Result<Copied> copied = (on ? *on : store()).copy_messages(user_id, from, uids, to);
    if (!copied) return copied.status();
    expect_changed(user_id, copied->changed,
                   copied->uids.empty() ? std::vector<int64_t>{} : std::vector<int64_t>{to});
    return std::move(copied->uids);
  }
  Result<std::vector<UidPair>> move(int64_t user_id, int64_t from, std::vector<uint32_t> uids,
                                    int64_t to, Store* on = nullptr) {
    Result<Copied> moved = (on ? *on : store()).move_messages(user_id, from, uids, to);
    if (!moved) return moved.status();
    std::vector<int64_t> expected;
    if (!moved->uids.empty())
      expected = from == to ? std::vector<int64_t>{to} : std::vector<int64_t>{to, from};
    expect_changed(user_id, moved->changed, expected);
    return std::move(moved->uids);
  }
  Result<std::vector<uint32_t>> expunge(int64_t user_id, int64_t mailbox_id,
                                        std::vector<uint32_t> uids, Store* on = nullptr) {
    Result<Expunged> expunged = (on ? *on : store()).expunge_messages(user_id, mailbox_id, uids);
    if (!expunged) return expunged.status();
    expect_changed(
        user_id, expunged->changed,
        expunged->uids.empty() ? std::vector<int64_t>{} : std::vector<int64_t>{mailbox_id});
    return std::move(expunged->uids);
  }
  Status rename(int64_t user_id, std::string_view from, std::string_view to, Store* on = nullptr) {
    Result<Mailbox> source = store().find_mailbox(user_id, from);
    Result<std::vector<MailboxModseq>> renamed =
        (on ? *on : store()).rename_mailbox(user_id, from, to);
    if (!renamed) return renamed.status();
    EXPECT_FALSE(renamed->empty());
    if (source) {
      EXPECT_TRUE(std::any_of(renamed->begin(), renamed->end(),
                              [&](const MailboxModseq& m) { return m.mailbox_id == source->id; }));
    }
    expect_changed(user_id, *renamed, std::nullopt);
    return Status::ok();
  }
  Status remove(int64_t user_id, std::string_view path, Store* on = nullptr) {
    Result<Mailbox> before = store().find_mailbox(user_id, path);
    Result<MailboxModseq> deleted = (on ? *on : store()).delete_mailbox(user_id, path);
    if (!deleted) return deleted.status();
    if (before) {
      EXPECT_EQ(deleted->mailbox_id, before->id);
      EXPECT_GT(deleted->modseq, before->highest_modseq);
    }
    return Status::ok();
  }

  // `changed` names exactly `expected` (in that order) when given, and
  // each entry's modseq is above 0 and at most its mailbox's highest now.
  void expect_changed(int64_t user_id, const std::vector<MailboxModseq>& changed,
                      const std::optional<std::vector<int64_t>>& expected) {
    if (expected) {
      std::vector<int64_t> ids;
      for (const MailboxModseq& m : changed) ids.push_back(m.mailbox_id);
      EXPECT_EQ(ids, *expected);
    }
    Result<std::vector<Mailbox>> mailboxes = store().list_mailboxes(user_id);
    ASSERT_TRUE(mailboxes.is_ok());
    for (const MailboxModseq& m : changed) {
      EXPECT_GT(m.modseq, 0u);
      for (const Mailbox& mailbox : *mailboxes) {
        if (mailbox.id == m.mailbox_id) {
          EXPECT_LE(m.modseq, mailbox.highest_modseq);
        }
      }
    }
  }

  std::unique_ptr<BackendInstance> instance_;
};

// gtest prints a backend by its name.
inline void PrintTo(const StoreBackend& backend, std::ostream* out) {
  *out << backend.name;
}

std::string backend_name(const ::testing::TestParamInfo<StoreBackend>& info);

}  // namespace eider::store::testing

// Runs the TEST_P cases of `Fixture` (a StoreConformance) on every backend.
#define EIDER_CONFORMANCE(Fixture)                                                         \
  INSTANTIATE_TEST_SUITE_P(Conformance, Fixture,                                           \
                           ::testing::ValuesIn(::eider::store::testing::store_backends()), \
                           ::eider::store::testing::backend_name)
