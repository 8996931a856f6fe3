// The selected-state commands (FETCH, SEARCH, COPY, MOVE, EXPUNGE, CLOSE,
// IDLE) and the journal sync that keeps the session's view current. STORE
// is in session_store.cc.
#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/ascii.h"
#include "core/log.h"
#include "imap/fetch_response.h"
#include "imap/mailbox_name.h"
#include "imap/search_eval.h"
#include "imap/search_run.h"
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
// Bytes read while idling, where only "DONE" is expected.
constexpr std::size_t kIdleReadChunk = 64;
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

}  // namespace

std::optional<std::vector<uint32_t>> Session::resolve(const SequenceSet& set, bool uid) const {
  const UidList& uids = view_->uids();
  std::vector<uint32_t> result;
  if (uid) {
    const ResolvedSet resolved(set, uids.max_uid());
    for (const SeqRange& range : resolved.ranges()) {
      std::vector<uint32_t> part = uids.uids_between(range.first, range.last);
      result.insert(result.end(), part.begin(), part.end());
    }
    return result;
  }
  ResolvedSet resolved(set, uids.size());
  if (resolved.max() > uids.size()) return std::nullopt;
  for (const SeqRange& range : resolved.ranges()) {
    for (uint32_t seq = range.first; seq <= range.last && seq != 0; ++seq) {
      result.push_back(uids.uid_at(seq));
      if (seq == UINT32_MAX) break;
    }
  }
  return result;
}

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

  uint32_t missing = 0;
  if (uids->size() > kFetchOneBuffer) out_.reserve(kLongFetchBuffer);

  if (!plan.content && !plan.stored && !plan.info && !options.with_modseq) {
    // UID and FLAGS alone come from the SELECT cache, which is kept current
    // from the journal: no message row is read (select_cache.h). It has no
    // MODSEQ, which CONDSTORE adds to FLAGS.
    SelectCache& cache = services_.select_cache;
    const uint32_t uidvalidity = view_->uidvalidity();
    Result<SelectCache::FlagsOf> flags =
        co_await services_.executor.run([&cache, &store, user, mailbox, uidvalidity, &uids] {
          return cache.flags(store, user, mailbox, uidvalidity, *uids);
        });
    if (!flags) co_return fail(command, flags.status());
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
    for (std::size_t i = 0; i < uids->size(); ++i) {
      const uint32_t list = flags->list_of[i];
      if (list == SelectCache::FlagsOf::kGone) {
        ++missing;
        continue;
      }
      const uint32_t uid = (*uids)[i];
      infos[list].uid = uid;
      message.info = &infos[list];
      message.seq = view_->uids().seq_of(uid);
      message.recent = view_->is_recent(uid);
      render_metadata(out_, message, request.attributes, options);
      if (plan.flags && uids->size() <= kMaxToldFromCache) {
        view_->told(uid, flags->modseq, MailboxView::Shown::flags);
      }
      if (out_.size() >= kFlushAt && !co_await flush(Flush::keep_buffer)) co_return;
    }
  } else if (!plan.content && !plan.stored) {
    const std::vector<Wanted> wanted = wanted_of(*view_, *uids, now_seen);
    // Dates, sizes and MODSEQ come from one listing of the UIDs asked for.
    const uint32_t first = wanted.empty() ? 1 : wanted.front().uid;
    const uint32_t last = wanted.empty() ? 0 : wanted.back().uid;
    Result<std::vector<store::MessageInfo>> listed =
        co_await services_.executor.run([&store, user, mailbox, first, last] {
          return store.list_messages_between(user, mailbox, first, last);
        });
    if (!listed) co_return fail(command, listed.status());
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
      if (out_.size() >= kFlushAt && !co_await flush(Flush::keep_buffer)) co_return;
    }
  } else {
    const std::vector<Wanted> wanted = wanted_of(*view_, *uids, now_seen);
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
      if (!rendered.status.is_ok()) co_return fail(command, rendered.status);
      missing += rendered.missing;
      if (!rendered.refused.is_ok()) co_return no(command, refusal(rendered.refused));
      if (out_.size() >= kFlushAt && !co_await flush(Flush::keep_buffer)) co_return;
    }
  }
  if (missing > 0 && !command.uid) {
    // Another session expunged some of them; this one still numbers them
    // until it may say EXPUNGE (as Dovecot answers).
    co_return no(command, "[EXPUNGEISSUED] Some of the requested messages no longer exist");
  }
  ok(command, command.uid ? "UID FETCH completed" : "FETCH completed");
}

