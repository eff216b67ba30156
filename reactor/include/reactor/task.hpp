// task<T>: a lazy, move-only coroutine that produces a T (asyncio's
// coroutine object). Nothing runs until it is awaited (or handed to
// loop::run, a scope, when_all ...); an exception thrown inside travels to the
// awaiter. Awaiting a ready task does not grow the stack, and every frame
// knows the cancel_node it runs in (DESIGN.md, "Tasks").
#pragma once

#include <cassert>
#include <concepts>
#include <coroutine>
#include <exception>
#include <utility>
#include <variant>

#include "reactor/cancel.hpp"
#include "reactor/detail/frame_memory.hpp"

namespace reactor {

template <class T = void>
class task;

namespace detail {

// What every reactor coroutine's promise carries. Its frame comes from
// the thread's frame cache (frame_memory.hpp): the compiler looks for
// operator new in the promise type, base classes included.
struct promise_base {
  cancel_node* node = nullptr;

  static void* operator new(std::size_t bytes) { return allocate_frame(bytes); }
  static void operator delete(void* frame, std::size_t bytes) noexcept { free_frame(frame, bytes); }
};

template <class P>
concept reactor_promise = std::derived_from<P, promise_base>;

// How a coroutine resumed inline by its awaiter hands control back.
enum class run_state : unsigned char {
  idle,         // not started, or resumed from the loop
  inline_call,  // resumed from the awaiter's await_suspend, still there
  inline_done,  // reached its hand-back point while still inline
  async,        // suspended on something; the hand-back resumes the awaiter
};

// Final/hand-back awaiter shared by task and generator: either tell the
// inline caller "done" or transfer to the awaiting coroutine.
struct hand_back {
  run_state& state;
  std::coroutine_handle<> continuation;
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<>) noexcept {
    if (state == run_state::inline_call) {
      state = run_state::inline_done;
      return std::noop_coroutine();
    }
    return continuation ? continuation : std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

// Runs `callee` inline from an awaiter's await_suspend. Returns true if the
// awaiter must stay suspended (the callee suspended; it will resume the
// awaiter when it reaches its hand-back point).
inline bool resume_inline(std::coroutine_handle<> callee, run_state& state) {
  state = run_state::inline_call;
  callee.resume();
  if (state == run_state::inline_done) {
    state = run_state::idle;
    return false;
  }
  state = run_state::async;
  return true;
}

template <class T>
class task_promise;

struct task_promise_common : promise_base {
  std::coroutine_handle<> continuation;
  run_state state = run_state::idle;
  std::exception_ptr error;

  std::suspend_always initial_suspend() noexcept { return {}; }
  hand_back final_suspend() noexcept { return {state, continuation}; }
  void unhandled_exception() noexcept { error = std::current_exception(); }
};

template <class T>
class task_promise : public task_promise_common {
 public:
  task<T> get_return_object() noexcept;
  template <class U>
  requires std::convertible_to<U&&, T>
  void return_value(U&& v) { value_.template emplace<1>(std::forward<U>(v)); }
  T take() {
    if (error) std::rethrow_exception(error);
    return std::move(std::get<1>(value_));
  }

 private:
  std::variant<std::monostate, T> value_;
};

template <>
class task_promise<void> : public task_promise_common {
 public:
  task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void take() {
    if (error) std::rethrow_exception(error);
  }
};

}  // namespace detail

template <class T>
class [[nodiscard]] task {
 public:
  using promise_type = detail::task_promise<T>;
  using handle_type = std::coroutine_handle<promise_type>;
  using value_type = T;

  task() noexcept = default;
  explicit task(handle_type h) noexcept : handle_(h) {}
  task(task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      reset();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  ~task() { reset(); }

  bool valid() const noexcept { return bool(handle_); }
  bool done() const noexcept { return handle_ && handle_.done(); }

  // Awaiting a task runs it in the awaiter's cancel_node.
  auto operator co_await() && noexcept { return awaiter{handle_}; }

  // For the reactor's own machinery (loop::run, scopes, when_all): start the
  // task in a given node, resuming `continuation` (if any) when it ends.
  handle_type handle() const noexcept { return handle_; }
  handle_type release() noexcept { return std::exchange(handle_, {}); }

 private:
  struct awaiter {
    handle_type callee;
    bool await_ready() const noexcept { return !callee || callee.done(); }
    template <detail::reactor_promise P>
    bool await_suspend(std::coroutine_handle<P> caller) {
      auto& p = callee.promise();
      p.node = caller.promise().node;
      p.continuation = caller;
      return detail::resume_inline(callee, p.state);
    }
    T await_resume() {
      assert(callee && "awaiting an empty task");
      return callee.promise().take();
    }
  };

  void reset() noexcept {
    if (handle_) handle_.destroy();
    handle_ = {};
  }
  handle_type handle_;
};

namespace detail {
template <class T>
task<T> task_promise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<task_promise<T>>::from_promise(*this)};
}
inline task<void> task_promise<void>::get_return_object() noexcept {
  return task<void>{std::coroutine_handle<task_promise<void>>::from_promise(*this)};
}

// `co_await this_node()` inside a reactor coroutine yields its cancel_node,
// without suspending.
struct this_node_awaiter {
  cancel_node* node = nullptr;
  bool await_ready() const noexcept { return false; }
  template <reactor_promise P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    node = h.promise().node;
    return false;
  }
  cancel_node& await_resume() const noexcept { return *node; }
};
// Awaits `t` like `co_await t`, but runs it in `node` (a node the caller
// made, usually a child of its own) instead of the caller's node.
template <class T>
struct run_in_awaiter {
  cancel_node& node;
  task<T> callee;
  bool await_ready() const noexcept { return false; }
  template <reactor_promise P>
  bool await_suspend(std::coroutine_handle<P> caller) {
    auto& p = callee.handle().promise();
    p.node = &node;
    p.continuation = caller;
    return resume_inline(callee.handle(), p.state);
  }
  T await_resume() { return callee.handle().promise().take(); }
};
template <class T>
run_in_awaiter<T> run_in(cancel_node& node, task<T> t) {
  return {node, std::move(t)};
}

// Makes the awaiting coroutine run in `node` from now on (used by the
// reactor's own child runners, whose node lives in their frame).
struct adopt_node {
  cancel_node& node;
  bool await_ready() const noexcept { return false; }
  template <reactor_promise P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    h.promise().node = &node;
    return false;
  }
  void await_resume() const noexcept {}
};

}  // namespace detail

inline detail::this_node_awaiter this_node() noexcept {
  return {};
}

}  // namespace reactor
