// The Store backends the conformance suite (tests/store_conformance/) runs
// over. Each backend makes instances: a fresh, empty store of its own (its
// temporary folder or database) that a second Store can be opened on, as a
// second node opens a shared store.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/store.h"

namespace eider::store::testing {

class BackendInstance {
 public:
  virtual ~BackendInstance() = default;
  // The store the instance was made with; empty when made.
  virtual Store& store() = 0;
  // Another Store on the same data, independent of store() (its own
  // connections and writer), as another node would open it.
  virtual Result<std::unique_ptr<Store>> open_another() = 0;
};

struct StoreBackend {
  std::string name;  // the test name suffix: letters and digits only ("Sqlite")
  std::function<std::unique_ptr<BackendInstance>()> make;
};

// Every backend this build can test here: SQLite always; a backend that
// needs a server is listed only when one is available to the tests.
std::vector<StoreBackend> store_backends();

}  // namespace eider::store::testing
