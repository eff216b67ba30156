// event (asyncio.Event): a flag that coroutines can wait for. set() wakes
// every waiter (from the loop's ready queue, never inline); clear() resets
// it. Waiting is cancellable. An event belongs to one loop's thread.
#pragma once

#include <coroutine>

#include "reactor/cancel.hpp"
#include "reactor/error.hpp"
#include "reactor/loop.hpp"
#include "reactor/task.hpp"

namespace reactor {

class event {
 public:
  event() = default;
  event(event const&) = delete;
  ~event() = default;

  bool is_set() const noexcept { return set_; }
  void clear() noexcept { set_ = false; }
  void set() noexcept {
    set_ = true;
    while (waiter* w = first_) {
      w->unlink();
      w->node->owner().resume_soon(w->handle);
    }
  }

  class waiter final : public cancellable {
   public:
    explicit waiter(event& e) noexcept : event_(e) {}
    waiter(waiter const&) = delete;
    bool await_ready() const noexcept { return event_.set_; }
    template <detail::reactor_promise P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
      node = h.promise().node;
      if (node->cancelled()) return false;
      handle = h;
      next = event_.first_;
      if (next) next->prev = this;
      event_.first_ = this;
      linked = true;
      node->set_pending(this);
      return true;
    }
    void await_resume() {
      if (!node) return;  // was ready at once
      node->set_pending(nullptr);
      if (node->cancelled()) throw cancelled_error();
    }
    void request_cancel() noexcept override {
      // After set() the waiter is already queued to resume (and sees the
      // cancel then); queueing it again would resume a finished frame.
      if (!linked) return;
      unlink();
      node->owner().resume_soon(handle);
    }

   private:
    friend class event;
    void unlink() noexcept {
      (prev ? prev->next : event_.first_) = next;
      if (next) next->prev = prev;
      next = prev = nullptr;
      linked = false;
    }
    event& event_;
    cancel_node* node = nullptr;
    std::coroutine_handle<> handle;
    waiter* next = nullptr;
    waiter* prev = nullptr;
    bool linked = false;
  };

  waiter wait() noexcept { return waiter(*this); }

 private:
  waiter* first_ = nullptr;
  bool set_ = false;
};

}  // namespace reactor
