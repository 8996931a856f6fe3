#include "store/import.h"

#include "store/names.h"

namespace eider::store {

Result<std::string> check_imported_mailbox(const Mailbox& state) {
  Result<std::string> path = normalize_path(state.path);
  if (!path) return path.status();
  EIDER_RETURN_IF_ERROR(check_special_use(state.special_use));
  if (state.uidvalidity == 0 || state.uidnext == 0 || state.recent_uid == 0) {
    return error(Code::invalid_argument, "mailbox \"" + *path +
                                             "\": UIDVALIDITY, UIDNEXT and the"
                                             " \\Recent mark must be above 0");
  }
  return path;
}

Status check_imported_uid(const Mailbox& mailbox, uint32_t previous,
                          const ImportedMessage& imported) {
  if (imported.uid <= previous || imported.uid >= mailbox.uidnext ||
      imported.modseq > mailbox.highest_modseq) {
    return error(Code::invalid_argument,
                 "cannot import uid " + std::to_string(imported.uid) + " (modseq " +
                     std::to_string(imported.modseq) + ") into \"" + mailbox.path +
                     "\": uids must ascend above those held, below UIDNEXT, with"
                     " modseqs up to HIGHESTMODSEQ");
  }
  return Status::ok();
}

Result<std::vector<PackedMessage>> pack_imported(const std::vector<ImportedMessage>& messages) {
  std::vector<PackedMessage> packed;
  packed.reserve(messages.size());
  for (const ImportedMessage& imported : messages) {
    Result<PackedMessage> one = pack_message(imported.message);
    if (!one) return one.status();
    packed.push_back(std::move(*one));
  }
  return packed;
}

}  // namespace eider::store
