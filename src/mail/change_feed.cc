// The change feed: a per-mailbox MODSEQ cursor over the journal.
#include "mail/change_feed.h"

#include <algorithm>
#include <map>
#include <utility>

#include "core/varint.h"
#include "mime/codec_hex.h"
#include "store/flags.h"

namespace eider::mail {

namespace {

constexpr uint8_t kCursorVersion = 1;
// More mailboxes than any user has; bounds what a forged cursor costs.
constexpr uint64_t kMaxCursorMailboxes = 1'000'000;

FeedEventKind event_kind(store::JournalKind kind) {
  switch (kind) {
    case store::JournalKind::added:
      return FeedEventKind::added;
    case store::JournalKind::expunged:
      return FeedEventKind::expunged;
    case store::JournalKind::flags:
      return FeedEventKind::flags;
    case store::JournalKind::mailbox_created:
      return FeedEventKind::mailbox_created;
    case store::JournalKind::mailbox_renamed:
      return FeedEventKind::mailbox_renamed;
    case store::JournalKind::mailbox_deleted:
      return FeedEventKind::mailbox_deleted;
  }
  return FeedEventKind::reset;
}

FeedEvent make_event(FeedEventKind kind, int64_t mailbox_id, int64_t created, uint64_t modseq) {
  FeedEvent event;
  event.kind = kind;
  event.mailbox_id = mailbox_id;
  event.mailbox_created = created;
  event.modseq = modseq;
  return event;
}

}  // namespace

std::string FeedCursor::encode() const {
  std::string bytes;
  bytes.push_back(static_cast<char>(kCursorVersion));
  put_varint(bytes, static_cast<uint64_t>(user_id));
  put_varint(bytes, mailboxes.size());
  uint64_t previous = 0;
  for (const FeedMailbox& mailbox : mailboxes) {
    put_varint(bytes, static_cast<uint64_t>(mailbox.mailbox_id) - previous);
    put_varint(bytes, mailbox.modseq);
    put_varint(bytes, static_cast<uint64_t>(mailbox.created));
    previous = static_cast<uint64_t>(mailbox.mailbox_id);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(bytes.size() * 2);
  for (char c : bytes) {
    const auto byte = static_cast<uint8_t>(c);
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 0xf]);
  }
  return text;
}

std::optional<FeedCursor> FeedCursor::decode(std::string_view text) {
  if (text.empty() || text.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  bytes.reserve(text.size() / 2);
  for (std::size_t i = 0; i < text.size(); i += 2) {
    // Lowercase only, as encode writes: one cursor has one text.
    if (text[i] >= 'A' && text[i] <= 'F') return std::nullopt;
    if (text[i + 1] >= 'A' && text[i + 1] <= 'F') return std::nullopt;
    const int high = mime::hex_digit_value(text[i]);
    const int low = mime::hex_digit_value(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(high << 4 | low));
  }
  std::string_view in = bytes;
  if (static_cast<uint8_t>(in.front()) != kCursorVersion) return std::nullopt;
  in.remove_prefix(1);
  FeedCursor cursor;
  uint64_t user = 0;
  uint64_t count = 0;
  if (!get_varint(in, user) || user == 0 || user > INT64_MAX) return std::nullopt;
  if (!get_varint(in, count) || count > kMaxCursorMailboxes || count > in.size() / 3) {
    return std::nullopt;
  }
  cursor.user_id = static_cast<int64_t>(user);
  cursor.mailboxes.reserve(count);
  uint64_t previous = 0;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t delta = 0;
    uint64_t modseq = 0;
    uint64_t created = 0;
    if (!get_varint(in, delta) || !get_varint(in, modseq) || !get_varint(in, created) ||
        created > INT64_MAX) {
      return std::nullopt;
    }
    // Ascending ids, each once: the first may be any id above 0.
    if (delta == 0 || delta > static_cast<uint64_t>(INT64_MAX) - previous) return std::nullopt;
    previous += delta;
    cursor.mailboxes.push_back(
        {static_cast<int64_t>(previous), modseq, static_cast<int64_t>(created)});
  }
  if (!in.empty()) return std::nullopt;
  return cursor;
}

