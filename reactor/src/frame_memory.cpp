// The per-thread cache of freed coroutine frames (why: frame_memory.hpp).
#include "reactor/detail/frame_memory.hpp"

#include <array>
#include <new>

// AddressSanitizer: GCC defines __SANITIZE_ADDRESS__, clang has the feature.
#if defined(__SANITIZE_ADDRESS__)
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

// Trivially destructible on purpose: nothing of it runs at thread exit.
// With a destructor, mingw-w64's emulated TLS (GCC 12) ran it 257 times at
// one thread's exit, freeing the same frames each time, and the thread then
// spun in RtlFreeHeap under wine (five Windows tests hung). So the frames
// are given back when the thread's outermost loop run ends instead, while
// the thread is alive, and outside a run nothing is kept.
struct frame_cache {
  std::array<free_frame_node*, class_count> heads{};
  std::size_t bytes = 0;
  unsigned runs = 0;  // loops running on this thread: frames are kept only then

  void give_back() noexcept {
    for (std::size_t c = 0; c < class_count; ++c) {
      while (free_frame_node* n = heads[c]) {
        heads[c] = n->next;
        ::operator delete(n, class_bytes(c));
      }
    }
    bytes = 0;
  }
};

thread_local frame_cache cache;

}  // namespace

void* allocate_frame(std::size_t bytes) {
  if (!REACTOR_CACHE_FRAMES || !is_cached_size(bytes)) return ::operator new(bytes);
  std::size_t c = class_of(bytes);
  frame_cache& fc = cache;  // empty unless a loop runs on this thread
  if (free_frame_node* n = fc.heads[c]) {
    fc.heads[c] = n->next;
    fc.bytes -= class_bytes(c);
    return n;
  }
  // At the class's full size even when no loop runs, so that whichever
  // thread frees it may keep it.
  return ::operator new(class_bytes(c));
}

void free_frame(void* frame, std::size_t bytes) noexcept {
  if (!REACTOR_CACHE_FRAMES || !is_cached_size(bytes)) return ::operator delete(frame, bytes);
  std::size_t c = class_of(bytes);
  if (frame_cache& fc = cache; fc.runs > 0) {
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
  return cache.bytes;
}

frames_kept_while_running::frames_kept_while_running() noexcept {
  ++cache.runs;
}

frames_kept_while_running::~frames_kept_while_running() {
  frame_cache& fc = cache;
  if (--fc.runs == 0) fc.give_back();
}

}  // namespace reactor::detail
