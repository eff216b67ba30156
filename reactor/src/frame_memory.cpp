// The per-thread cache of freed coroutine frames (why: frame_memory.hpp).
#include "reactor/detail/frame_memory.hpp"

#include <array>
#include <new>

// AddressSanitizer: GCC defines __SANITIZE_ADDRESS__, clang has the feature.
// Windows: with the cache on, five tests of the mingw build hung under
// wine 8 until ctest's timeout (among them a thread that allocates one
// frame and exits, and an IOCP timer test), while a small mingw program
// with the same kind of thread_local did not. winedbg showed the exiting
// thread spinning in RtlFreeHeap under free(): a corrupt free at thread
// exit, as if the cache's storage (mingw's emulated TLS) were released
// before its destructor ran. Off there until that is understood.
#if defined(__SANITIZE_ADDRESS__) || defined(_WIN32)
#define REACTOR_CACHE_FRAMES 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REACTOR_CACHE_FRAMES 0
#endif
#endif
#ifndef REACTOR_CACHE_FRAMES
#define REACTOR_CACHE_FRAMES 1
#endif

namespace reactor::detail {

namespace {

// Size classes of frame_granule bytes: a frame of 1..64 bytes is class 0,
// 65..128 class 1, ... Every frame of a class is allocated at the class's
// full size, so any freed one fits the next.
constexpr std::size_t class_count = max_cached_frame / frame_granule;
constexpr bool is_cached_size(std::size_t bytes) {
  return bytes != 0 && bytes <= max_cached_frame;
}
constexpr std::size_t class_of(std::size_t bytes) {
  return (bytes - 1) / frame_granule;
}
constexpr std::size_t class_bytes(std::size_t c) {
  return (c + 1) * frame_granule;
}

struct free_frame_node {
  free_frame_node* next;
};

struct frame_cache {
  std::array<free_frame_node*, class_count> heads{};
  std::size_t bytes = 0;
  ~frame_cache();
};

// Set when this thread's cache is destroyed at thread exit; frames freed
// after that (by other thread_local objects' destructors) go straight back.
// A bool has no destructor, so it can still be read then.
thread_local bool cache_closed = false;
thread_local frame_cache cache;

frame_cache::~frame_cache() {
  cache_closed = true;
  for (std::size_t c = 0; c < class_count; ++c) {
    while (free_frame_node* n = heads[c]) {
      heads[c] = n->next;
      ::operator delete(n, class_bytes(c));
    }
  }
  bytes = 0;
}

}  // namespace

void* allocate_frame(std::size_t bytes) {
  if (!REACTOR_CACHE_FRAMES || !is_cached_size(bytes)) return ::operator new(bytes);
  std::size_t c = class_of(bytes);
  if (!cache_closed) {
    frame_cache& fc = cache;
    if (free_frame_node* n = fc.heads[c]) {
      fc.heads[c] = n->next;
      fc.bytes -= class_bytes(c);
      return n;
    }
  }
  return ::operator new(class_bytes(c));
}

void free_frame(void* frame, std::size_t bytes) noexcept {
  if (!REACTOR_CACHE_FRAMES || !is_cached_size(bytes)) return ::operator delete(frame, bytes);
  std::size_t c = class_of(bytes);
  if (!cache_closed) {
    frame_cache& fc = cache;
    if (fc.bytes + class_bytes(c) <= cache_budget) {
      fc.heads[c] = new (frame) free_frame_node{fc.heads[c]};
      fc.bytes += class_bytes(c);
      return;
    }
  }
  ::operator delete(frame, class_bytes(c));
}

bool frames_are_cached() noexcept {
  return REACTOR_CACHE_FRAMES != 0;
}

std::size_t cached_frame_bytes() noexcept {
  // With the cache off, not even a look: touching `cache` makes the thread
  // run its destructor at exit, the path that hung on Windows.
  if constexpr (!REACTOR_CACHE_FRAMES) return 0;
  return cache_closed ? 0 : cache.bytes;
}

}  // namespace reactor::detail
