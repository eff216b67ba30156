// Scopes (trio's nurseries): structured lifetimes for concurrent children.
//
//   co_await open_scope([&](scope& s) -> task<void> {
//     s.spawn(ping_forever(a));        // a coroutine with parameters, or
//     s.spawn([&]() -> task<void> {    // a lambda: pass it uncalled, so its
//       co_await ping_forever(b);       // captures live as long as the child
//     });
//     co_await sleep_for(10s);
//     s.cancel();            // end the children; open_scope awaits them
//   });
//
// Rules, by construction:
//  - A scope exists only inside open_scope, which returns only after the
//    body and every child have ended: a child cannot outlive its scope, and
//    fire-and-forget does not exist.
//  - A child's exception is never lost: the first one cancels the body and
//    the other children, and open_scope rethrows it once all have ended.
//  - s.cancel() cancels every child (not the body); child_handle::cancel()
//    cancels one. A cancelled child ends quietly.
//  - If the caller of open_scope is cancelled, everything inside is too, and
//    open_scope rethrows cancelled_error after all have ended.
#pragma once

#include <memory>
#include <optional>
#include <type_traits>

#include "reactor/detail/child_group.hpp"

namespace reactor {

// A handle to one spawned child: can cancel it, or ask whether it ended.
class child_handle {
 public:
  child_handle() = default;
  explicit child_handle(std::shared_ptr<detail::child_state> s) : state_(std::move(s)) {}
  bool done() const noexcept { return !state_ || state_->ended; }
  void cancel() noexcept {
    if (!state_) return;
    state_->cancel_requested = true;  // in case it has not started yet
    if (state_->node) state_->node->cancel();
  }

 private:
  std::shared_ptr<detail::child_state> state_;
};

class scope {
 public:
  explicit scope(cancel_node& scope_node) : group_(scope_node) { group_.cancel_on_failure(&scope_node); }
  scope(scope const&) = delete;

  // Starts `t` as a child of this scope (from the next loop pass).
  child_handle spawn(task<void> t) {
    return child_handle(group_.start(std::move(t), [] {}));
  }
  // Starts `coroutine()` as a child, keeping the callable alive as long as
  // the child runs. Prefer this for lambdas with captures:
  //   s.spawn([&] () -> task<void> { ... });   // not ...}());
  template <class F>
  requires std::is_invocable_r_v<task<void>, F&> child_handle spawn(F coroutine) {
    return child_handle(group_.start(std::move(coroutine), [] {}));
  }
  void cancel() noexcept { group_.node().cancel(); }
  std::size_t running() const noexcept { return group_.running(); }

 private:
  template <class F>
  friend auto open_scope(F body) -> std::invoke_result_t<F&, scope&>;

  detail::child_group group_;
};

template <class F>
auto open_scope(F body) -> std::invoke_result_t<F&, scope&> {
  using R = typename std::invoke_result_t<F&, scope&>::value_type;
  cancel_node& parent = co_await this_node();
  cancel_node scope_node(parent);  // the body runs here; children one level below
  scope s(scope_node);
  std::exception_ptr body_error;
  std::conditional_t<std::is_void_v<R>, bool, std::optional<R>> result{};
  try {
    if constexpr (std::is_void_v<R>)
      co_await detail::run_in(scope_node, body(s));
    else
      result = co_await detail::run_in(scope_node, body(s));
  } catch (...) {
    body_error = std::current_exception();
    s.cancel();
  }
  co_await s.group_.all_ended();
  if (parent.cancelled()) throw cancelled_error();
  if (auto e = s.group_.first_error()) std::rethrow_exception(e);
  if (body_error) std::rethrow_exception(body_error);
  if constexpr (!std::is_void_v<R>) co_return std::move(*result);
}

}  // namespace reactor
