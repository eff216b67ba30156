// The loop's timers: a 4-ary min-heap of (deadline, node) pairs. The
// deadline is copied into the heap so sifting touches only the heap's own
// contiguous memory; each node remembers its index, so cancel is O(log n).
#pragma once

#include <vector>

#include "reactor/timer.hpp"

namespace reactor::detail {

class timer_queue {
 public:
  bool empty() const noexcept { return heap_.empty(); }
  std::size_t size() const noexcept { return heap_.size(); }
  deadline earliest() const noexcept { return heap_.empty() ? never : heap_.front().when; }

  void push(timer_node& node);
  void remove(timer_node& node) noexcept;
  // Takes every timer due at or before `now` off the heap, in deadline
  // order, appending it to `due`.
  void pop_due(deadline now, std::vector<timer_node*>& due);

 private:
  struct entry {
    deadline when;
    timer_node* node;
  };
  void sift_up(std::size_t i) noexcept;
  void sift_down(std::size_t i) noexcept;
  void place(std::size_t i, entry e) noexcept {
    heap_[i] = e;
    e.node->heap_index = i;
  }

  std::vector<entry> heap_;
};

}  // namespace reactor::detail
