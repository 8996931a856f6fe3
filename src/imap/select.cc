// SELECT and EXAMINE (with CONDSTORE and QRESYNC), UNSELECT and CLOSE.
#include <algorithm>

#include "imap/session.h"

namespace eider::imap {

namespace asio = boost::asio;

void Session::unselect() {
  view_.reset();
  changed_ = false;
  if (state_ == State::selected) state_ = State::authenticated;
}

asio::awaitable<void> Session::select(const Command& command, bool read_only) {
  const auto& args = std::get<Select>(command.arguments);
  // RFC 7162 3.2.5: QRESYNC is refused before ENABLE QRESYNC.
  if (args.qresync && !qresync_) co_return bad(command, "QRESYNC needs ENABLE QRESYNC first");
  // RFC 7162 3.2.11: the end of the previous mailbox's responses.
  if (view_ && condstore_) out_ += "* OK [CLOSED] Previous mailbox closed\r\n";
  unselect();
  condstore_ = condstore_ || args.condstore;
  std::optional<std::string> path = mailbox_path(command, args.mailbox);
  if (!path) co_return;

  struct Opened {
    Result<store::Mailbox> mailbox;
    Result<SelectState> state = SelectState{};
    Result<store::RecentClaim> recent = store::RecentClaim{};
  };
  store::Store& store = services_.store;
  SelectCache& cache = services_.select_cache;
  const int64_t user = user_id_;
  Opened opened = co_await services_.executor.run([&store, &cache, user, &path, read_only] {
    Opened result{store.find_mailbox(user, *path)};
    if (!result.mailbox) return result;
    result.state = cache.load(store, user, *result.mailbox);
    if (result.state && !read_only) result.recent = store.claim_recent(user, result.mailbox->id);
    return result;
  });
  if (!opened.mailbox) {
    if (opened.mailbox.status().code() == Code::not_found) {
      co_return no(command, "[NONEXISTENT] Mailbox does not exist: " + *path);
    }
    co_return fail(command, opened.mailbox.status());
  }
  if (!opened.state) {
    if (opened.state.status().code() == Code::not_found) {
      co_return no(command, "[NONEXISTENT] Mailbox does not exist: " + *path);
    }
    co_return fail(command, opened.state.status());
  }
  if (!opened.recent) co_return fail(command, opened.recent.status());

  const store::Mailbox& mailbox = *opened.mailbox;
  SelectState& state = *opened.state;
  const uint32_t max_uid = state.uids.max_uid();
  const uint32_t first_unseen = state.uids.seq_of(state.first_unseen_uid);
  view_.emplace(mailbox.id, mailbox.uidvalidity, read_only, std::move(state.uids), state.modseq);
  if (opened.recent->first < opened.recent->next) {
    view_->add_recent(opened.recent->first, opened.recent->next - 1);
  }
  // EXAMINE claims nothing (RFC 3501 6.3.2), but the messages no session
  // has claimed yet are \Recent, and it reports them as STATUS does.
  if (read_only && mailbox.recent_uid <= max_uid) view_->add_recent(mailbox.recent_uid, max_uid);
  state_ = State::selected;
  view_->set_keywords(KnownKeywords(state.keywords, read_only));

  // The state may be newer than the mailbox row read before it.
  const uint32_t uidnext = std::max(mailbox.uidnext, max_uid + 1);
  out_ += view_->keywords().flags_lines();
  out_ += "* " + std::to_string(view_->exists()) + " EXISTS\r\n";
  out_ += "* " + std::to_string(view_->recent_count()) + " RECENT\r\n";
  if (first_unseen != 0) {
    out_ += "* OK [UNSEEN " + std::to_string(first_unseen) + "] First unseen\r\n";
  }
  out_ += "* OK [UIDVALIDITY " + std::to_string(mailbox.uidvalidity) + "] UIDs valid\r\n";
  out_ += "* OK [UIDNEXT " + std::to_string(uidnext) + "] Predicted next UID\r\n";
  out_ += "* OK [HIGHESTMODSEQ " + std::to_string(state.modseq) + "] Highest\r\n";
  if (args.qresync) {
    Status told = co_await qresync_select(*args.qresync, mailbox.uidvalidity);
    // A NO to SELECT leaves nothing selected (RFC 3501 6.3.1).
    if (!told) {
      unselect();
      co_return fail(command, told);
    }
  }
  ok(command, read_only ? "[READ-ONLY] EXAMINE completed" : "[READ-WRITE] SELECT completed");
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

}  // namespace eider::imap
