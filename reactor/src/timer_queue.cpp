#include "reactor/detail/timer_queue.hpp"

namespace reactor::detail {

namespace {
constexpr std::size_t arity = 4;
std::size_t parent_of(std::size_t i) {
  return (i - 1) / arity;
}
std::size_t first_child_of(std::size_t i) {
  return i * arity + 1;
}
}  // namespace

void timer_queue::push(timer_node& node) {
  heap_.push_back({node.when, &node});
  node.heap_index = heap_.size() - 1;
  sift_up(heap_.size() - 1);
}

void timer_queue::remove(timer_node& node) noexcept {
  std::size_t i = node.heap_index;
  node.heap_index = timer_node::not_armed;
  entry last = heap_.back();
  heap_.pop_back();
  if (i == heap_.size()) return;  // it was the last entry
  place(i, last);
  if (i > 0 && last.when < heap_[parent_of(i)].when)
    sift_up(i);
  else
    sift_down(i);
}

void timer_queue::pop_due(deadline now, std::vector<timer_node*>& due) {
  while (!heap_.empty() && heap_.front().when <= now) {
    timer_node* node = heap_.front().node;
    remove(*node);
    due.push_back(node);
  }
}

void timer_queue::sift_up(std::size_t i) noexcept {
  entry e = heap_[i];
  while (i > 0) {
    std::size_t p = parent_of(i);
    if (!(e.when < heap_[p].when)) break;
    place(i, heap_[p]);
    i = p;
  }
  place(i, e);
}

void timer_queue::sift_down(std::size_t i) noexcept {
  entry e = heap_[i];
  std::size_t n = heap_.size();
  for (;;) {
    std::size_t c = first_child_of(i);
    if (c >= n) break;
    std::size_t best = c;
    std::size_t end = c + arity < n ? c + arity : n;
    for (std::size_t k = c + 1; k < end; ++k)
      if (heap_[k].when < heap_[best].when) best = k;
    if (!(heap_[best].when < e.when)) break;
    place(i, heap_[best]);
    i = best;
  }
  place(i, e);
}

}  // namespace reactor::detail