asio::awaitable<void> Session::search(const Command& command) {
  const auto& request = std::get<SearchRequest>(command.arguments);
  // SAVE (RFC 5182 SEARCHRES) is read by the parser but not offered, and
  // RFC 4731 3.1 answers a return option the server lacks with BAD.
  if (std::find(request.returns.begin(), request.returns.end(), "SAVE") != request.returns.end()) {
    co_return bad(command, "RETURN option SAVE is not supported");
  }
  const UidList& view_uids = view_->uids();
  Result<SearchProgram> program =
      SearchProgram::compile(request, view_uids.size(), view_uids.max_uid());
  if (!program) {
    if (program.status().code() == Code::unsupported) {
      co_return no(command, "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset");
    }
    co_return bad(command, program.status().message());
  }
  std::vector<SearchCandidate> candidates;
  candidates.reserve(view_uids.size());
  uint32_t seq = 0;
  for (const UidList::Run& run : view_uids.runs()) {
    for (uint32_t uid = run.first;; ++uid) {
      candidates.push_back(SearchCandidate{++seq, uid, view_->is_recent(uid)});
      if (uid == run.last) break;
    }
  }
  // Sequence and UID sets at the top level narrow the messages to load
  // before any content is read ("SEARCH 1:1000 SUBJECT x" reads 1,000).
  const std::vector<SearchKey> no_keys;
  for (const SearchKey& key :
       request.key.kind == SearchKey::Kind::and_ ? request.key.children : no_keys) {
    if (key.kind != SearchKey::Kind::sequence_set && key.kind != SearchKey::Kind::uid) continue;
    const bool by_uid = key.kind == SearchKey::Kind::uid;
    const ResolvedSet set(key.set, by_uid ? view_uids.max_uid() : view_uids.size());
    std::erase_if(candidates, [&](const SearchCandidate& one) {
      return !set.contains(by_uid ? one.uid : one.seq);
    });
  }
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  const bool by_uid = command.uid;
  Result<SearchHits> hits =
      co_await services_.executor.run([&store, user, mailbox, &program, &candidates, by_uid] {
        return run_search(store, user, mailbox, *program, candidates, by_uid);
      });
  if (!hits) co_return fail(command, hits.status());
  const bool with_modseq = mentions_modseq(request.key);
  condstore_ = condstore_ || with_modseq;
  const std::optional<uint64_t> modseq =
      with_modseq ? answered_modseq(*hits, request.returns) : std::nullopt;
  if (request.esearch) {
    out_ += esearch_response(command.tag, command.uid, request.returns, hits->numbers, modseq);
  } else {
    out_ += "* SEARCH";
    for (uint32_t hit : hits->numbers) out_ += " " + std::to_string(hit);
    if (modseq) out_ += " (MODSEQ " + std::to_string(*modseq) + ")";
    out_ += "\r\n";
  }
  ok(command, command.uid ? "UID SEARCH completed" : "SEARCH completed");
}

