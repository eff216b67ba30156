// countdown: "T-n" per tick from N down to 1, then "liftoff"; cancellable at
// any tick, reporting how far it got.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "jobs/countdown.hpp"
#include "jobs/fetch.hpp"
#include "jobs/ping.hpp"
#include "reactor/reactor.hpp"
#include "support/backends.hpp"

using namespace reactor;
using namespace std::chrono_literals;
using jobs::outcome;
using jobs::run_result;

class Countdown : public on_each_backend {
 protected:
  // What a countdown may use: the services exist but are never touched.
  struct harness {
    explicit harness(loop& l)
        : icmp(l), http(l), ctx{l, icmp, http, [this](std::string const& m) {
                                  events.push_back(m);
                                  at.push_back(clock::now());
                                }} {}
    jobs::icmp_service icmp;
    jobs::http_client http;
    std::vector<std::string> events;
    std::vector<deadline> at;
    jobs::job_context ctx;
  };
};
REACTORD_ON_EACH_BACKEND(Countdown);

TEST_P(Countdown, FromN_EmitsEachTickThenLiftoff) {
  harness h(l());
  jobs::countdown_spec spec{3, 10ms};
  deadline start = clock::now();
  run_result r = l().run(jobs::run_countdown(spec, h.ctx));
  jobs::duration took = clock::now() - start;
  EXPECT_EQ(r.result, outcome::success) << r.message;
  EXPECT_EQ(h.events, (std::vector<std::string>{"T-3", "T-2", "T-1", "liftoff"}));
  ASSERT_TRUE(std::holds_alternative<jobs::countdown_result>(r.details));
  EXPECT_EQ(std::get<jobs::countdown_result>(r.details).ticks, 3);
  EXPECT_GE(took, 30ms);
  // Ticks are aligned to the start: event k comes no earlier than k ticks in.
  for (std::size_t k = 0; k < h.at.size(); ++k) {
    EXPECT_GE(h.at[k] - h.at[0], k * 10ms);
    std::printf("  %-8s at +%.3f ms\n", h.events[k].c_str(),
                std::chrono::duration<double, std::milli>(h.at[k] - h.at[0]).count());
  }
}

TEST_P(Countdown, FromZero_LiftsOffAtOnce) {
  harness h(l());
  run_result r = l().run(jobs::run_countdown(jobs::countdown_spec{0, 1h}, h.ctx));
  EXPECT_EQ(r.result, outcome::success);
  EXPECT_EQ(h.events, std::vector<std::string>{"liftoff"});
  EXPECT_EQ(std::get<jobs::countdown_result>(r.details).ticks, 0);
}

TEST_P(Countdown, CancelledAtATick_StopsAndReportsHowFarItGot) {
  harness h(l());
  jobs::countdown_spec spec{100, 10ms};
  std::size_t events_when_stopped = 0;
  run_result r = l().run([&]() -> task<run_result> {
    run_result got = co_await with_timeout(clock::now() + 35ms, jobs::run_countdown(spec, h.ctx));
    events_when_stopped = h.events.size();
    co_await sleep_for(50ms);  // a countdown still going would tick 5 more times
    co_return got;
  }());
  EXPECT_EQ(r.result, outcome::cancelled);
  EXPECT_NE(r.message.find("T-"), std::string::npos) << r.message;
  int ticks = std::get<jobs::countdown_result>(r.details).ticks;
  EXPECT_LT(ticks, 100);
  EXPECT_EQ(h.events.size(), static_cast<std::size_t>(ticks) + 1) << "T-100 plus one per tick";
  EXPECT_EQ(h.events.size(), events_when_stopped);
  EXPECT_NE(h.events.back(), "liftoff");
  std::printf("  stopped after %d ticks (expected about 3), %s\n", ticks, r.message.c_str());
}

TEST_P(Countdown, CancelledByItsScope_EndsWithoutLiftoff) {
  harness h(l());
  run_result got;
  // A named lambda: the coroutine reads its captures through the closure,
  // which must outlive it.
  auto count_into_got = [&]() -> task<void> {
    got = co_await jobs::run_countdown(jobs::countdown_spec{1000, 5ms}, h.ctx);
  };
  l().run(open_scope([&](scope& s) -> task<void> {
    s.spawn(count_into_got());
    co_await sleep_for(20ms);
    s.cancel();
  }));
  EXPECT_EQ(got.result, outcome::cancelled);
  EXPECT_LT(std::get<jobs::countdown_result>(got.details).ticks, 1000);
  EXPECT_NE(h.events.back(), "liftoff");
}
