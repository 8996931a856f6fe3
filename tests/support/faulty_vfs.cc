#include "support/faulty_vfs.h"

#include <stdexcept>

namespace eider::store::testing {

// Everything the VFS and its files do without a fault is the default VFS's.
struct Passthrough {
  static FaultyVfs& owner(sqlite3_vfs* vfs) { return *static_cast<FaultyVfs*>(vfs->pAppData); }
  static sqlite3_vfs* base(sqlite3_vfs* vfs) { return owner(vfs).base_; }

  // A file opened through a FaultyVfs: the default VFS's own file follows
  // it in the memory SQLite allocated (szOsFile covers both).
  struct File {
    sqlite3_file base;  // first: SQLite's sqlite3_file* is a File*
    FaultyVfs* owner;
    bool log;  // the write-ahead log

    sqlite3_file* real() {
      return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(this) + sizeof(File));
    }
    const sqlite3_io_methods& methods() { return *real()->pMethods; }
  };
  static File& of(sqlite3_file* file) { return *reinterpret_cast<File*>(file); }

  static int open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* file, int flags,
                  int* out_flags) {
    File& f = of(file);
    f.base.pMethods = nullptr;
    f.owner = &owner(vfs);
    f.log = (flags & SQLITE_OPEN_WAL) != 0;
    const int rc = base(vfs)->xOpen(base(vfs), name, f.real(), flags, out_flags);
    // SQLite closes a file whose open failed only when it has methods.
    if (f.real()->pMethods != nullptr) f.base.pMethods = &kFileMethods;
    return rc;
  }

  static int write(sqlite3_file* file, const void* data, int size, sqlite3_int64 offset) {
    File& f = of(file);
    sqlite3_int64 present = 0;
    int rc = f.methods().xFileSize(f.real(), &present);
    if (rc == SQLITE_OK && f.log) rc = f.owner->write_fault();
    if (rc == SQLITE_OK && offset + size > present && f.owner->disk_full_.load()) rc = SQLITE_FULL;
    if (rc != SQLITE_OK) return rc;
    return f.methods().xWrite(f.real(), data, size, offset);
  }
  static int sync(sqlite3_file* file, int flags) {
    File& f = of(file);
    if (f.log) {
      if (const int rc = f.owner->sync_fault(); rc != SQLITE_OK) return rc;
    }
    return f.methods().xSync(f.real(), flags);
  }

  static int close(sqlite3_file* file) { return of(file).methods().xClose(of(file).real()); }
  static int read(sqlite3_file* file, void* data, int size, sqlite3_int64 offset) {
    return of(file).methods().xRead(of(file).real(), data, size, offset);
  }
  static int truncate(sqlite3_file* file, sqlite3_int64 size) {
    return of(file).methods().xTruncate(of(file).real(), size);
  }
  static int file_size(sqlite3_file* file, sqlite3_int64* size) {
    return of(file).methods().xFileSize(of(file).real(), size);
  }
  static int lock(sqlite3_file* file, int level) {
    return of(file).methods().xLock(of(file).real(), level);
  }
  static int unlock(sqlite3_file* file, int level) {
    return of(file).methods().xUnlock(of(file).real(), level);
  }
  static int check_reserved_lock(sqlite3_file* file, int* out) {
    return of(file).methods().xCheckReservedLock(of(file).real(), out);
  }
  static int file_control(sqlite3_file* file, int op, void* arg) {
    return of(file).methods().xFileControl(of(file).real(), op, arg);
  }
  static int sector_size(sqlite3_file* file) {
    return of(file).methods().xSectorSize(of(file).real());
  }
  static int device_characteristics(sqlite3_file* file) {
    return of(file).methods().xDeviceCharacteristics(of(file).real());
  }
  static int shm_map(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
    return of(file).methods().xShmMap(of(file).real(), page, size, extend, out);
  }
  static int shm_lock(sqlite3_file* file, int offset, int n, int flags) {
    return of(file).methods().xShmLock(of(file).real(), offset, n, flags);
  }
  static void shm_barrier(sqlite3_file* file) { of(file).methods().xShmBarrier(of(file).real()); }
  static int shm_unmap(sqlite3_file* file, int delete_flag) {
    return of(file).methods().xShmUnmap(of(file).real(), delete_flag);
  }
  static int fetch(sqlite3_file* file, sqlite3_int64 offset, int size, void** out) {
    return of(file).methods().xFetch(of(file).real(), offset, size, out);
  }
  static int unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
    return of(file).methods().xUnfetch(of(file).real(), offset, page);
  }

  // Version 3, as the default unix VFS's files are: shared memory (which
  // WAL needs) and memory-mapped reads pass through.
  static constexpr sqlite3_io_methods kFileMethods = {
      3,
      close,
      read,
      write,
      truncate,
      sync,
      file_size,
      lock,
      unlock,
      check_reserved_lock,
      file_control,
      sector_size,
      device_characteristics,
      shm_map,
      shm_lock,
      shm_barrier,
      shm_unmap,
      fetch,
      unfetch,
  };

  static int remove(sqlite3_vfs* vfs, const char* name, int sync_dir) {
    return base(vfs)->xDelete(base(vfs), name, sync_dir);
  }
  static int access(sqlite3_vfs* vfs, const char* name, int flags, int* out) {
    return base(vfs)->xAccess(base(vfs), name, flags, out);
  }
  static int full_pathname(sqlite3_vfs* vfs, const char* name, int size, char* out) {
    return base(vfs)->xFullPathname(base(vfs), name, size, out);
  }
  static void* dl_open(sqlite3_vfs* vfs, const char* name) {
    return base(vfs)->xDlOpen(base(vfs), name);
  }
  static void dl_error(sqlite3_vfs* vfs, int size, char* out) {
    base(vfs)->xDlError(base(vfs), size, out);
  }
  static void (*dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))() {
    return base(vfs)->xDlSym(base(vfs), handle, symbol);
  }
  static void dl_close(sqlite3_vfs* vfs, void* handle) { base(vfs)->xDlClose(base(vfs), handle); }
  static int randomness(sqlite3_vfs* vfs, int size, char* out) {
    return base(vfs)->xRandomness(base(vfs), size, out);
  }
  static int sleep(sqlite3_vfs* vfs, int microseconds) {
    return base(vfs)->xSleep(base(vfs), microseconds);
  }
  static int current_time(sqlite3_vfs* vfs, double* out) {
    return base(vfs)->xCurrentTime(base(vfs), out);
  }
  static int last_error(sqlite3_vfs* vfs, int size, char* out) {
    return base(vfs)->xGetLastError(base(vfs), size, out);
  }
  static int current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
    return base(vfs)->xCurrentTimeInt64(base(vfs), out);
  }
};