asio::awaitable<void> Session::copy(const Command& command, bool move) {
  const auto& request = std::get<Copy>(command.arguments);
  if (move && view_->read_only()) co_return no(command, "[READ-ONLY] Mailbox is read-only");
  std::optional<std::vector<uint32_t>> uids = resolve(request.set, command.uid);
  if (!uids) co_return bad(command, "Invalid message sequence number");
  std::optional<std::string> path = mailbox_path(command, request.mailbox);
  if (!path) co_return;
  const std::string_view verb = move ? "MOVE" : "COPY";
  if (uids->empty()) co_return ok(command, std::string(verb) + " completed");
  mail::Mail& mail = services_.mail;
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  struct Copied {
    Result<std::vector<store::UidPair>> pairs;
    uint32_t uidvalidity = 0;
  };
  Copied copied =
      co_await services_.executor.run([&mail, &store, user, mailbox, &uids, &path, move] {
        Copied result{move ? mail.move(user, mailbox, *uids, *path)
                           : mail.copy(user, mailbox, *uids, *path)};
        if (result.pairs) {
          Result<store::Mailbox> target = store.find_mailbox(user, *path);
          if (target) result.uidvalidity = target->uidvalidity;
        }
        return result;
      });
  if (!copied.pairs) {
    if (copied.pairs.status().code() == Code::not_found) {
      co_return no(command, "[TRYCREATE] Mailbox does not exist: " + *path);
    }
    if (copied.pairs.status().code() == Code::over_quota) {
      co_return co_await fail_over_quota(command, copied.pairs.status());
    }
    co_return fail(command, copied.pairs.status());
  }
  std::string code;
  if (!copied.pairs->empty() && copied.uidvalidity != 0) {
    std::vector<uint32_t> from;
    std::vector<uint32_t> to;
    for (const store::UidPair& pair : *copied.pairs) {
      from.push_back(pair.from);
      to.push_back(pair.to);
    }
    code = "[COPYUID " + std::to_string(copied.uidvalidity) + " " + format_sequence_set(from) +
           " " + format_sequence_set(to) + "] ";
  }
  if (move) {
    // RFC 6851 4.3: COPYUID goes in an untagged OK before the expunges.
    if (!code.empty()) out_ += "* OK " + code + "Moved\r\n";
    co_return ok(command, "MOVE completed");
  }
  ok(command, code + "COPY completed");
}

asio::awaitable<void> Session::expunge(const Command& command) {
  if (view_->read_only()) co_return no(command, "[READ-ONLY] Mailbox is read-only");
  std::optional<ResolvedSet> only;
  if (command.uid) {
    only.emplace(std::get<UidExpunge>(command.arguments).set, view_->uids().max_uid());
  }
  mail::Mail& mail = services_.mail;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  Result<std::vector<uint32_t>> expunged =
      co_await services_.executor.run([&mail, user, mailbox, &only] {
        if (!only) return mail.expunge_deleted(user, mailbox);
        return mail.expunge_deleted(user, mailbox,
                                    [&only](uint32_t uid) { return only->contains(uid); });
      });
  if (!expunged) co_return fail(command, expunged.status());
  // The EXPUNGE responses come from the journal, in execute()'s sync.
  ok(command, command.uid ? "UID EXPUNGE completed" : "EXPUNGE completed");
}

asio::awaitable<void> Session::close(const Command& command) {
  if (!view_->read_only()) {
    mail::Mail& mail = services_.mail;
    const int64_t user = user_id_;
    const int64_t mailbox = view_->mailbox_id();
    Status done = co_await services_.executor.run(
        [&mail, user, mailbox] { return mail.expunge_deleted(user, mailbox).status(); });
    if (!done.is_ok()) co_return fail(command, done);
  }
  // RFC 3501 6.4.2: no EXPUNGE responses for what CLOSE removes.
  unselect();
  ok(command, "CLOSE completed");
}

// --- IDLE and the journal sync ---

asio::awaitable<void> Session::idle(const Command& command) {
  out_ += "+ idling\r\n";
  if (!co_await flush()) co_return;
  idling_ = true;
  if (changed_) start_push();
  arm_user_check();
  release_idle_memory();
  std::optional<std::string> line = co_await read_line(kIdleReadChunk);
  idling_ = false;
  user_check_due_ = false;
  user_check_.cancel();
  if (pushing_) {
    // The push writes while this waited for DONE; only one writes at a time.
    asio::steady_timer done(connection_.executor(), asio::steady_timer::time_point::max());
    push_done_ = &done;
    co_await done.async_wait(asio::as_tuple(asio::use_awaitable));
    push_done_ = nullptr;
  }
  if (!line) {
    // The push said `* BYE Account deleted` and ended the read.
    if (state_ == State::logout) co_return;
    if (end_ != ReadEnd::more) co_return co_await say_goodbye(end_);
    co_return bad(command, "Line too long");
  }
  if (!core::iequals(*line, "DONE")) co_return bad(command, "Expected DONE");
  ok(command, "IDLE terminated");
}

void Session::on_beacon(const notify::Beacon& beacon) {
  if (!view_ || beacon.mailbox_id != view_->mailbox_id() || beacon.modseq <= view_->modseq()) {
    return;
  }
  changed_ = true;
  if (idling_ && !pushing_) start_push();
}

void Session::start_push() {
  pushing_ = true;
  asio::co_spawn(connection_.executor(), push_while_idle(), [](std::exception_ptr) {});
}

