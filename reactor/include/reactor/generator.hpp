// generator<T>: an async generator (asyncio's `async def ... yield`). The
// body may co_await anything and co_yield values; the consumer pulls them:
//
//   auto ticks = countdown(3);
//   while (auto t = co_await ticks.next()) use(*t);
//
// next() yields std::nullopt at the end and rethrows an exception thrown in
// the body. The body runs in the consumer's cancel_node, so cancelling the
// consumer cancels what the body awaits. Values produced without suspending
// are handed over without touching the loop (no stack growth either).
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

#include "reactor/task.hpp"

namespace reactor {

template <class T>
class [[nodiscard]] generator {
 public:
  struct promise_type : detail::promise_base {
    std::optional<T> current;
    std::exception_ptr error;
    std::coroutine_handle<> consumer;
    detail::run_state state = detail::run_state::idle;

    generator get_return_object() noexcept {
      return generator(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    detail::hand_back final_suspend() noexcept { return {state, consumer}; }
    template <class U>
    detail::hand_back yield_value(U&& v) {
      current.emplace(std::forward<U>(v));
      return {state, consumer};
    }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };
  using handle_type = std::coroutine_handle<promise_type>;

  generator(generator&& o) noexcept : handle_(std::exchange(o.handle_, {})) {}
  generator& operator=(generator&& o) noexcept {
    if (this != &o) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(o.handle_, {});
    }
    return *this;
  }
  ~generator() {
    if (handle_) handle_.destroy();
  }

  struct next_awaiter {
    handle_type gen;
    bool await_ready() const noexcept { return gen.done(); }
    template <detail::reactor_promise P>
    bool await_suspend(std::coroutine_handle<P> consumer) {
      auto& p = gen.promise();
      p.node = consumer.promise().node;
      p.consumer = consumer;
      p.current.reset();
      return detail::resume_inline(gen, p.state);
    }
    std::optional<T> await_resume() {
      auto& p = gen.promise();
      if (p.error) std::rethrow_exception(std::exchange(p.error, {}));
      if (gen.done()) return std::nullopt;
      return std::move(p.current);
    }
  };
  next_awaiter next() noexcept { return {handle_}; }

 private:
  explicit generator(handle_type h) noexcept : handle_(h) {}
  handle_type handle_;
};

}  // namespace reactor
