// A randomized walk of deliver/copy/move/expunge/flags over a real store:
// after every step the user's storage_used must equal the sum of the sizes
// of the messages they hold, and the store must hold exactly what a simple
// model says it should.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "mail_fixture.h"

namespace eider::mail {
namespace {

using QuotaWalk = testing::MailFixture;

const std::vector<std::string> kMailboxes = {"INBOX", "Archive", "Trash"};

// A message of about `size` bytes; every fourth carries one of two shared
// attachments, so copies and distinct deliveries share blobs.
std::string make_message(std::mt19937& rng, size_t size) {
  std::string message = "Subject: walk " + std::to_string(rng()) + "\r\n";
  if (rng() % 4 == 0) {
    message +=
        "Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\n\r\ntext\r\n--q\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n";
    std::string line(76, rng() % 2 ? 'Q' : 'R');
    for (int i = 0; i < 600; ++i) message += line + "\r\n";
    message += "--q--\r\n";
    return message;
  }
  message += "\r\n";
  message += std::string(size, static_cast<char>('a' + rng() % 26));
  return message;
}

// Picks up to three uids of the model's mailbox, plus sometimes one that does not exist.
std::vector<uint32_t> pick_uids(std::mt19937& rng, const std::map<uint32_t, uint64_t>& messages) {
  std::vector<uint32_t> uids;
  for (const auto& [uid, size] : messages) {
    if (rng() % 3 == 0 && uids.size() < 3) uids.push_back(uid);
  }
  if (rng() % 5 == 0) uids.push_back(100000);
  return uids;
}

class Model {
 public:
  std::map<std::string, std::map<uint32_t, uint64_t>> mailboxes;  // path -> uid -> size

  uint64_t total_size() const {
    uint64_t total = 0;
    for (const auto& [path, messages] : mailboxes) {
      for (const auto& [uid, size] : messages) total += size;
    }
    return total;
  }
  uint64_t count() const {
    uint64_t n = 0;
    for (const auto& [path, messages] : mailboxes) n += messages.size();
    return n;
  }
};

TEST_F(QuotaWalk, StorageUsedIsAlwaysTheSumOfMessageSizes) {
  for (uint32_t seed : {1u, 2u, 3u, 42u, 2026u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    std::string name = "walker" + std::to_string(seed);
    int64_t user = add(name, 400 * 1024);
    std::map<std::string, store::Mailbox> boxes;
    for (const std::string& path : kMailboxes) boxes[path] = mailbox(user, path);
    Model model;

    for (int step = 0; step < 120; ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      const std::string& from = kMailboxes[rng() % kMailboxes.size()];
      const std::string& to = kMailboxes[rng() % kMailboxes.size()];
      switch (rng() % 5) {
        case 0:
        case 1: {
          std::string message = make_message(rng, 1 + rng() % 20000);
          Result<store::Appended> appended = mail_->deliver(user, from, message);
          if (appended) {
            model.mailboxes[from][appended->uid] = message.size();
          } else {
            ASSERT_EQ(appended.status().code(), Code::over_quota) << appended.status().to_string();
            ASSERT_GT(model.total_size() + message.size(), 400u * 1024);
          }
          break;
        }
        case 2: {
          std::vector<uint32_t> uids = pick_uids(rng, model.mailboxes[from]);
          Result<std::vector<store::UidPair>> copied = mail_->copy(user, boxes[from].id, uids, to);
          if (copied) {
            for (const store::UidPair& pair : *copied) {
              model.mailboxes[to][pair.to] = model.mailboxes[from].at(pair.from);
            }
          } else {
            ASSERT_EQ(copied.status().code(), Code::over_quota) << copied.status().to_string();
          }
          break;
        }
        case 3: {
          std::vector<uint32_t> uids = pick_uids(rng, model.mailboxes[from]);
          Result<std::vector<store::UidPair>> moved = mail_->move(user, boxes[from].id, uids, to);
          // Into the same mailbox too: new uids, the old ones gone.
          ASSERT_TRUE(moved.is_ok()) << moved.status().to_string();
          for (const store::UidPair& pair : *moved) {
            uint64_t size = model.mailboxes[from].at(pair.from);
            model.mailboxes[from].erase(pair.from);
            model.mailboxes[to][pair.to] = size;
          }
          break;
        }
        default: {
          std::vector<uint32_t> uids = pick_uids(rng, model.mailboxes[from]);
          if (rng() % 2) {
            ASSERT_TRUE(
                mail_->set_flags(user, boxes[from].id, uids, store::FlagMode::add, {"\\Deleted"})
                    .is_ok());
          }
          Result<std::vector<uint32_t>> expunged = mail_->expunge(user, boxes[from].id, uids);
          ASSERT_TRUE(expunged.is_ok()) << expunged.status().to_string();
          for (uint32_t uid : *expunged) model.mailboxes[from].erase(uid);
        }
      }

      uint64_t listed_total = 0;
      for (const std::string& path : kMailboxes) {
        Result<std::vector<store::MessageInfo>> listed =
            faulty_->list_messages(user, boxes[path].id);
        ASSERT_TRUE(listed.is_ok()) << listed.status().to_string();
        std::map<uint32_t, uint64_t> actual;
        for (const store::MessageInfo& info : *listed) {
          actual[info.uid] = info.size;
          listed_total += info.size;
        }
        ASSERT_EQ(actual, model.mailboxes[path]) << path;
      }
      Result<store::User> stored = faulty_->find_user(name);
      ASSERT_TRUE(stored.is_ok());
      ASSERT_EQ(stored->storage_used, listed_total);
      ASSERT_EQ(stored->storage_used, model.total_size());
      ASSERT_EQ(stored->message_count, model.count());
    }
  }
}

}  // namespace
}  // namespace eider::mail