ChangeFeed::ChangeFeed(notify::Notifier& notifier, int64_t user_id, std::function<void()> wake)
    : user_id_(user_id), wake_(std::move(wake)) {
  cursor_.user_id = user_id;
  subscription_ = notifier.subscribe(user_id, [this](const notify::Beacon& beacon) {
    {
      std::lock_guard lock(mutex_);
      if (beacon.kind == notify::BeaconKind::logout) {
        logged_out_ = true;
      } else {
        pending_ = true;
      }
    }
    wake_();
  });
}

bool ChangeFeed::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

bool ChangeFeed::logged_out() const {
  std::lock_guard lock(mutex_);
  return logged_out_;
}

std::string ChangeFeed::cursor() const {
  return cursor_.encode();
}

const FeedMailbox* ChangeFeed::seen(int64_t mailbox_id) const {
  auto it =
      std::lower_bound(cursor_.mailboxes.begin(), cursor_.mailboxes.end(), mailbox_id,
                       [](const FeedMailbox& entry, int64_t id) { return entry.mailbox_id < id; });
  if (it == cursor_.mailboxes.end() || it->mailbox_id != mailbox_id) return nullptr;
  return &*it;
}

void ChangeFeed::advance(int64_t mailbox_id, uint64_t modseq, int64_t created) {
  auto it =
      std::lower_bound(cursor_.mailboxes.begin(), cursor_.mailboxes.end(), mailbox_id,
                       [](const FeedMailbox& entry, int64_t id) { return entry.mailbox_id < id; });
  if (it != cursor_.mailboxes.end() && it->mailbox_id == mailbox_id) {
    it->modseq = modseq;
  } else {
    cursor_.mailboxes.insert(it, {mailbox_id, modseq, created});
  }
}

void ChangeFeed::forget(int64_t mailbox_id) {
  std::erase_if(cursor_.mailboxes,
                [&](const FeedMailbox& entry) { return entry.mailbox_id == mailbox_id; });
}

Result<std::vector<FeedEvent>> ChangeFeed::start(store::Store& store, std::string_view resume) {
  std::vector<FeedEvent> events;
  if (!resume.empty()) {
    std::optional<FeedCursor> decoded = FeedCursor::decode(resume);
    if (decoded && decoded->user_id == user_id_) {
      // Validated against the store at the first read, which also covers
      // any changes after it.
      cursor_ = std::move(*decoded);
      std::lock_guard lock(mutex_);
      pending_ = true;
      return events;
    }
  }
  Result<std::vector<store::Mailbox>> mailboxes = store.list_mailboxes(user_id_);
  if (!mailboxes) return mailboxes.status();
  // Every user has INBOX: an empty listing is a user that is gone.
  if (mailboxes->empty()) return error(Code::not_found, "no such user");
  FeedCursor now{.user_id = user_id_, .mailboxes = {}};
  for (const store::Mailbox& mailbox : *mailboxes) {
    now.mailboxes.push_back({mailbox.id, mailbox.highest_modseq, mailbox.created});
  }
  std::sort(now.mailboxes.begin(), now.mailboxes.end(),
            [](const auto& a, const auto& b) { return a.mailbox_id < b.mailbox_id; });
  cursor_ = std::move(now);
  if (!resume.empty()) {
    events.push_back(make_event(FeedEventKind::reset, 0, 0, 0));
    events.back().cursor = cursor_.encode();
  }
  return events;
}

