// promise<T> / future<T> (asyncio.Future): a value (or an exception) set
// once by one coroutine and awaited by any number of others. The future is
// a cheap, copyable handle to the shared state; awaiting it yields a copy of
// the value (or rethrows the exception). Setting twice is a logic error and
// throws std::logic_error. One loop's thread only.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>

#include "reactor/event.hpp"
#include "reactor/task.hpp"

namespace reactor {

namespace detail {
template <class T>
struct future_state {
  event ready;
  std::optional<T> value;
  std::exception_ptr error;
  void check_unset() const {
    if (ready.is_set()) throw std::logic_error("promise already satisfied");
  }
};
}  // namespace detail

template <class T>
class future {
 public:
  bool ready() const noexcept { return state_->ready.is_set(); }
  task<T> get() const {
    auto state = state_;  // keeps the state alive while waiting
    co_await state->ready.wait();
    if (state->error) std::rethrow_exception(state->error);
    co_return *state->value;
  }
  // `co_await f` is `co_await f.get()` without the extra coroutine frame.
  struct awaiter {
    std::shared_ptr<detail::future_state<T>> state;
    event::waiter wait{state->ready};
    bool await_ready() const noexcept { return wait.await_ready(); }
    template <detail::reactor_promise P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
      return wait.await_suspend(h);
    }
    T await_resume() {
      wait.await_resume();
      if (state->error) std::rethrow_exception(state->error);
      return *state->value;
    }
  };
  awaiter operator co_await() const { return awaiter{state_}; }

 private:
  template <class>
  friend class promise;
  explicit future(std::shared_ptr<detail::future_state<T>> s) : state_(std::move(s)) {}
  std::shared_ptr<detail::future_state<T>> state_;
};

template <class T>
class promise {
 public:
  promise() : state_(std::make_shared<detail::future_state<T>>()) {}
  future<T> get_future() const { return future<T>(state_); }
  void set_value(T v) {
    state_->check_unset();
    state_->value.emplace(std::move(v));
    state_->ready.set();
  }
  void set_exception(std::exception_ptr e) {
    state_->check_unset();
    state_->error = std::move(e);
    state_->ready.set();
  }

 private:
  std::shared_ptr<detail::future_state<T>> state_;
};

}  // namespace reactor