// `eider user del` in another process leaves no beacon: only a check tells.
// A plain timer, not a coroutine waiting on one, so an idle session holds
// no coroutine frame until the check is due.
void Session::arm_user_check() {
  user_check_.expires_after(user_check_interval());
  user_check_.async_wait([wake = wake_](const boost::system::error_code& error) {
    Session* session = wake->session;
    if (error || session == nullptr || !session->idling_) return;
    session->user_check_due_ = true;
    if (!session->pushing_) session->start_push();
  });
}

asio::awaitable<void> Session::push_while_idle() {
  try {
    while (idling_ && (changed_ || user_check_due_) && state_ == State::selected) {
      if (user_check_due_) {
        user_check_due_ = false;
        user_checked_ = std::chrono::steady_clock::now();
        co_await end_if_user_gone();
        if (state_ == State::logout) {
          std::string bye;
          bye.swap(out_);
          co_await connection_.write(bye);
          // Ends the read of DONE; idle() then ends the session. Closed,
          // not stop()ped: a TLS read cut short would answer with an alert.
          connection_.close();
          break;
        }
        if (idling_) arm_user_check();
        continue;
      }
      co_await sync(MailboxView::Announce::all, false);
      if (out_.empty()) continue;
      // Sent from a buffer of its own: the DONE reader may flush out_.
      std::string pushed;
      pushed.swap(out_);
      Status written = co_await connection_.write(pushed);
      if (!written.is_ok()) break;
      // The compressor (with COMPRESS) is not needed again until the next push.
      connection_.release_idle_memory();
    }
  } catch (const std::exception& error) {
    core::log_event(core::LogLevel::error, "imap.idle_push_failed",
                    {{"peer", connection_.peer()}, {"error", error.what()}});
  }
  pushing_ = false;
  if (push_done_ != nullptr) push_done_->cancel();
}

asio::awaitable<void> Session::sync(MailboxView::Announce announce, bool force) {
  if (!view_ || (!force && !changed_)) co_return;
  changed_ = false;
  store::Store& store = services_.store;
  const int64_t user = user_id_;
  const int64_t mailbox = view_->mailbox_id();
  const uint64_t since = view_->modseq();
  Result<std::vector<store::JournalEntry>> rows = co_await services_.executor.run(
      [&store, user, mailbox, since] { return store.journal_since(user, mailbox, since); });
  if (!rows && rows.status().code() == Code::out_of_range) {
    // The journal after the view was trimmed. A listing tells what changed,
    // expunges included, so it waits until they may be announced.
    if (announce == MailboxView::Announce::all) co_return co_await resync_from_listing();
    changed_ = true;
    co_return;
  }
  if (!rows) {
    core::log_event(core::LogLevel::error, "imap.journal_failed",
                    {{"peer", connection_.peer()}, {"error", rows.status().to_string()}});
    changed_ = true;
    co_return;
  }
  if (rows->empty() || !view_ || view_->mailbox_id() != mailbox) co_return;
  const uint64_t last = rows->back().modseq;
  const bool arrivals = std::any_of(rows->begin(), rows->end(), [this](const auto& row) {
    return row.kind == store::JournalKind::added && row.uid > view_->uids().max_uid();
  });
  if (arrivals && !view_->read_only()) {
    Result<store::RecentClaim> claim = co_await services_.executor.run(
        [&store, user, mailbox] { return store.claim_recent(user, mailbox); });
    if (claim && claim->first < claim->next && view_) {
      view_->add_recent(claim->first, claim->next - 1);
    }
  }
  if (!view_ || view_->mailbox_id() != mailbox) co_return;
  ViewUpdate update = view_->apply(*rows, announce, wording());
  if (!update.more) view_->advance_to(last);
  out_ += update.untagged;
  // RFC 7162 3.2.10: expunges carry no modseq, so the client learns the
  // mailbox's new one here.
  if (condstore_ && update.expunged > 0) {
    out_ += "* OK [HIGHESTMODSEQ " + std::to_string(view_->modseq()) + "] Highest\r\n";
  }
  if (update.more) changed_ = true;
  if (view_->deleted()) {
    out_ += "* BYE Selected mailbox was deleted\r\n";
    state_ = State::logout;
  }
}

}  // namespace eider::imap
