#include <stdexcept>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class Scope : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(Scope);

TEST_P(Scope, WaitsForEveryChildBeforeReturning) {
  int done = 0;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& s) -> task<void> {
      for (int i = 1; i <= 10; ++i)
        s.spawn([&, i]() -> task<void> {
          co_await sleep_for(std::chrono::milliseconds(i));
          ++done;
        });
      co_return;  // the body ends first; open_scope still waits
    });
    EXPECT_EQ(done, 10);
  }());
  EXPECT_EQ(done, 10);
}

TEST_P(Scope, ChildExceptionReachesTheScopeAndCancelsSiblings) {
  bool sibling_cancelled = false;
  bool body_cancelled = false;
  std::string caught;
  l().run([&]() -> task<void> {
    try {
      co_await open_scope([&](scope& s) -> task<void> {
        s.spawn([&]() -> task<void> {
          try {
            co_await sleep_for(10s);
          } catch (cancelled_error const&) {
            sibling_cancelled = true;
            throw;
          }
        });
        s.spawn([]() -> task<void> {
          co_await sleep_for(1ms);
          throw std::runtime_error("child failed");
        });
        try {
          co_await sleep_for(10s);
        } catch (cancelled_error const&) {
          body_cancelled = true;
          throw;
        }
      });
    } catch (std::runtime_error const& e) {
      caught = e.what();
    }
  }());
  EXPECT_EQ(caught, "child failed");
  EXPECT_TRUE(sibling_cancelled);
  EXPECT_TRUE(body_cancelled);
}

TEST_P(Scope, ExceptionOfAChildThatNobodyAwaitsIsNeverLost) {
  // The body returns at once; the child fails later; open_scope still throws.
  EXPECT_THROW(l().run(open_scope([](scope& s) -> task<void> {
    s.spawn([]() -> task<void> {
      co_await sleep_for(2ms);
      throw std::logic_error("late failure");
    });
    co_return;
  })),
               std::logic_error);
}

TEST_P(Scope, OwnerCancelsAllChildrenAndAwaitsTheirEnd) {
  int cleaned_up = 0;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& s) -> task<void> {
      for (int i = 0; i < 20; ++i)
        s.spawn([&]() -> task<void> {
          try {
            co_await sleep_for(10s);
          } catch (cancelled_error const&) {
            ++cleaned_up;
          }
        });
      co_await sleep_for(1ms);
      EXPECT_EQ(s.running(), 20u);
      s.cancel();
    });
    EXPECT_EQ(cleaned_up, 20);
  }());
}

TEST_P(Scope, OneChildCanBeCancelledAlone) {
  bool a_ran_out = false, b_cancelled = false;
  l().run([&]() -> task<void> {
    co_await open_scope([&](scope& s) -> task<void> {
      s.spawn([&]() -> task<void> {
        co_await sleep_for(5ms);
        a_ran_out = true;
      });
      child_handle b = s.spawn([&]() -> task<void> {
        try {
          co_await sleep_for(10s);
        } catch (cancelled_error const&) {
          b_cancelled = true;
        }
      });
      co_await sleep_for(1ms);
      b.cancel();
      co_await sleep_for(1ms);
      EXPECT_TRUE(b.done());
    });
  }());
  EXPECT_TRUE(a_ran_out);
  EXPECT_TRUE(b_cancelled);
}

TEST_P(Scope, BodyValueIsReturned) {
  int v = l().run(open_scope([](scope& s) -> task<int> {
    s.spawn([]() -> task<void> { co_await sleep_for(1ms); });
    co_return 3;
  }));
  EXPECT_EQ(v, 3);
}
