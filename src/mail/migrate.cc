#include "mail/migrate.h"

#include <algorithm>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "mail/mail.h"
#include "mime/sha256.h"
#include "mime/tree.h"

namespace eider::mail {
namespace {

// A batch of messages read, parsed and imported together: large enough that
// a commit carries many messages, small enough to bound memory.
constexpr size_t kBatchMessages = 256;
constexpr uint64_t kBatchBytes = 32ull * 1024 * 1024;

Status mismatch(const std::string& what) {
  return error(Code::corrupt, "verification failed: " + what);
}

std::string where(const store::User& user, const std::string& path) {
  return "user " + user.name + ", mailbox \"" + path + "\"";
}

// The uids of `infos` cut into batches of kBatchMessages or kBatchBytes.
std::vector<std::vector<uint32_t>> batches(const std::vector<store::MessageInfo>& infos) {
  std::vector<std::vector<uint32_t>> out;
  uint64_t bytes = 0;
  for (const store::MessageInfo& info : infos) {
    if (out.empty() || out.back().size() >= kBatchMessages ||
        (bytes + info.size > kBatchBytes && !out.back().empty())) {
      out.emplace_back();
      bytes = 0;
    }
    out.back().push_back(info.uid);
    bytes += info.size;
  }
  return out;
}

Result<std::string> rebuild(store::Store& store, const std::string& tree) {
  return mime::rebuild(tree, [&store](const mime::BlobKey& key) { return store.read_blob(key); });
}

class Migration {
 public:
  Migration(store::Store& from, store::Store& to, const core::Limits& limits,
            const ProgressFn& progress)
      : from_(from), to_(to), limits_(limits), progress_(progress) {
    // A message the source holds is copied whatever the size limit now.
    limits_.max_message_size = std::numeric_limits<uint64_t>::max();
  }

  Result<MigrationSummary> run() {
    Result<std::vector<store::User>> existing = to_.list_users();
    if (!existing) return existing.status();
    if (!existing->empty()) {
      return error(Code::already_exists, "the target store is not empty (it has " +
                                             std::to_string(existing->size()) +
                                             " users); migrate copies into an empty store only");
    }
    Result<std::vector<store::User>> users = from_.list_users();
    if (!users) return users.status();
    progress_state_.users_total = users->size();
    for (const store::User& user : *users) {
      progress_state_.messages_total += user.message_count;
      progress_state_.bytes_total += user.storage_used;
    }
    report();
    for (const store::User& user : *users) {
      EIDER_RETURN_IF_ERROR(copy_user(user));
      ++progress_state_.users_done;
      ++summary_.users;
      report();
    }
    Result<store::Stats> source = from_.stats();
    if (!source) return source.status();
    Result<store::Stats> target = to_.stats();
    if (!target) return target.status();
    if (source->message_count != target->message_count) {
      return mismatch("the source holds " + std::to_string(source->message_count) +
                      " messages, the target " + std::to_string(target->message_count));
    }
    summary_.source_blobs = source->blob_count;
    summary_.target_blobs = target->blob_count;
    return summary_;
  }

 private:
  // One user: created, mailboxes and messages copied, then verified.
  Status copy_user(const store::User& user) {
    Result<std::vector<std::string>> addresses = from_.list_addresses(user.id);
    if (!addresses) return addresses.status();
    Result<store::User> created =
        to_.create_user(user.name, user.password_hash, *addresses,
                        store::Quota{user.quota_bytes, user.quota_messages});
    if (!created) return created.status();
    Result<std::vector<store::Mailbox>> mailboxes = from_.list_mailboxes(user.id);
    if (!mailboxes) return mailboxes.status();
    Result<std::vector<std::string>> lost = from_.list_lost_subscriptions(user.id);
    if (!lost) return lost.status();
    EIDER_RETURN_IF_ERROR(drop_defaults_not_in(created->id, *mailboxes));

    // sha256 of each message's bytes, by mailbox path and uid, for the check.
    std::map<std::string, std::map<uint32_t, std::string>> hashes;
    for (const store::Mailbox& mailbox : *mailboxes) {
      Result<store::Mailbox> target = to_.import_mailbox(created->id, mailbox);
      if (!target) return target.status();
      EIDER_RETURN_IF_ERROR(
          copy_messages(user, mailbox, created->id, target->id, hashes[mailbox.path]));
      ++summary_.mailboxes;
    }
    for (const std::string& path : *lost) {
      EIDER_RETURN_IF_ERROR(to_.set_subscribed(created->id, path, true));
      ++summary_.lost_subscriptions;
    }
    return verify_user(user, *created, *mailboxes, *addresses, *lost, hashes);
  }

