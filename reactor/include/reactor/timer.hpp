// Timers: one user-space heap per loop, whose earliest deadline is the
// backend wait's timeout (DESIGN.md, "Timers"). timer_node is the
// low-level, intrusive unit (callers embed it, as libuv's uv_timer_t): arm
// it with loop::arm(), disarm with loop::disarm(). Its callback runs on the
// loop thread after every timer due in that pass is off the heap, so one
// that re-arms for "now" runs in the next pass, after I/O. Coroutines use
// sleep_until / sleep_for instead, which are cancellable.
#pragma once

#include <cstddef>
#include <limits>

#include "reactor/clock.hpp"

namespace reactor {

struct timer_node {
  using callback = void (*)(timer_node&);

  deadline when = never;
  callback on_fire = nullptr;
  std::size_t heap_index = not_armed;  // maintained by the loop's timer queue

  static constexpr std::size_t not_armed = std::numeric_limits<std::size_t>::max();
  bool armed() const noexcept { return heap_index != not_armed; }
};

}  // namespace reactor
