// sleep_until / sleep_for: suspend the calling coroutine until a deadline
// (asyncio.sleep). Cancelling a sleep takes its timer off the heap and
// resumes the coroutine (from the loop) with cancelled_error.
#pragma once

#include <coroutine>

#include "reactor/cancel.hpp"
#include "reactor/error.hpp"
#include "reactor/loop.hpp"
#include "reactor/task.hpp"
#include "reactor/timer.hpp"

namespace reactor {

class sleep_awaitable final : public cancellable {
 public:
  explicit sleep_awaitable(deadline when) noexcept : when_(when) {}
  sleep_awaitable(sleep_awaitable const&) = delete;

  bool await_ready() const noexcept { return false; }
  template <detail::reactor_promise P>
  bool await_suspend(std::coroutine_handle<P> h) {
    node_ = h.promise().node;
    if (node_->cancelled()) return false;
    waiter_ = h;
    timer_.on_fire = &fired;
    timer_.owner = this;
    node_->owner().arm(timer_, when_);
    node_->set_pending(this);
    return true;
  }
  void await_resume() {
    node_->set_pending(nullptr);
    if (node_->cancelled()) throw cancelled_error();
  }

  void request_cancel() noexcept override {
    // Once the timer has left the heap it has fired (or is about to, in this
    // pass), and that already queues the waiter; queueing it again would
    // resume it twice, the second time after its frame is gone.
    if (!timer_.armed()) return;
    node_->owner().disarm(timer_);
    node_->owner().resume_soon(waiter_);
  }

 private:
  struct owned_timer : timer_node {
    sleep_awaitable* owner = nullptr;
  };
  static void fired(timer_node& t) noexcept {
    sleep_awaitable* self = static_cast<owned_timer&>(t).owner;
    self->node_->owner().resume_soon(self->waiter_);
  }

  owned_timer timer_;
  deadline when_;
  cancel_node* node_ = nullptr;
  std::coroutine_handle<> waiter_;
};

inline sleep_awaitable sleep_until(deadline when) noexcept {
  return sleep_awaitable(when);
}
template <class Rep, class Period>
sleep_awaitable sleep_for(std::chrono::duration<Rep, Period> d) noexcept {
  return sleep_awaitable(clock::now() + std::chrono::duration_cast<clock::duration>(d));
}

}  // namespace reactor