  // create_user made its default mailboxes; those the source user no
  // longer has go, with the subscriptions deleting them would leave.
  Status drop_defaults_not_in(int64_t user_id, const std::vector<store::Mailbox>& wanted) {
    Result<std::vector<store::Mailbox>> made = to_.list_mailboxes(user_id);
    if (!made) return made.status();
    for (const store::Mailbox& mailbox : *made) {
      bool kept = std::any_of(wanted.begin(), wanted.end(),
                              [&](const store::Mailbox& w) { return w.path == mailbox.path; });
      if (kept) continue;
      Result<store::MailboxModseq> deleted = to_.delete_mailbox(user_id, mailbox.path);
      if (!deleted) return deleted.status();
      Status unsubscribed = to_.set_subscribed(user_id, mailbox.path, false);
      if (!unsubscribed && unsubscribed.code() != Code::not_found) return unsubscribed;
    }
    return Status::ok();
  }

  Status copy_messages(const store::User& user, const store::Mailbox& mailbox, int64_t to_user,
                       int64_t to_mailbox, std::map<uint32_t, std::string>& hashes) {
    Result<std::vector<store::MessageInfo>> infos = from_.list_messages(user.id, mailbox.id);
    if (!infos) return infos.status();
    for (const std::vector<uint32_t>& uids : batches(*infos)) {
      Result<std::vector<store::StoredMessage>> stored =
          from_.read_messages(user.id, mailbox.id, uids, true);
      if (!stored) return stored.status();
      if (stored->size() != uids.size()) {
        return error(Code::unavailable, where(user, mailbox.path) +
                                            " changed while it was copied: is a server running"
                                            " on the source store?");
      }
      std::vector<store::ImportedMessage> batch;
      batch.reserve(stored->size());
      uint64_t batch_bytes = 0;
      for (const store::StoredMessage& message : *stored) {
        Result<std::string> raw = rebuild(from_, message.tree);
        if (!raw) return raw.status();
        hashes[message.info.uid] = mime::sha256(*raw);
        Result<store::NewMessage> parsed = ingest(*raw, limits_, message.info.internal_date);
        if (!parsed) {
          return error(parsed.status().code(), where(user, mailbox.path) + ", uid " +
                                                   std::to_string(message.info.uid) + ": " +
                                                   parsed.status().message());
        }
        parsed->flags = message.info.flags;
        batch_bytes += raw->size();
        batch.push_back({message.info.uid, message.info.modseq, std::move(*parsed)});
      }
      EIDER_RETURN_IF_ERROR(to_.import_messages(to_user, to_mailbox, batch));
      progress_state_.messages_copied += batch.size();
      summary_.messages += batch.size();
      progress_state_.bytes_copied += batch_bytes;
      summary_.bytes += batch_bytes;
      report();
    }
    return Status::ok();
  }

