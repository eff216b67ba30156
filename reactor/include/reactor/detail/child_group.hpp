// child_group: the machinery under scope, when_all and when_any. It starts
// children from the ready queue, each in its own cancel_node below the
// group's, and lets one waiter await the end of all of them. A child ending
// with cancelled_error is not an error; any other exception is recorded (the
// first is kept) and cancels the group (or what cancel_on_failure names).
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "reactor/cancel.hpp"
#include "reactor/error.hpp"
#include "reactor/loop.hpp"
#include "reactor/task.hpp"

namespace reactor::detail {

// A coroutine nobody awaits: started by scheduling it, freed at its end.
struct runner {
  struct promise_type : promise_base {
    runner get_return_object() noexcept { return {std::coroutine_handle<promise_type>::from_promise(*this)}; }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // runners catch all
  };
  std::coroutine_handle<promise_type> handle;
};

// What a spawned child shares with whoever holds its handle.
struct child_state {
  cancel_node* node = nullptr;  // set while the child runs
  bool ended = false;
  bool cancel_requested = false;
};

class child_group {
 public:
  explicit child_group(cancel_node& parent) : node_(parent), fail_target_(&node_) {}
  child_group(child_group const&) = delete;

  cancel_node& node() noexcept { return node_; }
  std::size_t running() const noexcept { return running_; }
  std::exception_ptr first_error() const noexcept { return first_error_; }
  // What a child's failure cancels: by default the group itself (when_all);
  // a scope widens it to the scope's body too; null keeps the siblings going.
  void cancel_on_failure(cancel_node* target) noexcept { fail_target_ = target; }

  // Starts the task `make()` returns; `on_value(v)` (or on_value() for
  // void) runs if it returns normally. `make` is kept in the child's frame
  // for the child's whole life, so a lambda coroutine's captures stay valid.
  template <class Make, class OnValue>
  std::shared_ptr<child_state> start(Make make, OnValue on_value) {
    auto state = std::make_shared<child_state>();
    ++running_;
    runner r = run(std::move(make), std::move(on_value), state);
    r.handle.promise().node = &node_;
    node_.owner().resume_soon(r.handle);
    return state;
  }
  template <class T, class OnValue>
  std::shared_ptr<child_state> start(task<T> t, OnValue on_value) {
    return start([t = std::move(t)]() mutable { return std::move(t); }, std::move(on_value));
  }

  // Awaitable: resumes when no child is running. Shielded (a cancelled
  // awaiter still waits: its children are cancelled with it and will end).
  struct all_ended_awaiter {
    child_group& group;
    bool await_ready() const noexcept { return group.running_ == 0; }
    void await_suspend(std::coroutine_handle<> h) noexcept { group.waiter_ = h; }
    void await_resume() const noexcept {}
  };
  all_ended_awaiter all_ended() noexcept { return {*this}; }

 private:
  template <class Make, class OnValue>
  runner run(Make make, OnValue on_value, std::shared_ptr<child_state> state) {
    using T = typename std::invoke_result_t<Make&>::value_type;
    cancel_node node(node_);
    co_await adopt_node{node};
    state->node = &node;
    if (state->cancel_requested) node.cancel();
    try {
      auto t = make();
      if constexpr (std::is_void_v<T>) {
        co_await std::move(t);
        on_value();
      } else {
        on_value(co_await std::move(t));
      }
    } catch (cancelled_error const&) {
    } catch (...) {
      if (!first_error_) first_error_ = std::current_exception();
      if (fail_target_) fail_target_->cancel();
    }
    state->node = nullptr;
    state->ended = true;
    if (--running_ == 0 && waiter_) node_.owner().resume_soon(std::exchange(waiter_, {}));
  }

  cancel_node node_;
  cancel_node* fail_target_;
  std::size_t running_ = 0;
  std::exception_ptr first_error_;
  std::coroutine_handle<> waiter_;
};

}  // namespace reactor::detail