FaultyVfs::FaultyVfs() {
  static std::atomic<int> next_number{0};
  name_ = "eider-faulty-" + std::to_string(next_number.fetch_add(1));
  base_ = sqlite3_vfs_find(nullptr);
  if (base_ == nullptr) throw std::runtime_error("SQLite has no default VFS");
  vfs_.iVersion = 2;
  vfs_.szOsFile = static_cast<int>(sizeof(Passthrough::File)) + base_->szOsFile;
  vfs_.mxPathname = base_->mxPathname;
  vfs_.zName = name_.c_str();
  vfs_.pAppData = this;
  vfs_.xOpen = Passthrough::open;
  vfs_.xDelete = Passthrough::remove;
  vfs_.xAccess = Passthrough::access;
  vfs_.xFullPathname = Passthrough::full_pathname;
  vfs_.xDlOpen = Passthrough::dl_open;
  vfs_.xDlError = Passthrough::dl_error;
  vfs_.xDlSym = Passthrough::dl_sym;
  vfs_.xDlClose = Passthrough::dl_close;
  vfs_.xRandomness = Passthrough::randomness;
  vfs_.xSleep = Passthrough::sleep;
  vfs_.xCurrentTime = Passthrough::current_time;
  vfs_.xGetLastError = Passthrough::last_error;
  vfs_.xCurrentTimeInt64 = Passthrough::current_time_int64;
  if (sqlite3_vfs_register(&vfs_, 0) != SQLITE_OK) {
    throw std::runtime_error("cannot register the SQLite VFS " + name_);
  }
}

FaultyVfs::~FaultyVfs() {
  sqlite3_vfs_unregister(&vfs_);
}

int FaultyVfs::write_fault() {
  int n = writes_before_failure_.load();
  while (n >= 0 && !writes_before_failure_.compare_exchange_weak(n, n - 1)) {
  }
  return n == 0 ? SQLITE_IOERR_WRITE : SQLITE_OK;
}

int FaultyVfs::sync_fault() {
  int n = syncs_to_fail_.load();
  while (n > 0 && !syncs_to_fail_.compare_exchange_weak(n, n - 1)) {
  }
  return n > 0 ? SQLITE_IOERR_FSYNC : SQLITE_OK;
}

}  // namespace eider::store::testing
