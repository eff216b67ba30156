// The loop's FIFO of coroutines to resume: a growable ring of handles.
#pragma once

#include <coroutine>
#include <cstddef>
#include <memory>

namespace reactor::detail {

class ready_queue {
 public:
  bool empty() const noexcept { return head_ == tail_; }
  std::size_t size() const noexcept { return tail_ - head_; }

  void push(std::coroutine_handle<> h) {
    if (size() == capacity_) grow();
    slots_[tail_++ & (capacity_ - 1)] = h;
  }
  std::coroutine_handle<> pop() noexcept { return slots_[head_++ & (capacity_ - 1)]; }

 private:
  void grow() {
    std::size_t bigger = capacity_ ? capacity_ * 2 : 64;
    auto fresh = std::make_unique<std::coroutine_handle<>[]>(bigger);
    for (std::size_t i = 0; i < size(); ++i) fresh[i] = slots_[(head_ + i) & (capacity_ - 1)];
    tail_ = size();
    head_ = 0;
    slots_ = std::move(fresh);
    capacity_ = bigger;
  }

  std::unique_ptr<std::coroutine_handle<>[]> slots_;
  std::size_t capacity_ = 0;  // always a power of two
  std::size_t head_ = 0;
  std::size_t tail_ = 0;
};

}  // namespace reactor::detail
