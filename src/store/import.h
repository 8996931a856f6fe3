// What import_mailbox and import_messages (eider migrate) check before any
// backend writes: the same rules on every backend, so they live here once.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/packed_message.h"
#include "store/store.h"

namespace eider::store {

// The normalized path of `state` if it can be imported: a valid path and
// special-use, UIDVALIDITY, UIDNEXT and the \Recent mark above 0.
Result<std::string> check_imported_mailbox(const Mailbox& state);

// invalid_argument unless `imported` may follow UID `previous` in
// `mailbox`: UIDs ascend above those held, below UIDNEXT, with MODSEQs up
// to HIGHESTMODSEQ.
Status check_imported_uid(const Mailbox& mailbox, uint32_t previous,
                          const ImportedMessage& imported);

// pack_message of each message, before the transaction opens.
Result<std::vector<PackedMessage>> pack_imported(const std::vector<ImportedMessage>& messages);

}  // namespace eider::store
