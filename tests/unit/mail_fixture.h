// Shared by the mail tests: a real sqlite store in a temporary folder,
// opened through a FaultyVfs (storage faults below the store) and wrapped
// in a FaultyStore (failed Store calls above it), a local notifier that
// records every beacon, and a Mail over them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mail/mail.h"
#include "mail/users.h"
#include "notify/local.h"
#include "store_test_util.h"
#include "support/faulty_store.h"
#include "support/faulty_vfs.h"

namespace eider::mail::testing {

class MailFixture : public ::testing::Test {
 protected:
  void SetUp() override { open_mail(core::Limits{}); }

  void open_mail(const core::Limits& limits) {
    mail_.reset();
    faulty_.reset();
    std::shared_ptr<store::Store> opened = store::testing::open_sqlite_or_die(dir_, vfs_.name());
    ASSERT_NE(opened, nullptr);
    faulty_ = std::make_shared<store::testing::FaultyStore>(std::move(opened));
    mail_ = std::make_unique<Mail>(*faulty_, notifier_, limits);
  }

  int64_t add(const std::string& name, uint64_t quota = 0,
              const std::vector<std::string>& addresses = {}) {
    Result<store::User> user =
        add_user(*faulty_, name, "pw", addresses, store::Quota{.bytes = quota});
    EXPECT_TRUE(user.is_ok()) << user.status().to_string();
    return user ? user->id : 0;
  }

  store::Mailbox mailbox(int64_t user_id, const std::string& path) {
    Result<store::Mailbox> found = faulty_->find_mailbox(user_id, path);
    EXPECT_TRUE(found.is_ok()) << path << ": " << found.status().to_string();
    return found ? *found : store::Mailbox{};
  }

  // Starts recording the beacons of `user_id`.
  void record(int64_t user_id) {
    subscriptions_.push_back(notifier_.subscribe(user_id, [this](const notify::Beacon& beacon) {
      std::lock_guard lock(beacons_mutex_);
      beacons_.push_back(beacon);
    }));
  }

  std::vector<notify::Beacon> beacons() {
    std::lock_guard lock(beacons_mutex_);
    return beacons_;
  }

  store::testing::TempDir dir_;
  store::testing::FaultyVfs vfs_;  // outlives the store opened with it
  notify::LocalNotifier notifier_;
  std::shared_ptr<store::testing::FaultyStore> faulty_;
  std::unique_ptr<Mail> mail_;
  std::vector<notify::Subscription> subscriptions_;
  std::mutex beacons_mutex_;
  std::vector<notify::Beacon> beacons_;
};

}  // namespace eider::mail::testing
