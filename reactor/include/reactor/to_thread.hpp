// to_thread (asyncio.to_thread): runs a blocking call on a thread of its own
// and awaits its result without blocking the loop. For calls that have no
// non-blocking form, such as getaddrinfo.
//
//   auto look_up = [name] { return resolve(name); };
//   auto address = co_await reactor::to_thread(std::move(look_up));
//
// Name the callable first, as above, when it captures by value: GCC 12
// copies a lambda written inside a co_await expression bytewise into the
// coroutine frame, so a captured std::string ends up pointing at the old
// copy's buffer (a bad free when it is destroyed; seen with ASan).
//
// The call's exception, if any, is rethrown in the awaiting coroutine.
// Cancelling the await abandons the call: the coroutine resumes at once
// (with cancelled_error), and the thread finishes the call alone and drops
// its result. It never touches the loop after that, so the loop may even be
// gone by then. So the call must own what it uses (capture by value: an
// abandoned call outlives the coroutine) and must not use the loop. Each
// call is one new thread.
#pragma once

#include <coroutine>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>

#include "reactor/event.hpp"
#include "reactor/loop.hpp"
#include "reactor/task.hpp"

namespace reactor {

namespace detail {

// `co_await running_loop{}`: the loop this coroutine runs on, without
// suspending.
struct running_loop {
  loop* found = nullptr;
  bool await_ready() const noexcept { return false; }
  template <reactor_promise P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    found = &h.promise().node->owner();
    return false;
  }
  loop& await_resume() const noexcept { return *found; }
};

// What the awaiting coroutine and the thread share. The thread hands its
// result over only while `owner` is set, under the mutex; the coroutine
// clears `owner` when it stops waiting, so a thread that outlives it
// touches nothing of the loop's.
template <class T>
struct thread_call {
  std::mutex mutex;
  loop* owner = nullptr;
  std::optional<T> value;
  std::exception_ptr error;
  event finished;  // the loop's thread only
};

}  // namespace detail

template <class F>
task<std::invoke_result_t<F>> to_thread(F call) {
  using T = std::invoke_result_t<F>;
  static_assert(!std::is_void_v<T>, "to_thread needs a call that returns a value");
  auto shared = std::make_shared<detail::thread_call<T>>();
  loop& owner = co_await detail::running_loop{};
  shared->owner = &owner;
  std::thread([shared, call = std::move(call)]() mutable {
    std::optional<T> value;
    std::exception_ptr error;
    try {
      value.emplace(call());
    } catch (...) {
      error = std::current_exception();
    }
    std::lock_guard lock(shared->mutex);
    if (!shared->owner) return;  // abandoned
    if (value) shared->value.emplace(std::move(*value));
    shared->error = error;
    shared->owner->post([shared] { shared->finished.set(); });
  }).detach();

  struct disown {  // on every way out of the await, cancellation included
    detail::thread_call<T>& call;
    ~disown() {
      std::lock_guard lock(call.mutex);
      call.owner = nullptr;
    }
  } guard{*shared};
  co_await shared->finished.wait();
  std::lock_guard lock(shared->mutex);
  if (shared->error) std::rethrow_exception(shared->error);
  co_return std::move(*shared->value);
}

}  // namespace reactor