Status ChangeFeed::read_mailbox(store::Store& store, int64_t mailbox_id,
                                const store::Mailbox* listed, std::vector<FeedEvent>& events) {
  const FeedMailbox* known = seen(mailbox_id);
  // Created since the cursor, then deleted again: nothing of it to tell.
  if (known == nullptr && listed == nullptr) return Status::ok();
  const uint64_t since = known != nullptr ? known->modseq : 0;
  const int64_t created = listed != nullptr ? listed->created : known->created;
  // The listing's floor answers first; journal_since says the same for a
  // trim after the listing.
  const bool trimmed = listed != nullptr && since < listed->journal_floor;
  Result<std::vector<store::JournalEntry>> rows =
      trimmed ? Result<std::vector<store::JournalEntry>>(error(Code::out_of_range, "trimmed"))
              : store.journal_since(user_id_, mailbox_id, since);
  if (!rows && rows.status().code() == Code::out_of_range && listed != nullptr) {
    advance(mailbox_id, listed->highest_modseq, created);
    FeedEvent& reset = events.emplace_back(
        make_event(FeedEventKind::reset, mailbox_id, created, listed->highest_modseq));
    reset.path = listed->path;
    reset.cursor = cursor_.encode();
    return Status::ok();
  }
  if (!rows) return rows.status();
  for (store::JournalEntry& row : *rows) {
    FeedEvent event = make_event(event_kind(row.kind), mailbox_id, created, row.modseq);
    event.uid = row.uid;
    switch (row.kind) {
      case store::JournalKind::flags:
        event.flags = store::split_flags(row.data);
        break;
      case store::JournalKind::mailbox_created:
      case store::JournalKind::mailbox_deleted:
        // Rows from before the path was journaled: the listing's is the best
        // left (a deleted mailbox's is gone).
        event.path = row.data.empty() && listed != nullptr ? listed->path : std::move(row.data);
        break;
      case store::JournalKind::mailbox_renamed:
        event.path = std::move(row.data);
        break;
      default:
        break;
    }
    if (row.kind == store::JournalKind::mailbox_deleted) {
      forget(mailbox_id);
    } else {
      advance(mailbox_id, row.modseq, created);
    }
    event.cursor = cursor_.encode();
    events.push_back(std::move(event));
    if (row.kind == store::JournalKind::mailbox_deleted) return Status::ok();
  }
  if (listed == nullptr && seen(mailbox_id) != nullptr) {
    // Gone, and its mailbox_deleted row trimmed since.
    forget(mailbox_id);
    FeedEvent& deleted = events.emplace_back(
        make_event(FeedEventKind::mailbox_deleted, mailbox_id, created, since + 1));
    deleted.cursor = cursor_.encode();
  }
  return Status::ok();
}

Result<std::vector<FeedEvent>> ChangeFeed::read(store::Store& store, std::size_t max_events) {
  {
    std::lock_guard lock(mutex_);
    pending_ = false;
  }
  const FeedCursor before = cursor_;
  auto failed = [&](Status status) -> Result<std::vector<FeedEvent>> {
    cursor_ = before;
    std::lock_guard lock(mutex_);
    pending_ = true;
    return status;
  };
  Result<std::vector<store::Mailbox>> listing = store.list_mailboxes(user_id_);
  if (!listing) return failed(listing.status());
  if (listing->empty()) return error(Code::not_found, "no such user");
  // Every mailbox listed or in the cursor, by id.
  std::map<int64_t, const store::Mailbox*> mailboxes;
  for (const store::Mailbox& mailbox : *listing) mailboxes[mailbox.id] = &mailbox;
  for (const FeedMailbox& entry : before.mailboxes) {
    mailboxes.try_emplace(entry.mailbox_id, nullptr);
  }
  std::vector<FeedEvent> events;
  for (const auto& [id, listed] : mailboxes) {
    if (events.size() >= max_events) {
      std::lock_guard lock(mutex_);
      pending_ = true;
      break;
    }
    // Rows above the listing's highest MODSEQ were committed after it and
    // announced by a beacon that makes another read: none is missed.
    const FeedMailbox* known = seen(id);
    if (listed != nullptr && known != nullptr && known->modseq >= listed->highest_modseq) continue;
    Status status = read_mailbox(store, id, listed, events);
    if (!status.is_ok()) return failed(status);
  }
  return events;
}

}  // namespace eider::mail
