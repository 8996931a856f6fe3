// Work memory for argon2 hashes (19 MiB each at Eider's parameters), kept
// for reuse between hashes.
//
// The server fixes malloc's mmap threshold (cli/serve.cc) so that large
// blocks go back to the system, and argon2's block was then mapped afresh
// and faulted in page by page at every login: on a VM with slow page faults
// that made a verify cost 800 ms instead of 290 ms (measured with libargon2
// on the development VM). So freed blocks are parked here, at most
// kMaxParked of them, and a parked block unused for kKeepFor is unmapped by
// a background thread, so an idle server holds none of this memory.
//
// The functions are argon2_context's allocate_cbk / free_cbk. argon2 wipes a
// block before it frees it, so a parked block holds no password material.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace eider::core::argon2_memory {

inline constexpr std::size_t kMaxParked = 4;
inline constexpr std::chrono::milliseconds kKeepFor{2000};

// A block of `bytes`, reused when one of that size is parked, otherwise
// mapped with its pages populated at once. 0 on success, -1 without memory.
int allocate(uint8_t** memory, size_t bytes);
// Parks the block (or unmaps it when kMaxParked are parked already).
void release(uint8_t* memory, size_t bytes);
// Blocks parked now.
std::size_t parked();

}  // namespace eider::core::argon2_memory
