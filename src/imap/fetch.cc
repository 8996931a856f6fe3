// FETCH and UID FETCH (with CHANGEDSINCE and VANISHED): which messages, then
// one of three ways to answer them (fetch_response.h renders each).
#include <algorithm>

#include "imap/fetch_response.h"
#include "imap/session.h"
#include "mime/message.h"
#include "mime/tree.h"
#include "store/flags.h"

namespace eider::imap {

namespace asio = boost::asio;

namespace {

// Messages loaded and answered per store call: bounds the memory of a large
// FETCH or SEARCH to one batch of messages.
constexpr std::size_t kContentBatch = 64;
constexpr std::size_t kInfoBatch = 4096;
// Output that makes a long FETCH send what it has so far.
constexpr std::size_t kFlushAt = 256 * 1024;
// The buffer a FETCH of more than kFetchOneBuffer messages reserves at once:
// room for kFlushAt and a batch of bodies beyond it, and below the mmap
// threshold `eider serve` sets (512 KiB). Grown by doubling, it passed that
// threshold, and each such FETCH mapped and faulted in a fresh buffer (288
// page faults in a 10 ms UID FETCH 1:* of 100,000 messages).
constexpr std::size_t kLongFetchBuffer = 480 * 1024;
constexpr std::size_t kFetchOneBuffer = 256;
// A FETCH of flags from the SELECT cache records what it told of at most
// this many messages (MailboxView::told), so that older journal rows do not
// take their flags back; a larger one, a whole mailbox refreshed while other
// sessions change it, is not worth an entry per message until the next sync.
constexpr std::size_t kMaxToldFromCache = 4096;

mime::Limits parse_limits(const core::Limits& limits) {
  mime::Limits result;
  result.max_depth = static_cast<uint32_t>(std::min<uint64_t>(limits.max_mime_depth, UINT32_MAX));
  result.max_parts = static_cast<uint32_t>(std::min<uint64_t>(limits.max_mime_parts, UINT32_MAX));
  return result;
}

// One message of a FETCH or SEARCH as the session knows it.
struct Wanted {
  uint32_t seq = 0;
  uint32_t uid = 0;
  bool recent = false;
  bool add_flags = false;  // \Seen was just set by this FETCH
};

struct Rendered {
  Status status;
  uint32_t missing = 0;  // asked for, but expunged meanwhile
  // A message render_fetch could not answer (BINARY of a part it cannot
  // decode): the FETCH stops there.
  Status refused;
};

// Whether a FETCH answer carries MODSEQ: asked for, or added by CONDSTORE.
bool shows_modseq(const std::vector<FetchAttribute>& attributes, const FetchOptions& options) {
  return options.with_modseq ||
         std::any_of(attributes.begin(), attributes.end(),
                     [](const FetchAttribute& a) { return a.item == FetchItem::mod_seq; });
}

// Loads one batch and appends its FETCH responses to `out`; runs on a store
// thread while the session waits, so `out` (the session's output buffer) is
// not touched by anyone else meanwhile, and rendering into it saves a copy
// of every body sent. With `view` (the session's, as idle as `out`), new
// keywords are announced before the message that shows them and what was
// shown is recorded (MailboxView::told).
Rendered render_batch(store::Store& store, int64_t user, int64_t mailbox,
                      const std::vector<Wanted>& batch, const FetchRequest& request,
                      const FetchPlan& plan, const FetchOptions& base, const mime::Limits& limits,
                      std::string& out, MailboxView* view) {
  Rendered result;
  std::vector<uint32_t> uids;
  uids.reserve(batch.size());
  for (const Wanted& wanted : batch) uids.push_back(wanted.uid);
  Result<std::vector<store::StoredMessage>> loaded =
      store.read_messages(user, mailbox, uids, plan.content);
  if (!loaded) {
    result.status = loaded.status();
    return result;
  }
  auto read_blob = [&store](const mime::BlobKey& key) { return store.read_blob(key); };
  std::size_t next = 0;
  for (const Wanted& wanted : batch) {
    while (next < loaded->size() && (*loaded)[next].info.uid < wanted.uid) ++next;
    if (next == loaded->size() || (*loaded)[next].info.uid != wanted.uid) {
      ++result.missing;
      continue;
    }
    const store::StoredMessage& stored = (*loaded)[next];
    FetchMessage message;
    message.seq = wanted.seq;
    message.info = &stored.info;
    message.recent = wanted.recent;
    message.stored = &stored;
    FetchOptions options = base;
    options.add_flags = wanted.add_flags;
    std::string raw;
    mime::Message parsed;
    if (plan.content) {
      Result<std::string> rebuilt = mime::rebuild(stored.tree, read_blob);
      if (!rebuilt) {
        result.status = rebuilt.status();
        return result;
      }
      raw = std::move(rebuilt).value();
      message.raw = raw;
    }
    if (plan.parse) {
      parsed = mime::parse(raw, limits);
      message.parsed = &parsed;
    }
    const bool shows_flags = plan.flags || wanted.add_flags;
    if (view != nullptr && shows_flags) view->keywords().announce(stored.info.flags, out);
    result.refused = render_fetch(out, message, request.attributes, options);
    if (!result.refused.is_ok()) return result;
    if (view != nullptr && (shows_flags || shows_modseq(request.attributes, options))) {
      view->told(stored.info.uid, stored.info.modseq,
                 shows_flags ? MailboxView::Shown::flags : MailboxView::Shown::modseq);
    }
  }
  return result;
}

// The text of the NO for a message render_fetch refused (RFC 3516 4.3).
std::string refusal(const Status& refused) {
  const bool unknown = refused.code() == Code::unsupported;
  return (unknown ? "[UNKNOWN-CTE] " : "[CANNOT] ") + refused.message();
}

// The messages of a FETCH, ascending by UID; `now_seen` (ascending) got
// \Seen from this FETCH.
std::vector<Wanted> wanted_of(const MailboxView& view, const std::vector<uint32_t>& uids,
                              const std::vector<uint32_t>& now_seen) {
  std::vector<Wanted> wanted;
  wanted.reserve(uids.size());
  for (uint32_t uid : uids) {
    wanted.push_back(Wanted{view.uids().seq_of(uid), uid, view.is_recent(uid),
                            std::binary_search(now_seen.begin(), now_seen.end(), uid)});
  }
  return wanted;
}

struct Match {
  const Wanted* wanted;
  std::size_t row;
};

// Pairs each message of `wanted` (ascending by UID) with its row in `listed`
// (ascending too); a message without one was expunged meanwhile and counts
// in `missing`.
template <typename Row>
std::vector<Match> match_rows(const std::vector<Wanted>& wanted, const std::vector<Row>& listed,
                              uint32_t& missing) {
  std::vector<Match> matches;
  matches.reserve(listed.size());
  std::size_t next = 0;
  for (const Wanted& one : wanted) {
    while (next < listed.size() && listed[next].uid < one.uid) ++next;
    if (next == listed.size() || listed[next].uid != one.uid) {
      ++missing;
      continue;
    }
    matches.push_back(Match{&one, next});
  }
  return matches;
}

// Where a FETCH's answer is read from.
enum class FetchSource { select_cache, listing, messages };

// UID and FLAGS alone come from the SELECT cache, which is kept current
// from the journal: no message row is read (select_cache.h). It has no
// MODSEQ, which CONDSTORE adds to FLAGS. Dates, sizes and MODSEQ come from
// one listing; anything else from the message rows.
FetchSource source_of(const FetchPlan& plan, const FetchOptions& options) {
  if (!plan.content && !plan.stored && !plan.info && !options.with_modseq) {
    return FetchSource::select_cache;
  }
  if (!plan.content && !plan.stored) return FetchSource::listing;
  return FetchSource::messages;
}

}  // namespace

asio::awaitable<void> Session::fetch(const Command& command) {
  const auto& request = std::get<FetchRequest>(command.arguments);
  if (request.vanished && (!command.uid || !qresync_)) {
    co_return bad(command, "VANISHED needs UID FETCH and ENABLE QRESYNC");
  }
  std::optional<std::vector<uint32_t>> uids = resolve(request.set, command.uid);
  if (!uids) co_return bad(command, "Invalid message sequence number");
  const FetchPlan plan = plan_fetch(request.attributes);
  const bool asks_modseq =
      std::any_of(request.attributes.begin(), request.attributes.end(),
                  [](const FetchAttribute& a) { return a.item == FetchItem::mod_seq; });
  condstore_ = condstore_ || asks_modseq || request.changed_since.has_value();
  store::Store& store = services_.store;
  mail::Mail& mail = services_.mail;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();

  if (request.changed_since) {
    const uint64_t since = *request.changed_since;
    if (request.vanished) {
      const ResolvedSet scope(request.set, view_->uids().max_uid());
      Status told = co_await tell_changes_since(since, scope.ranges(), 0, false);
      if (!told) co_return fail(command, told);
    }
    // RFC 7162 3.1.4: only the messages whose modseq is above CHANGEDSINCE.
    Result<std::vector<store::MessageInfo>> changed = co_await services_.executor.run(
        [&store, user, mailbox, since] { return store.list_changed_since(user, mailbox, since); });
    if (!changed) co_return fail(command, changed.status());
    std::vector<uint32_t> changed_uids;  // ascending, as listed
    changed_uids.reserve(changed->size());
    for (const store::MessageInfo& info : *changed) changed_uids.push_back(info.uid);
    std::erase_if(*uids, [&changed_uids](uint32_t uid) {
      return !std::binary_search(changed_uids.begin(), changed_uids.end(), uid);
    });
  }

  const FetchOptions options{.uid = command.uid,
                             .with_modseq = request.changed_since.has_value() ||
                                            (condstore_ && (plan.flags || plan.sets_seen))};
  const mime::Limits limits = parse_limits(settings_.limits);

  // RFC 3501 6.4.5: BODY[...] sets \Seen; the new flags go out with the data.
  const bool sets_seen = plan.sets_seen && !view_->read_only() && !uids->empty();
  if (sets_seen && plan.binary) {
    // A BINARY that ends in NO ([UNKNOWN-CTE], [CANNOT]) must leave \Seen
    // alone, and only rendering tells: a rehearsal into a scratch buffer
    // first. It doubles the work of a non-PEEK BINARY, which clients send
    // for one message at a time.
    const std::vector<Wanted> wanted = wanted_of(*view_, *uids, {});
    for (std::size_t begin = 0; begin < wanted.size(); begin += kContentBatch) {
      std::vector<Wanted> batch(wanted.begin() + begin,
                                wanted.begin() + std::min(wanted.size(), begin + kContentBatch));
      Rendered rendered = co_await services_.executor.run(
          [&store, user, mailbox, &batch, &request, &plan, &options, &limits] {
            std::string scratch;
            return render_batch(store, user, mailbox, batch, request, plan, options, limits,
                                scratch, nullptr);
          });
      if (!rendered.status.is_ok()) co_return fail(command, rendered.status);
      if (!rendered.refused.is_ok()) co_return no(command, refusal(rendered.refused));
    }
  }
  std::vector<uint32_t> now_seen;
  if (sets_seen) {
    Result<std::vector<store::MessageInfo>> changed =
        co_await services_.executor.run([&mail, user, mailbox, &uids] {
          return mail.set_flags(user, mailbox, *uids, store::FlagMode::add, {"\\Seen"});
        });
    if (!changed) co_return fail(command, changed.status());
    for (const store::MessageInfo& info : *changed) now_seen.push_back(info.uid);
  }

  if (uids->size() > kFetchOneBuffer) out_.reserve(kLongFetchBuffer);
  std::optional<uint32_t> missing;
  switch (source_of(plan, options)) {
    case FetchSource::select_cache:
      missing = co_await fetch_from_cache(command, request, plan, options, *uids);
      break;
    case FetchSource::listing:
      missing = co_await fetch_from_listing(command, request, plan, options, *uids, now_seen);
      break;
    case FetchSource::messages:
      missing = co_await fetch_messages(command, request, plan, options, *uids, now_seen);
      break;
  }
  if (!missing) co_return;
  if (*missing > 0 && !command.uid) {
    // Another session expunged some of them; this one still numbers them
    // until it may say EXPUNGE (as Dovecot answers).
    co_return no(command, "[EXPUNGEISSUED] Some of the requested messages no longer exist");
  }
  ok(command, command.uid ? "UID FETCH completed" : "FETCH completed");
}

asio::awaitable<std::optional<uint32_t>> Session::fetch_from_cache(
    const Command& command, const FetchRequest& request, const FetchPlan& plan,
    const FetchOptions& options, const std::vector<uint32_t>& uids) {
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  uint32_t missing = 0;
  SelectCache& cache = services_.select_cache;
  const uint32_t uidvalidity = view_->uidvalidity();
  Result<SelectCache::FlagsOf> flags =
      co_await services_.executor.run([&cache, &store, user, mailbox, uidvalidity, &uids] {
        return cache.flags(store, user, mailbox, uidvalidity, uids);
      });
  if (!flags) {
    fail(command, flags.status());
    co_return std::nullopt;
  }
  // One MessageInfo per flag list, split once: a large mailbox has few.
  std::vector<store::MessageInfo> infos(flags->lists.size());
  for (std::size_t i = 0; i < infos.size(); ++i)
    infos[i].flags = store::split_flags(flags->lists[i]);
  if (plan.flags) {
    // Only the lists of the messages answered: keywords of others wait
    // until a response shows them.
    std::vector<bool> used(infos.size(), false);
    for (const uint32_t list : flags->list_of) {
      if (list != SelectCache::FlagsOf::kGone) used[list] = true;
    }
    for (std::size_t i = 0; i < infos.size(); ++i) {
      if (used[i]) announce_keywords(infos[i].flags);
    }
  }
  FetchMessage message;
  for (std::size_t i = 0; i < uids.size(); ++i) {
    const uint32_t list = flags->list_of[i];
    if (list == SelectCache::FlagsOf::kGone) {
      ++missing;
      continue;
    }
    const uint32_t uid = uids[i];
    infos[list].uid = uid;
    message.info = &infos[list];
    message.seq = view_->uids().seq_of(uid);
    message.recent = view_->is_recent(uid);
    render_metadata(out_, message, request.attributes, options);
    if (plan.flags && uids.size() <= kMaxToldFromCache) {
      view_->told(uid, flags->modseq, MailboxView::Shown::flags);
    }
    if (out_.size() >= kFlushAt && !co_await flush(Flush::keep_buffer)) co_return std::nullopt;
  }
  co_return missing;
}

asio::awaitable<std::optional<uint32_t>> Session::fetch_from_listing(
    const Command& command, const FetchRequest& request, const FetchPlan& plan,
    const FetchOptions& options, const std::vector<uint32_t>& uids,
    const std::vector<uint32_t>& now_seen) {
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  uint32_t missing = 0;
  const std::vector<Wanted> wanted = wanted_of(*view_, uids, now_seen);
  // Dates, sizes and MODSEQ come from one listing of the UIDs asked for.
  const uint32_t first = wanted.empty() ? 1 : wanted.front().uid;
  const uint32_t last = wanted.empty() ? 0 : wanted.back().uid;
  Result<std::vector<store::MessageInfo>> listed =
      co_await services_.executor.run([&store, user, mailbox, first, last] {
        return store.list_messages_between(user, mailbox, first, last);
      });
  if (!listed) {
    fail(command, listed.status());
    co_return std::nullopt;
  }
  for (const Match& match : match_rows(wanted, *listed, missing)) {
    FetchMessage message;
    message.seq = match.wanted->seq;
    message.info = &(*listed)[match.row];
    message.recent = match.wanted->recent;
    FetchOptions each = options;
    each.add_flags = match.wanted->add_flags;
    const bool shows_flags = plan.flags || each.add_flags;
    if (shows_flags) announce_keywords(message.info->flags);
    render_metadata(out_, message, request.attributes, each);
    if (shows_flags || shows_modseq(request.attributes, each)) {
      view_->told(message.info->uid, message.info->modseq,
                  shows_flags ? MailboxView::Shown::flags : MailboxView::Shown::modseq);
    }
    if (out_.size() >= kFlushAt && !co_await flush(Flush::keep_buffer)) co_return std::nullopt;
  }
  co_return missing;
}

asio::awaitable<std::optional<uint32_t>> Session::fetch_messages(
    const Command& command, const FetchRequest& request, const FetchPlan& plan,
    const FetchOptions& options, const std::vector<uint32_t>& uids,
    const std::vector<uint32_t>& now_seen) {
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  uint32_t missing = 0;
  const mime::Limits limits = parse_limits(settings_.limits);
  const std::vector<Wanted> wanted = wanted_of(*view_, uids, now_seen);
  const std::size_t batch_size = plan.content ? kContentBatch : kInfoBatch;
  for (std::size_t begin = 0; begin < wanted.size(); begin += batch_size) {
    std::vector<Wanted> batch(wanted.begin() + begin,
                              wanted.begin() + std::min(wanted.size(), begin + batch_size));
    std::string& out = out_;
    // The view is the session's, which waits meanwhile (as for `out`).
    MailboxView* view = &*view_;
    Rendered rendered = co_await services_.executor.run([&store, user, mailbox, &batch, &request,
                                                         &plan, &options, &limits, &out, view] {
      return render_batch(store, user, mailbox, batch, request, plan, options, limits, out, view);
    });
    if (!rendered.status.is_ok()) {
      fail(command, rendered.status);
      co_return std::nullopt;
    }
    missing += rendered.missing;
    if (!rendered.refused.is_ok()) {
      no(command, refusal(rendered.refused));
      co_return std::nullopt;
    }
    if (out_.size() >= kFlushAt && !co_await flush(Flush::keep_buffer)) co_return std::nullopt;
  }
  co_return missing;
}

}  // namespace eider::imap
