// SEARCH and UID SEARCH, with ESEARCH (RFC 4731) and MODSEQ (RFC 7162).
#include <algorithm>

#include "imap/search_eval.h"
#include "imap/search_run.h"
#include "imap/session.h"

namespace eider::imap {

namespace asio = boost::asio;

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

}  // namespace eider::imap