  Status verify_user(const store::User& user, const store::User& created,
                     const std::vector<store::Mailbox>& mailboxes,
                     std::vector<std::string> addresses, const std::vector<std::string>& lost,
                     const std::map<std::string, std::map<uint32_t, std::string>>& hashes) {
    Result<store::User> copy = to_.find_user_by_id(created.id);
    if (!copy) return copy.status();
    if (copy->name != user.name || copy->password_hash != user.password_hash ||
        copy->quota_bytes != user.quota_bytes || copy->quota_messages != user.quota_messages) {
      return mismatch("user " + user.name + ": name, password hash or quota differ");
    }
    if (copy->storage_used != user.storage_used || copy->message_count != user.message_count) {
      return mismatch("user " + user.name + ": usage " + std::to_string(copy->storage_used) +
                      " bytes, " + std::to_string(copy->message_count) + " messages; the source " +
                      std::to_string(user.storage_used) + " bytes, " +
                      std::to_string(user.message_count) + " messages");
    }
    Result<std::vector<std::string>> copied_addresses = to_.list_addresses(created.id);
    if (!copied_addresses) return copied_addresses.status();
    std::sort(addresses.begin(), addresses.end());
    std::sort(copied_addresses->begin(), copied_addresses->end());
    if (*copied_addresses != addresses) return mismatch("user " + user.name + ": addresses differ");
    Result<std::vector<std::string>> copied_lost = to_.list_lost_subscriptions(created.id);
    if (!copied_lost) return copied_lost.status();
    if (*copied_lost != lost) return mismatch("user " + user.name + ": subscriptions differ");

    Result<std::vector<store::Mailbox>> copied = to_.list_mailboxes(created.id);
    if (!copied) return copied.status();
    if (copied->size() != mailboxes.size()) {
      return mismatch("user " + user.name + ": " + std::to_string(copied->size()) +
                      " mailboxes, the source " + std::to_string(mailboxes.size()));
    }
    for (const store::Mailbox& mailbox : mailboxes) {
      auto target = std::find_if(copied->begin(), copied->end(),
                                 [&](const store::Mailbox& m) { return m.path == mailbox.path; });
      if (target == copied->end()) return mismatch(where(user, mailbox.path) + " is missing");
      EIDER_RETURN_IF_ERROR(verify_mailbox(user, mailbox, *target, hashes.at(mailbox.path)));
    }
    return Status::ok();
  }

  Status verify_mailbox(const store::User& user, const store::Mailbox& source,
                        const store::Mailbox& target,
                        const std::map<uint32_t, std::string>& hashes) {
    if (source.uidvalidity != target.uidvalidity || source.uidnext != target.uidnext ||
        source.highest_modseq != target.highest_modseq ||
        source.message_count != target.message_count || source.subscribed != target.subscribed ||
        source.special_use != target.special_use || source.recent_uid != target.recent_uid) {
      return mismatch(where(user, source.path) +
                      ": UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ, count, subscription, special use"
                      " or \\Recent mark differ");
    }
    Result<std::vector<store::MessageInfo>> expected = from_.list_messages(user.id, source.id);
    if (!expected) return expected.status();
    Result<std::vector<store::MessageInfo>> infos = to_.list_messages(target.user_id, target.id);
    if (!infos) return infos.status();
    if (infos->size() != expected->size() || infos->size() != hashes.size()) {
      return mismatch(where(user, source.path) + ": " + std::to_string(infos->size()) +
                      " messages, the source " + std::to_string(expected->size()));
    }
    for (size_t i = 0; i < infos->size(); ++i) {
      const store::MessageInfo& a = (*expected)[i];
      const store::MessageInfo& b = (*infos)[i];
      if (a.uid != b.uid || a.modseq != b.modseq || a.flags != b.flags ||
          a.internal_date != b.internal_date || a.size != b.size || a.wire_size != b.wire_size) {
        return mismatch(where(user, source.path) + ", uid " + std::to_string(a.uid) +
                        ": UID, MODSEQ, flags, internal date or size differ");
      }
    }
    for (const std::vector<uint32_t>& uids : batches(*infos)) {
      Result<std::vector<store::StoredMessage>> stored =
          to_.read_messages(target.user_id, target.id, uids, true);
      if (!stored) return stored.status();
      for (const store::StoredMessage& message : *stored) {
        Result<std::string> raw = rebuild(to_, message.tree);
        if (!raw) return raw.status();
        auto hash = hashes.find(message.info.uid);
        if (hash == hashes.end() || hash->second != mime::sha256(*raw)) {
          return mismatch(where(user, source.path) + ", uid " + std::to_string(message.info.uid) +
                          ": the copy's bytes differ from the source's");
        }
      }
      progress_state_.messages_verified += stored->size();
      report();
    }
    return Status::ok();
  }

  void report() {
    if (progress_) progress_(progress_state_);
  }

  store::Store& from_;
  store::Store& to_;
  core::Limits limits_;
  const ProgressFn& progress_;
  MigrationProgress progress_state_;
  MigrationSummary summary_;
};

}  // namespace

Result<MigrationSummary> migrate_store(store::Store& from, store::Store& to,
                                       const core::Limits& limits, const ProgressFn& progress) {
  return Migration(from, to, limits, progress).run();
}

}  // namespace eider::mail
