// run_histograms: which buckets an observation lands in, which histograms
// each kind keeps, and that a run that did not reach a phase does not count
// in it.
#include <gtest/gtest.h>

#include "jobs/histogram.hpp"

using namespace std::chrono_literals;
using jobs::fetch_series;
using jobs::ping_series;
using jobs::series;

namespace {

jobs::run_result run_of(char const* kind, jobs::duration took, jobs::duration lateness = 0ms) {
  jobs::run_result r;
  r.kind = kind;
  r.took = took;
  r.lateness = lateness;
  return r;
}

}  // namespace

TEST(Histogram, AnObservationOnABoundCountsInThatBucketAndPastTheLastInTheOverflow) {
  jobs::histogram h;
  h.observe(500us);  // le="0.0005"
  h.observe(501us);  // le="0.001"
  h.observe(10s);    // le="10"
  h.observe(11s);    // le="+Inf" only
  h.observe(0ns);    // le="0.0005"
  EXPECT_EQ(h.counts[0], 2u);
  EXPECT_EQ(h.counts[1], 1u);
  EXPECT_EQ(h.counts[jobs::histogram_bounds.size() - 1], 1u);
  EXPECT_EQ(h.counts.back(), 1u);
  EXPECT_EQ(h.count(), 5u);
  EXPECT_DOUBLE_EQ(h.sum, 0.0005 + 0.000501 + 10 + 11);
}

TEST(Histogram, NothingIsAllocatedBeforeTheFirstRunAndEachKindKeepsOnlyItsOwn) {
  jobs::run_histograms none;
  EXPECT_EQ(none.heap_bytes(), 0u);
  EXPECT_EQ(none.find(series::run_duration), nullptr);

  jobs::run_histograms countdown, ping, fetch;
  countdown.record(run_of("countdown", 2ms));
  ping.record(run_of("ping", 2ms));
  fetch.record(run_of("fetch", 2ms));
  EXPECT_NE(countdown.find(series::lateness), nullptr);
  EXPECT_EQ(countdown.find(ping_series::rtt), nullptr);
  EXPECT_EQ(countdown.find(fetch_series::connect), nullptr);
  EXPECT_NE(ping.find(ping_series::rtt), nullptr);
  EXPECT_EQ(ping.find(fetch_series::first_byte), nullptr);
  EXPECT_EQ(fetch.find(ping_series::rtt), nullptr);
  EXPECT_NE(fetch.find(fetch_series::tls), nullptr);
  // Two, three and five histograms of 56 bytes, and the block's vtable pointer.
  EXPECT_LT(countdown.heap_bytes(), ping.heap_bytes());
  EXPECT_LT(ping.heap_bytes(), fetch.heap_bytes());
  EXPECT_LE(fetch.heap_bytes(), 5 * sizeof(jobs::histogram) + 8);
  EXPECT_LE(sizeof(jobs::histogram), 56u);
  EXPECT_EQ(sizeof(jobs::run_histograms), sizeof(void*));
}

TEST(Histogram, EveryEchoCountsAndARunWithoutDetailsCountsOnlyItsDurationAndLateness) {
  jobs::run_histograms h;
  auto r = run_of("ping", 30ms, 2ms);
  auto& p = r.details.emplace<jobs::ping_result>();
  p.rtts = {100us, 200us, 2ms};
  h.record(r);
  h.record(run_of("ping", 1s));  // timed out: no details
  EXPECT_EQ(h.find(series::run_duration)->count(), 2u);
  EXPECT_EQ(h.find(series::lateness)->count(), 2u);
  EXPECT_EQ(h.find(ping_series::rtt)->count(), 3u);
  EXPECT_EQ(h.find(ping_series::rtt)->counts[0], 2u);
}

TEST(Histogram, AFetchPhaseCountsOnlyInRunsThatWentThroughIt) {
  jobs::run_histograms h;
  auto fresh = run_of("fetch", 10ms);
  auto& f = fresh.details.emplace<jobs::fetch_result>();
  f.dns = 100us;
  f.connect = 300us;
  f.tls = 4ms;
  f.first_byte = 6ms;
  f.total = 9ms;
  h.record(fresh);
  auto reused = run_of("fetch", 2ms);  // a reused connection: no connect, no handshake
  auto& g = reused.details.emplace<jobs::fetch_result>();
  g.first_byte = 1ms;
  g.total = 2ms;
  h.record(reused);
  auto refused = run_of("fetch", 1ms);  // nothing answered
  refused.details.emplace<jobs::fetch_result>().total = 1ms;
  h.record(refused);
  EXPECT_EQ(h.find(series::run_duration)->count(), 3u);
  EXPECT_EQ(h.find(fetch_series::connect)->count(), 1u);
  EXPECT_EQ(h.find(fetch_series::tls)->count(), 1u);
  EXPECT_EQ(h.find(fetch_series::first_byte)->count(), 2u);
}

TEST(Histogram, ACopyIsDeep) {
  jobs::run_histograms a;
  a.record(run_of("countdown", 1ms));
  jobs::run_histograms b = a;
  a.record(run_of("countdown", 1ms));
  EXPECT_EQ(a.find(series::run_duration)->count(), 2u);
  EXPECT_EQ(b.find(series::run_duration)->count(), 1u);
  b = a;
  EXPECT_EQ(b.find(series::run_duration)->count(), 2u);
}
