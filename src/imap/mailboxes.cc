// The commands on mailboxes as a whole: CREATE, DELETE, RENAME,
// SUBSCRIBE/UNSUBSCRIBE, LIST/LSUB (with LIST-EXTENDED and LIST-STATUS),
// STATUS and NAMESPACE.
#include <algorithm>
#include <unordered_map>

#include "core/ascii.h"
#include "imap/mailbox_list.h"
#include "imap/mailbox_name.h"
#include "imap/quota_response.h"
#include "imap/session.h"
#include "mail/names.h"

namespace eider::imap {

namespace asio = boost::asio;

namespace {

// RFC 6154 attributes a mailbox can be created with. \All and \Flagged
// name virtual mailboxes, which Eider does not have.
constexpr std::array<std::string_view, 5> kCreatableSpecialUse = {"\\Archive", "\\Drafts", "\\Junk",
                                                                  "\\Sent", "\\Trash"};

// `s` as an IMAP quoted string (mailbox names are printable ASCII on the wire).
std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

// What STATUS and LIST-STATUS (RFC 5819) answer beyond the mailbox row.
struct MessageCounts {
  uint64_t unseen = 0;
  uint64_t recent = 0;
  uint64_t deleted = 0;        // messages flagged \Deleted (RFC 9051 DELETED)
  uint64_t deleted_bytes = 0;  // their sizes as delivered (RFC 9208 DELETED-STORAGE)
};

bool asks_any(const std::vector<StatusItem>& items, StatusItem a, StatusItem b) {
  return std::any_of(items.begin(), items.end(),
                     [&](StatusItem item) { return item == a || item == b; });
}

// On a store thread. Reads the SELECT state (select_cache.h) only for
// UNSEEN or RECENT, so STATUS (MESSAGES UIDNEXT) reads the mailbox row
// alone, and STATUS UNSEEN on an unchanged mailbox reads nothing more;
// DELETED and DELETED-STORAGE list the mailbox's message rows.
Result<MessageCounts> count_messages(store::Store& store, SelectCache& cache, int64_t user,
                                     const store::Mailbox& mailbox,
                                     const std::vector<StatusItem>& items) {
  MessageCounts counts;
  if (asks_any(items, StatusItem::unseen, StatusItem::recent)) {
    Result<SelectState> state = cache.load(store, user, mailbox);
    if (!state) return state.status();
    counts.unseen = state->unseen;
    counts.recent = state->uids.count_between(mailbox.recent_uid, UINT32_MAX);
  }
  if (asks_any(items, StatusItem::deleted, StatusItem::deleted_storage)) {
    Result<std::vector<store::MessageInfo>> flagged =
        store.list_flagged(user, mailbox.id, "\\Deleted");
    if (!flagged) return flagged.status();
    for (const store::MessageInfo& info : *flagged) {
      ++counts.deleted;
      counts.deleted_bytes += info.size;
    }
  }
  return counts;
}

// The store counts only the messages no session has claimed as \Recent yet
// (UIDs from recent_uid on); in the selected mailbox this session's own
// claims, all below recent_uid, are \Recent too (RFC 3501 6.3.10 counts the
// messages with the flag, and FETCH FLAGS shows it here), so STATUS and
// LIST-STATUS agree with the session's RECENT line.
MessageCounts with_own_recent(MessageCounts counts, const store::Mailbox& mailbox,
                              const std::optional<MailboxView>& view) {
  if (view && view->mailbox_id() == mailbox.id) {
    counts.recent += view->recent_count_below(mailbox.recent_uid);
  }
  return counts;
}

// `* STATUS name (item value ...)` with the items in the order asked.
// SIZE is read by the parser for an extension not offered, and left out.
// APPENDLIMIT (RFC 7889) is the server-wide limit for every mailbox;
// DELETED-STORAGE (RFC 9208) is in KiB, rounded up as QUOTA's STORAGE.
void append_status_line(std::string& out, const store::Mailbox& mailbox,
                        const MessageCounts& counts, const std::vector<StatusItem>& items,
                        uint64_t append_limit, std::string_view fallback_name) {
  std::string values;
  for (StatusItem item : items) {
    uint64_t value = 0;
    switch (item) {
      case StatusItem::messages:
        value = mailbox.message_count;
        break;
      case StatusItem::recent:
        value = counts.recent;
        break;
      case StatusItem::uidnext:
        value = mailbox.uidnext;
        break;
      case StatusItem::uidvalidity:
        value = mailbox.uidvalidity;
        break;
      case StatusItem::unseen:
        value = counts.unseen;
        break;
      case StatusItem::highestmodseq:
        value = mailbox.highest_modseq;
        break;
      case StatusItem::appendlimit:
        value = append_limit;
        break;
      case StatusItem::deleted:
        value = counts.deleted;
        break;
      case StatusItem::deleted_storage:
        value = kibibytes_rounded_up(counts.deleted_bytes);
        break;
      case StatusItem::size:
        continue;
    }
    if (!values.empty()) values += ' ';
    values += status_item_name(item);
    values += ' ';
    values += std::to_string(value);
  }
  Result<std::string> wire = encode_mailbox_name(mailbox.path);
  out += "* STATUS " + quoted(wire ? *wire : fallback_name) + " (" + values + ")\r\n";
}

}  // namespace

asio::awaitable<void> Session::create(const Command& command) {
  const auto& args = std::get<Create>(command.arguments);
  std::string_view wire = args.mailbox;
  // RFC 3501 6.3.3: a trailing delimiter only says the name will have children.
  while (wire.size() > 1 && wire.back() == '/') wire.remove_suffix(1);
  std::optional<std::string> path = mailbox_path(command, wire, true);
  if (!path) co_return;
  std::string special_use;
  if (args.special_use.size() > 1) co_return no(command, "[USEATTR] Only one special use allowed");
  if (args.special_use.size() == 1) {
    for (std::string_view known : kCreatableSpecialUse) {
      if (core::iequals(args.special_use[0], known)) special_use = known;
    }
    if (special_use.empty()) {
      co_return no(command, "[USEATTR] Special use not supported: " + args.special_use[0]);
    }
  }
  if (*path == mail::kInbox) co_return no(command, "[ALREADYEXISTS] INBOX always exists");
  mail::Mail& mail = services_.mail;
  const int64_t user = user_id_;
  Result<store::Mailbox> created =
      co_await services_.executor.run([&mail, user, &path, &special_use]() {
        // RFC 3501 6.3.3: superior names are created as needed. They are
        // not subscribed: the client named none of them (so LSUB "a/%"
        // after CREATE a/b/c shows a/b \Noselect), as in Dovecot.
        for (std::size_t slash = path->find('/'); slash != std::string::npos;
             slash = path->find('/', slash + 1)) {
          std::string parent_path = path->substr(0, slash);
          Result<store::Mailbox> parent = mail.create_mailbox(user, parent_path);
          if (!parent && parent.status().code() != Code::already_exists) return parent;
          if (parent) {
            Status unsubscribed = mail.subscribe(user, parent_path, false);
            if (!unsubscribed.is_ok()) return Result<store::Mailbox>(unsubscribed);
          }
        }
        return mail.create_mailbox(user, *path, special_use);
      });
  if (!created) co_return fail(command, created.status());
  ok(command, "CREATE completed");
}

asio::awaitable<void> Session::delete_mailbox(const Command& command) {
  const auto& args = std::get<MailboxArgument>(command.arguments);
  std::optional<std::string> path = mailbox_path(command, args.mailbox);
  if (!path) co_return;
  if (*path == mail::kInbox) co_return no(command, "[CANNOT] INBOX cannot be deleted");
  mail::Mail& mail = services_.mail;
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  struct Deleted {
    int64_t mailbox_id = 0;
    Status status;
  };
  Deleted deleted = co_await services_.executor.run([&mail, &store, user, &path] {
    Result<store::Mailbox> mailbox = store.find_mailbox(user, *path);
    if (!mailbox) return Deleted{0, mailbox.status()};
    return Deleted{mailbox->id, mail.delete_mailbox(user, *path)};
  });
  if (!deleted.status.is_ok()) co_return fail(command, deleted.status);
  // Deleting the selected mailbox leaves nothing selected (RFC 9051 6.3.4).
  if (view_ && view_->mailbox_id() == deleted.mailbox_id) unselect();
  ok(command, "DELETE completed");
}

asio::awaitable<void> Session::rename(const Command& command) {
  const auto& args = std::get<Rename>(command.arguments);
  std::optional<std::string> from = mailbox_path(command, args.from);
  if (!from) co_return;
  std::optional<std::string> to = mailbox_path(command, args.to, true);
  if (!to) co_return;
  if (*to == mail::kInbox) co_return no(command, "[ALREADYEXISTS] INBOX always exists");
  mail::Mail& mail = services_.mail;
  const int64_t user = user_id_;
  Status renamed = co_await services_.executor.run(
      [&mail, user, &from, &to] { return mail.rename_mailbox(user, *from, *to); });
  if (!renamed.is_ok()) co_return fail(command, renamed);
  ok(command, "RENAME completed");
}

asio::awaitable<void> Session::subscribe(const Command& command, bool subscribed) {
  const auto& args = std::get<MailboxArgument>(command.arguments);
  std::optional<std::string> path = mailbox_path(command, args.mailbox, subscribed);
  if (!path) co_return;
  mail::Mail& mail = services_.mail;
  const int64_t user = user_id_;
  Status done = co_await services_.executor.run(
      [&mail, user, &path, subscribed] { return mail.subscribe(user, *path, subscribed); });
  if (!done.is_ok()) co_return fail(command, done);
  ok(command, subscribed ? "SUBSCRIBE completed" : "UNSUBSCRIBE completed");
}

asio::awaitable<void> Session::list(const Command& command, bool lsub) {
  const auto& args = std::get<List>(command.arguments);
  auto has = [](const std::vector<std::string>& options, std::string_view option) {
    return std::find(options.begin(), options.end(), option) != options.end();
  };
  ListRequest request;
  request.lsub = lsub;
  const std::string_view name = lsub ? "LSUB" : "LIST";
  // A reference or pattern that is not modified UTF-7 matches no mailbox
  // name (every stored name encodes): it adds nothing to the answer.
  Result<std::string> reference = decode_mailbox_name(args.reference);
  if (!reference) co_return ok(command, std::string(name) + " completed");
  request.reference = *reference;
  for (const std::string& pattern : args.patterns) {
    Result<std::string> utf8 = decode_mailbox_name(pattern);
    if (utf8) request.patterns.push_back(*utf8);
  }
  if (request.patterns.empty()) co_return ok(command, std::string(name) + " completed");
  if (!lsub && args.selection.empty() && request.patterns.size() == 1 &&
      request.patterns[0].empty()) {
    // RFC 3501 6.3.8: an empty pattern asks for the delimiter and root.
    append_list_line(out_, ListEntry{"", {"\\Noselect"}, false, {}}, false);
    co_return ok(command, "LIST completed");
  }
  request.subscribed_only = lsub || has(args.selection, "SUBSCRIBED");
  request.return_subscribed = has(args.returns, "SUBSCRIBED") || has(args.selection, "SUBSCRIBED");
  request.special_use_only = has(args.selection, "SPECIAL-USE");
  request.recursive_match = has(args.selection, "RECURSIVEMATCH");
  request.return_children = !lsub;
  // LIST-STATUS (RFC 5819): a STATUS line after each mailbox that can be
  // selected, counted as the STATUS command counts.
  const bool with_status = !lsub && has(args.returns, "STATUS");

  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const bool with_lost = request.subscribed_only;
  struct Listed {
    Result<std::vector<store::Mailbox>> mailboxes;
    Result<std::vector<std::string>> lost = std::vector<std::string>{};
  };
  Listed listed = co_await services_.executor.run([&store, user, with_lost] {
    Listed result{store.list_mailboxes(user)};
    if (result.mailboxes && with_lost) result.lost = store.list_lost_subscriptions(user);
    return result;
  });
  if (!listed.mailboxes) co_return fail(command, listed.mailboxes.status());
  if (!listed.lost) co_return fail(command, listed.lost.status());
  const std::vector<store::Mailbox>* mailboxes = &*listed.mailboxes;
  std::vector<ListEntry> entries = list_mailboxes(*mailboxes, request, *listed.lost);
  // The mailbox behind each entry that gets a STATUS line, else null.
  std::vector<const store::Mailbox*> status_of(entries.size(), nullptr);
  if (with_status) {
    std::unordered_map<std::string_view, const store::Mailbox*> by_path;
    for (const store::Mailbox& mailbox : *mailboxes) by_path.emplace(mailbox.path, &mailbox);
    for (std::size_t i = 0; i < entries.size(); ++i) {
      auto found = by_path.find(entries[i].name);
      if (entries[i].exists && found != by_path.end()) status_of[i] = found->second;
    }
  }
  const std::vector<StatusItem>& items = args.status_items;
  Result<std::vector<MessageCounts>> counts = std::vector<MessageCounts>(entries.size());
  if (with_status) {
    SelectCache& cache = services_.select_cache;
    counts = co_await services_.executor.run([&store, &cache, user, &status_of, &items] {
      std::vector<MessageCounts> result(status_of.size());
      for (std::size_t i = 0; i < status_of.size(); ++i) {
        if (status_of[i] == nullptr) continue;
        Result<MessageCounts> one = count_messages(store, cache, user, *status_of[i], items);
        if (!one) return Result<std::vector<MessageCounts>>(one.status());
        result[i] = *one;
      }
      return Result<std::vector<MessageCounts>>(std::move(result));
    });
  }
  if (!counts) co_return fail(command, counts.status());
  for (std::size_t i = 0; i < entries.size(); ++i) {
    append_list_line(out_, entries[i], lsub);
    if (status_of[i] != nullptr) {
      append_status_line(out_, *status_of[i], with_own_recent((*counts)[i], *status_of[i], view_),
                         args.status_items, settings_.limits.max_message_size, status_of[i]->path);
    }
  }
  ok(command, std::string(name) + " completed");
}

asio::awaitable<void> Session::status(const Command& command) {
  const auto& args = std::get<StatusRequest>(command.arguments);
  std::optional<std::string> path = mailbox_path(command, args.mailbox);
  if (!path) co_return;
  // RFC 7162 3.1: STATUS (HIGHESTMODSEQ) turns CONDSTORE on.
  condstore_ = condstore_ || std::find(args.items.begin(), args.items.end(),
                                       StatusItem::highestmodseq) != args.items.end();
  struct Counted {
    Result<store::Mailbox> mailbox;
    Result<MessageCounts> counts = MessageCounts{};
  };
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  SelectCache& cache = services_.select_cache;
  const std::vector<StatusItem>& items = args.items;
  Counted counted = co_await services_.executor.run([&store, &cache, user, &path, &items] {
    Counted result{store.find_mailbox(user, *path)};
    if (result.mailbox) {
      result.counts = count_messages(store, cache, user, *result.mailbox, items);
    }
    return result;
  });
  if (!counted.mailbox) {
    if (counted.mailbox.status().code() == Code::not_found) {
      co_return no(command, "[NONEXISTENT] Mailbox does not exist: " + *path);
    }
    co_return fail(command, counted.mailbox.status());
  }
  if (!counted.counts) co_return fail(command, counted.counts.status());
  append_status_line(out_, *counted.mailbox,
                     with_own_recent(*counted.counts, *counted.mailbox, view_), args.items,
                     settings_.limits.max_message_size, args.mailbox);
  ok(command, "STATUS completed");
}

void Session::namespace_(const Command& command) {
  out_ += "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n";
  ok(command, "NAMESPACE completed");
}

}  // namespace eider::imap
