// A sleep cancelled after its timer fired but before its coroutine resumed
// (both in one loop pass) must resume that coroutine once. bench/idle found
// the double resume: its end-of-window timer and sleepers due at the same
// instant, then scope::cancel().
#include <gtest/gtest.h>

#include <chrono>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"

using namespace std::chrono_literals;
using namespace reactor;

namespace {

class SleepCancel : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(SleepCancel);

// A low-level timer whose callback cancels one child of a scope.
struct child_canceller {
  timer_node node;  // first member: the callback gets back here by cast
  child_handle* child = nullptr;
  static void fire(timer_node& n) { reinterpret_cast<child_canceller&>(n).child->cancel(); }
};

// A coroutine function, not a lambda: a spawned lambda coroutine would keep
// a pointer to a lambda object gone by the time it runs.
task<void> sleep_then_count(loop& l, child_canceller& canceller, deadline when, int& resumed, int& saw_cancel) {
  l.arm(canceller.node, when + 1ms);
  try {
    co_await sleep_until(when);
  } catch (cancelled_error const&) {
    ++saw_cancel;
  }
  ++resumed;
}

TEST_P(SleepCancel, CancelAfterTimerFiredBeforeResume_ResumesOnce) {
  int resumed = 0;
  int saw_cancel = 0;
  child_canceller canceller;
  canceller.node.on_fire = &child_canceller::fire;
  child_handle child;
  canceller.child = &child;
  // Both deadlines are already past, so one pass pops both, in deadline
  // order: the sleep's timer (queues the child), then the canceller.
  deadline past = clock::now() - 10ms;
  l().run(open_scope([&](scope& s) -> task<void> {
    child = s.spawn(sleep_then_count(l(), canceller, past, resumed, saw_cancel));
    co_return;
  }));
  EXPECT_EQ(resumed, 1);
  EXPECT_EQ(saw_cancel, 1);  // the cancel came before the resume, so it wins
  EXPECT_TRUE(child.done());
}

}  // namespace
