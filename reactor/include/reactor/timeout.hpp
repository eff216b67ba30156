// with_timeout (asyncio.wait_for): await a task, but cancel it if `limit`
// passes first and throw timeout_error once it has ended. A deadline is just
// cancellation on a timer: the task sees cancelled_error at its await point
// and unwinds normally; its kernel operations complete before it resumes.
#pragma once

#include "reactor/cancel.hpp"
#include "reactor/error.hpp"
#include "reactor/loop.hpp"
#include "reactor/task.hpp"
#include "reactor/timer.hpp"

namespace reactor {

template <class T>
task<T> with_timeout(deadline limit, task<T> t) {
  cancel_node& parent = co_await this_node();
  cancel_node inner(parent);
  struct expiry : timer_node {
    cancel_node* target = nullptr;
    bool fired = false;
    loop* owner = nullptr;
    ~expiry() { owner->disarm(*this); }
  } timer;
  timer.target = &inner;
  timer.owner = &parent.owner();
  timer.on_fire = [](timer_node& n) {
    auto& e = static_cast<expiry&>(n);
    e.fired = true;
    e.target->cancel();
  };
  parent.owner().arm(timer, limit);
  try {
    co_return co_await detail::run_in(inner, std::move(t));
  } catch (cancelled_error const&) {
    if (timer.fired && !parent.cancelled()) throw timeout_error();
    throw;
  }
}

}  // namespace reactor
