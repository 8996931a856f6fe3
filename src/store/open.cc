#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

namespace eider::store {

Result<std::unique_ptr<Store>> open(const Options& options) {
  if (sqlite::is_sqlite_url(options.url)) {
    Result<std::unique_ptr<sqlite::SqliteStore>> store = sqlite::SqliteStore::open(options);
    if (!store) return store.status();
    return std::unique_ptr<Store>(std::move(*store));
  }
  return error(Code::unsupported, "unknown store URL \"" + options.url + "\"");
}

}  // namespace eider::store
