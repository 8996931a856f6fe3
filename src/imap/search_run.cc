#include "imap/search_run.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

#include "mime/tree.h"

namespace eider::imap {

namespace {

// Messages whose trees are read in one store call (content keys).
constexpr std::size_t kTreeBatch = 64;
// Messages listed in one store call (metadata and summary keys).
constexpr std::size_t kListBatch = 4096;

class Search {
 public:
  Search(store::Store& store, int64_t user_id, int64_t mailbox_id, const SearchProgram& program,
         bool by_uid)
      : store_(store), user_(user_id), mailbox_(mailbox_id), program_(program), by_uid_(by_uid) {}

  // Each message's bytes from its tree: all of them for BODY and TEXT, else
  // the top-level header only (no blob is read).
  Status over_trees(std::span<const SearchCandidate> some) {
    const bool whole_message = program_.needs_body();
    auto read_blob = [this](const mime::BlobKey& key) { return store_.read_blob(key); };
    for (std::size_t begin = 0; begin < some.size(); begin += kTreeBatch) {
      std::span<const SearchCandidate> batch =
          some.subspan(begin, std::min(kTreeBatch, some.size() - begin));
      std::vector<uint32_t> uids;
      for (const SearchCandidate& one : batch) uids.push_back(one.uid);
      Result<std::vector<store::StoredMessage>> loaded =
          store_.read_messages(user_, mailbox_, uids, true);
      if (!loaded) return loaded.status();
      std::size_t next = 0;
      for (const SearchCandidate& one : batch) {
        while (next < loaded->size() && (*loaded)[next].info.uid < one.uid) ++next;
        if (next == loaded->size() || (*loaded)[next].info.uid != one.uid) continue;
        Result<std::string> raw = whole_message ? mime::rebuild((*loaded)[next].tree, read_blob)
                                                : mime::leading_bytes((*loaded)[next].tree);
        if (!raw) return raw.status();
        test(one, (*loaded)[next].info, *raw);
      }
    }
    return Status::ok();
  }

  // The listing, and the summaries when content keys need them; messages
  // without a summary are searched from their trees afterwards.
  Status over_listing(std::span<const SearchCandidate> candidates) {
    const bool with_summary = program_.needs_content();
    std::vector<SearchCandidate> without_summary;
    for (std::size_t begin = 0; begin < candidates.size(); begin += kListBatch) {
      std::span<const SearchCandidate> slice =
          candidates.subspan(begin, std::min(kListBatch, candidates.size() - begin));
      const uint32_t first = slice.front().uid;
      const uint32_t last = slice.back().uid;
      Result<std::vector<store::MessageInfo>> listed =
          store_.list_messages_between(user_, mailbox_, first, last);
      if (!listed) return listed.status();
      // Both in ascending UID order, like the slice: one walk pairs them.
      std::size_t next = 0;
      std::size_t next_listed = 0;
      auto info_of = [&](uint32_t uid) -> const store::MessageInfo* {
        while (next_listed < listed->size() && (*listed)[next_listed].uid < uid) ++next_listed;
        if (next_listed == listed->size() || (*listed)[next_listed].uid != uid) return nullptr;
        return &(*listed)[next_listed];
      };
      if (!with_summary) {
        for (const SearchCandidate& one : slice) {
          if (const store::MessageInfo* info = info_of(one.uid)) test(one, *info, {});
        }
        continue;
      }
      // A candidate the walk passes without a summary is read from its tree
      // (over_trees skips it if it is gone).
      auto without_up_to = [&](uint64_t below) {
        for (; next < slice.size() && slice[next].uid < below; ++next) {
          without_summary.push_back(slice[next]);
        }
      };
      EIDER_RETURN_IF_ERROR(store_.visit_summaries(
          user_, mailbox_, first, last, [&](uint32_t uid, std::string_view summary) {
            without_up_to(uid);
            if (next == slice.size() || slice[next].uid != uid) return;
            const SearchCandidate& one = slice[next++];
            const store::MessageInfo* info = info_of(uid);
            if (info == nullptr) return;  // expunged since its summary was kept
            if (summary.empty()) {
              without_summary.push_back(one);
            } else {
              test(one, *info, summary);
            }
          }));
      without_up_to(uint64_t{UINT32_MAX} + 1);
    }
    return over_trees(without_summary);
  }

  SearchHits take_hits() {
    // Messages without a summary were tested last.
    std::sort(hits_.begin(), hits_.end());
    SearchHits hits;
    hits.numbers.reserve(hits_.size());
    hits.modseqs.reserve(hits_.size());
    for (const auto& [number, modseq] : hits_) {
      hits.numbers.push_back(number);
      hits.modseqs.push_back(modseq);
    }
    return hits;
  }

 private:
  void test(const SearchCandidate& one, const store::MessageInfo& info, std::string_view raw) {
    if (program_.matches({one.seq, &info, one.recent, raw})) {
      hits_.emplace_back(by_uid_ ? one.uid : one.seq, info.modseq);
    }
  }

  store::Store& store_;
  const int64_t user_;
  const int64_t mailbox_;
  const SearchProgram& program_;
  const bool by_uid_;
  std::vector<std::pair<uint32_t, uint64_t>> hits_;  // (number, modseq)
};

}  // namespace

bool mentions_modseq(const SearchKey& key) {
  return key.kind == SearchKey::Kind::mod_seq ||
         std::any_of(key.children.begin(), key.children.end(), mentions_modseq);
}

std::optional<uint64_t> answered_modseq(const SearchHits& hits,
                                        const std::vector<std::string>& returns) {
  if (hits.modseqs.empty()) return std::nullopt;
  auto has = [&returns](std::string_view option) {
    return std::find(returns.begin(), returns.end(), option) != returns.end();
  };
  const bool extremes_only =
      !returns.empty() && std::all_of(returns.begin(), returns.end(), [](const std::string& r) {
        return r == "MIN" || r == "MAX";
      });
  if (!extremes_only) return *std::max_element(hits.modseqs.begin(), hits.modseqs.end());
  uint64_t modseq = 0;
  if (has("MIN")) modseq = hits.modseqs.front();
  if (has("MAX")) modseq = std::max(modseq, hits.modseqs.back());
  return modseq;
}

Result<SearchHits> run_search(store::Store& store, int64_t user_id, int64_t mailbox_id,
                              const SearchProgram& program,
                              std::span<const SearchCandidate> candidates, bool by_uid) {
  Search search(store, user_id, mailbox_id, program, by_uid);
  const bool listing_suffices = !program.needs_content() || program.summary_suffices();
  Status status =
      listing_suffices ? search.over_listing(candidates) : search.over_trees(candidates);
  if (!status) return status;
  return search.take_hits();
}

}  // namespace eider::imap
