// Where coroutine frames live: a small per-thread cache of freed frames,
// by size, in front of operator new.
//
// Why: every run of a job creates the same handful of frames (the run, its
// timeout, the scope's child, the kind's coroutine) and frees them when it
// ends. On the ping load two of them are over glibc's per-thread cache
// limit (1,032 bytes), so each run took malloc's slow path (_int_malloc,
// unlink_chunk, malloc_consolidate: 7% of the daemon's CPU in a profile).
// A freed frame kept for the next frame of its size class costs a pointer
// swap instead.
//
// Bounds: frames up to max_cached_frame bytes are cached, at most
// cache_budget bytes per thread; beyond that they go back to operator
// delete. Frames are kept only while a loop runs on the thread (every run
// holds a frames_kept_while_running), and given back when the outermost run
// returns, so no thread exits holding any. A frame may be freed on another
// thread than the one that made it (it then joins that thread's cache):
// both come from operator new. Under AddressSanitizer the cache is off, so
// that a frame used after its coroutine ended is still reported.
#pragma once

#include <cstddef>

namespace reactor::detail {

inline constexpr std::size_t frame_granule = 64;
inline constexpr std::size_t max_cached_frame = 4096;
inline constexpr std::size_t cache_budget = 256 * 1024;

void* allocate_frame(std::size_t bytes);
void free_frame(void* frame, std::size_t bytes) noexcept;

// Whether freed frames are kept (false under AddressSanitizer), and how
// many bytes of them this thread holds now: for tests.
bool frames_are_cached() noexcept;
std::size_t cached_frame_bytes() noexcept;

// Held by loop::run and run_until_stopped for their duration: while one is
// alive on this thread, freed frames are kept; when the last one ends,
// the thread's kept frames go back to operator delete.
class frames_kept_while_running {
 public:
  frames_kept_while_running() noexcept;
  ~frames_kept_while_running();
  frames_kept_while_running(frames_kept_while_running const&) = delete;
  frames_kept_while_running& operator=(frames_kept_while_running const&) = delete;
};

}  // namespace reactor::detail
