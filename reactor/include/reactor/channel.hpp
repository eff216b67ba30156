// channel<T> (asyncio.Queue with maxsize): a bounded FIFO between
// coroutines of one loop. send() waits while the channel is full; receive()
// waits while it is empty and yields std::nullopt once the channel is closed
// and drained. Sending on a closed channel throws channel_closed.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <stdexcept>

#include "reactor/event.hpp"
#include "reactor/task.hpp"

namespace reactor {

struct channel_closed : std::logic_error {
  channel_closed() : std::logic_error("send on a closed channel") {}
};

template <class T>
class channel {
 public:
  explicit channel(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  task<void> send(T value) {
    while (items_.size() >= capacity_ && !closed_) {
      not_full_.clear();
      co_await not_full_.wait();
    }
    if (closed_) throw channel_closed();
    items_.push_back(std::move(value));
    not_empty_.set();
  }

  task<std::optional<T>> receive() {
    while (items_.empty()) {
      if (closed_) co_return std::nullopt;
      not_empty_.clear();
      co_await not_empty_.wait();
    }
    T v = std::move(items_.front());
    items_.pop_front();
    not_full_.set();
    co_return v;
  }

  // Wakes every waiter: receivers drain what is left, senders throw.
  void close() noexcept {
    closed_ = true;
    not_empty_.set();
    not_full_.set();
  }
  bool closed() const noexcept { return closed_; }
  std::size_t size() const noexcept { return items_.size(); }

 private:
  std::size_t capacity_;
  std::deque<T> items_;
  event not_empty_;
  event not_full_;
  bool closed_ = false;
};

}  // namespace reactor
