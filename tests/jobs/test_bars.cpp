// A job's bars (degraded_if / failed_if) on finished runs, without a
// network: ping's loss_over, which only a lossy path crosses (the ping
// suites' loopback loses nothing), and the order of the checks. The
// RTT and fetch bars are also crossed by real runs in test_ping_namespace
// and test_fetch.
#include <gtest/gtest.h>

#include "jobs/ping.hpp"

using namespace std::chrono_literals;
using jobs::outcome;
using jobs::ping_result;
using jobs::ping_spec;
using jobs::run_result;

namespace {

// A ping run as ping.cpp leaves it before the bars: success when every
// echo came back, degraded on partial loss, failure when none did.
run_result ping_run(int sent, int received, jobs::duration rtt = 1ms) {
  ping_result p;
  p.sent = sent;
  p.received = received;
  p.loss_percent = sent ? 100.0 * (sent - received) / sent : 100.0;
  if (received) p.rtt_min = p.rtt_avg = p.rtt_max = rtt;
  p.rtts.assign(static_cast<std::size_t>(received), rtt);
  run_result r;
  r.result = received == sent && sent > 0 ? outcome::success : received > 0 ? outcome::degraded : outcome::failure;
  if (r.result != outcome::success)
    r.message = std::to_string(sent - received) + " of " + std::to_string(sent) + " lost";
  r.details = p;
  return r;
}

run_result judged(ping_spec const& spec, run_result r) {
  jobs::apply_bars(spec, r);
  return r;
}

}  // namespace

TEST(PingBars, FailedIfLossOver_FailsARunThatLostMoreNamingLossAndBar) {
  ping_spec s;
  s.options.edit().failed_if.loss_over_percent = 50;
  run_result r = judged(s, ping_run(4, 1));  // 75% lost
  EXPECT_EQ(r.result, outcome::failure) << r.message;
  EXPECT_EQ(r.condition, "failed_if.loss_over");
  EXPECT_EQ(r.message.rfind("loss 75% is over 50% (failed_if.loss_over)", 0), 0u) << r.message;
  // At the bar is not over it: partial loss stays degraded, as without bars.
  r = judged(s, ping_run(4, 2));
  EXPECT_EQ(r.result, outcome::degraded) << r.message;
  EXPECT_TRUE(r.condition.empty()) << r.condition;
}

TEST(PingBars, DegradedIfLossOver_ReplacesAnyLostEchoIsDegraded) {
  ping_spec s;
  s.options.edit().degraded_if.loss_over_percent = 30;
  run_result within = judged(s, ping_run(10, 8));  // 20% lost: within the job's own bar
  EXPECT_EQ(within.result, outcome::success) << within.message;
  EXPECT_TRUE(within.message.empty()) << within.message;
  run_result over = judged(s, ping_run(10, 6));  // 40% lost
  EXPECT_EQ(over.result, outcome::degraded) << over.message;
  EXPECT_EQ(over.condition, "degraded_if.loss_over");
  EXPECT_NE(over.message.find("loss 40% is over 30%"), std::string::npos) << over.message;
  // No echo answered is a failure whatever the bar says.
  run_result none = judged(s, ping_run(10, 0));
  EXPECT_EQ(none.result, outcome::failure) << none.message;
}

TEST(PingBars, FailedIfIsCheckedBeforeDegradedIf) {
  ping_spec s;
  s.options.edit().degraded_if.rtt_avg_over = 1ms;
  s.options.edit().failed_if.rtt_avg_over = 10ms;
  run_result r = judged(s, ping_run(3, 3, 20ms));
  EXPECT_EQ(r.result, outcome::failure) << r.message;
  EXPECT_EQ(r.condition, "failed_if.rtt_avg_over");
  EXPECT_EQ(r.message, "rtt avg 20.000ms is over 10ms (failed_if.rtt_avg_over)");
  r = judged(s, ping_run(3, 3, 5ms));
  EXPECT_EQ(r.result, outcome::degraded) << r.message;
  EXPECT_EQ(r.condition, "degraded_if.rtt_avg_over");
}
