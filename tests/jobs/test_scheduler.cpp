// The scheduler, driven by countdown jobs (no network): the fixed-rate grid,
// skipped slots, deadlines, the concurrency limit, apply()'s diff,
// next_runs, drain, and that an idle scheduler lets the loop sleep.
//
// Timings are reported, never asserted tightly: the grid instants are exact
// by construction (so they are asserted exactly), while lateness and
// durations get only generous bounds, for a noisy shared 2-core machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "jobs/histogram.hpp"
#include "jobs/scheduler.hpp"
#include "reactor/reactor.hpp"
#include "support/backends.hpp"
#include "support/recording_sink.hpp"

using namespace reactor;
using namespace std::chrono_literals;
using jobs::job_spec;
using jobs::outcome;
using jobs::run_result;

namespace {

job_spec countdown(std::string name, jobs::duration interval, int from, jobs::duration tick) {
  job_spec j;
  j.name = std::move(name);
  j.schedule.interval = interval;
  j.schedule.timeout = 10s;
  j.kind = jobs::countdown_spec{from, tick};
  return j;
}

// A countdown that never ends within its 5 ms timeout: every run fails.
job_spec timing_out(std::string name, jobs::duration interval) {
  job_spec j = countdown(std::move(name), interval, 1000, 10ms);
  j.schedule.timeout = 5ms;
  return j;
}

double ms(jobs::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Runs the scheduler next to `body`, then drains it (with a generous grace).
template <class Body>
void run_alongside(loop& l, jobs::scheduler& s, Body body) {
  l.run(open_scope([&](scope& sc) -> task<void> {
    sc.spawn(s.run());
    co_await body();
    co_await s.drain(clock::now() + 10s);
  }));
}

// The largest number of runs whose [started, started + took) overlap.
int max_overlap(std::vector<run_result> const& rs) {
  std::vector<std::pair<deadline, int>> edges;
  for (auto const& r : rs) {
    edges.emplace_back(r.started, +1);
    edges.emplace_back(r.started + r.took, -1);
  }
  std::sort(edges.begin(), edges.end());  // at equal instants an end (-1) sorts first
  int now = 0, most = 0;
  for (auto const& e : edges) most = std::max(most, now += e.second);
  return most;
}

}  // namespace

class Scheduler : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(Scheduler);

TEST_P(Scheduler, DefaultTimeout_IsShorterThanTheInterval) {
  jobs::schedule_spec s;
  for (auto iv : {jobs::duration(1ms), jobs::duration(10s), jobs::duration(1h)}) {
    s.interval = iv;
    EXPECT_GT(jobs::default_timeout(s), jobs::duration::zero());
    EXPECT_LT(jobs::default_timeout(s), iv);
  }
}

TEST_P(Scheduler, SlowRun_LaterSlotsStayOnTheGrid) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  // Each run takes 3 x 40 ms = 120 ms, longer than the 100 ms interval.
  s.apply({countdown("slow", 100ms, 3, 40ms)});
  run_alongside(l(), s, []() -> task<void> { co_await sleep_for(750ms); });

  auto runs = sink.of("slow");
  ASSERT_GE(runs.size(), 2u);
  // The first run comes at start; the grid starts with the slot after it.
  deadline first = sink.skipped.empty() ? runs[1].scheduled : std::min(runs[1].scheduled, sink.skipped[0].second);
  for (auto const& r : std::vector(runs.begin() + 1, runs.end())) {
    EXPECT_EQ((r.scheduled - first) % 100ms, jobs::duration::zero())
        << "run due " << ms(r.scheduled - first) << " ms after the first is off the grid";
    EXPECT_GE(r.lateness, jobs::duration::zero());
    std::printf("  run due at +%.0f ms started %.3f ms late, took %.1f ms\n", ms(r.scheduled - first), ms(r.lateness),
                ms(r.took));
  }
  for (auto const& [job, slot] : sink.skipped) EXPECT_EQ((slot - first) % 100ms, jobs::duration::zero());
  // Runs never overlap (no allow_overlap), so every run after the first is
  // at least two slots after the one before it.
  for (std::size_t i = 2; i < runs.size(); ++i) EXPECT_GE(runs[i].scheduled - runs[i - 1].scheduled, 200ms);
}

TEST_P(Scheduler, SlotComingWhileRunning_IsSkippedCountedAndReported) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  s.apply({countdown("slow", 50ms, 3, 40ms)});  // 120 ms per run, slots every 50 ms
  run_alongside(l(), s, []() -> task<void> { co_await sleep_for(500ms); });

  auto runs = sink.of("slow");
  ASSERT_GE(runs.size(), 2u);
  // Each finished run spanned at least 120 ms, so the slots that came while
  // it ran were reported as skipped, as still running or, when a loaded
  // machine stalled the loop past them, as passed (5 + 1 of 6 was seen under
  // load). A run on the grid covers the two slots after its own. The first
  // run comes at start, off the grid, and the first grid slot is one to two
  // intervals after it: that run may cover only one slot (CI saw 1 + 2 + 2).
  EXPECT_GE(sink.skipped.size() + sink.late_slots(), 1 + 2 * (runs.size() - 2));
  // So every run on the grid is at least three intervals after the one before.
  for (std::size_t i = 2; i < runs.size(); ++i) EXPECT_GE(runs[i].scheduled - runs[i - 1].scheduled, 150ms);
  auto st = s.status();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].skipped, sink.skipped.size() + sink.late_slots());  // a loaded machine may stall the loop
  EXPECT_EQ(st[0].runs, runs.size());
  for (auto const& [job, slot] : sink.skipped) {
    EXPECT_EQ(job, "slow");
    // The skipped slot lies inside some run.
    bool inside = std::any_of(runs.begin(), runs.end(), [&](run_result const& r) {
      return r.scheduled < slot && slot <= r.started + r.took + 50ms;
    });
    EXPECT_TRUE(inside || slot > runs.back().scheduled);
  }
}

// A loop that stalls (here: blocked for 300 ms) comes to a 20 ms job's slot
// only after many more have passed. Those are not run late one by one, and
// not dropped silently: they are reported as skipped, all in one call, so
// every slot of the grid is either a run or a reported skip.
TEST_P(Scheduler, StalledLoop_EveryPassedSlotIsReportedAsSkipped) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  s.apply({countdown("fast", 20ms, 0, 1ms)});
  run_alongside(l(), s, []() -> task<void> {
    co_await sleep_for(100ms);
    std::this_thread::sleep_for(300ms);  // the stall: nothing on the loop runs
    co_await sleep_for(100ms);
  });
  auto runs = sink.of("fast");
  ASSERT_GE(runs.size(), 3u);
  EXPECT_GE(sink.late_slots(), 300ms / 20ms - 2) << "the stall's slots were dropped without a word";
  // The first run comes at start, off the grid; the grid begins with the second.
  auto first = runs[1].scheduled, last = runs.back().scheduled;
  std::size_t covered = runs.size() - 1;
  for (auto const& [job, slot] : sink.skipped) covered += first <= slot && slot <= last;
  for (auto const& l : sink.late)
    for (std::size_t i = 0; i < l.slots; ++i) covered += first <= l.first + i * 20ms && l.first + i * 20ms <= last;
  EXPECT_EQ(covered, static_cast<std::size_t>((last - first) / 20ms) + 1) << "every slot is a run or a reported skip";
  EXPECT_EQ(s.status().at(0).skipped, sink.skipped.size() + sink.late_slots());
}

TEST_P(Scheduler, AllowOverlap_StartsTheNextRunWhileOneIsGoing) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  auto j = countdown("overlapping", 50ms, 3, 40ms);
  j.schedule.allow_overlap = true;
  s.apply({j});
  run_alongside(l(), s, []() -> task<void> { co_await sleep_for(400ms); });
  EXPECT_TRUE(sink.skipped.empty());
  EXPECT_GE(max_overlap(sink.of("overlapping")), 2);
}

TEST_P(Scheduler, RunPastItsDeadline_IsCancelledAndReportedAsTimeout) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  auto j = countdown("hangs", 1h, 100, 10ms);  // 1 s of ticks
  j.schedule.timeout = 50ms;
  s.apply({j});
  std::size_t events_at_end = 0;
  run_alongside(l(), s, [&]() -> task<void> {
    while (sink.results.empty()) co_await sleep_for(5ms);
    events_at_end = sink.events_of("hangs");
    co_await sleep_for(100ms);  // a countdown that kept going would tick 10 more times
  });
  ASSERT_EQ(sink.results.size(), 1u);
  run_result const& r = sink.results[0];
  EXPECT_EQ(r.result, outcome::timeout) << jobs::to_string(r.result) << ": " << r.message;
  EXPECT_NE(r.message.find("deadline"), std::string::npos) << r.message;
  auto const* d = std::get_if<jobs::countdown_result>(&r.details);
  ASSERT_NE(d, nullptr) << "the countdown's own report of how far it got is kept";
  EXPECT_LT(d->ticks, 100);
  EXPECT_GE(r.took, 50ms);
  EXPECT_LT(r.took, 900ms);
  EXPECT_EQ(sink.events_of("hangs"), events_at_end) << "the countdown kept ticking";
  for (auto const& e : sink.events) EXPECT_NE(e.second, "liftoff");
  std::printf("  timed out after %.1f ms at tick %d\n", ms(r.took), d->ticks);
}

TEST_P(Scheduler, ResultCarriesNameKindTimesAndDetails) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  s.apply({countdown("t3", 1h, 3, 5ms)});
  run_alongside(l(), s, [&]() -> task<void> {
    while (sink.results.empty()) co_await sleep_for(5ms);
  });
  ASSERT_EQ(sink.results.size(), 1u);
  run_result const& r = sink.results[0];
  EXPECT_EQ(r.job, "t3");
  EXPECT_EQ(r.kind, "countdown");
  EXPECT_EQ(r.result, outcome::success) << r.message;
  EXPECT_EQ(r.lateness, r.started - r.scheduled);
  EXPECT_GE(r.took, 15ms);
  ASSERT_TRUE(std::holds_alternative<jobs::countdown_result>(r.details));
  EXPECT_EQ(std::get<jobs::countdown_result>(r.details).ticks, 3);
  auto st = s.status();
  ASSERT_EQ(st.size(), 1u);
  EXPECT_EQ(st[0].state, jobs::job_state::up);
  ASSERT_TRUE(st[0].last);
  EXPECT_EQ(st[0].last->job, "t3");
  EXPECT_EQ(st[0].runs, 1u);
  EXPECT_EQ(st[0].failures, 0u);
}

TEST_P(Scheduler, ConcurrencyLimit_NeverExceeded) {
  recording_sink sink;
  jobs::scheduler s(l(), jobs::scheduler_options{3}, sink);
  std::vector<job_spec> specs;
  for (int i = 0; i < 20; ++i) specs.push_back(countdown("c" + std::to_string(i), 1h, 2, 10ms));
  s.apply(specs);
  int most_running = 0;
  run_alongside(l(), s, [&]() -> task<void> {
    while (sink.results.size() < 20) {
      int running = 0;
      for (auto const& st : s.status()) running += st.running;
      most_running = std::max(most_running, running);
      co_await sleep_for(2ms);
    }
  });
  ASSERT_EQ(sink.results.size(), 20u);
  for (auto const& r : sink.results) EXPECT_EQ(r.result, outcome::success) << r.message;
  EXPECT_LE(most_running, 3);
  EXPECT_EQ(max_overlap(sink.results), 3) << "20 runs due at once fill all 3 slots";
}

TEST_P(Scheduler, WaitingRuns_StartInDueOrder) {
  recording_sink sink;
  jobs::scheduler s(l(), jobs::scheduler_options{1}, sink);
  run_alongside(l(), s, [&]() -> task<void> {
    // "first" holds the only slot for 100 ms; the others come due one by
    // one meanwhile (each apply() starts the new job's grid at that moment).
    std::vector<job_spec> specs{countdown("first", 1h, 2, 50ms)};
    s.apply(specs);
    for (std::string name : {"a", "b", "c", "d"}) {
      co_await sleep_for(5ms);
      specs.push_back(countdown(name, 1h, 0, 1ms));
      s.apply(specs);
    }
    while (sink.results.size() < 5) co_await sleep_for(5ms);
  });
  ASSERT_EQ(sink.results.size(), 5u);
  std::vector<std::string> order;
  for (auto const& r : sink.results) order.push_back(r.job);
  EXPECT_EQ(order, (std::vector<std::string>{"first", "a", "b", "c", "d"}));
  for (std::size_t i = 1; i < sink.results.size(); ++i)
    EXPECT_LT(sink.results[i - 1].scheduled, sink.results[i].scheduled);
}

TEST_P(Scheduler, OneHangingJob_DoesNotStarveTheOthers) {
  recording_sink sink;
  jobs::scheduler s(l(), jobs::scheduler_options{2}, sink);
  auto bad = countdown("hangs", 60ms, 1000, 10ms);
  bad.schedule.timeout = 50ms;
  std::vector<job_spec> specs{bad};
  for (int i = 0; i < 4; ++i) specs.push_back(countdown("ok" + std::to_string(i), 60ms, 1, 1ms));
  s.apply(specs);
  run_alongside(l(), s, []() -> task<void> { co_await sleep_for(600ms); });
  for (auto const& r : sink.of("hangs")) EXPECT_EQ(r.result, outcome::timeout);
  for (int i = 0; i < 4; ++i) {
    auto runs = sink.of("ok" + std::to_string(i));
    std::printf("  ok%d: %zu runs in 600 ms at a 60 ms interval\n", i, runs.size());
    EXPECT_GE(runs.size(), 3u);
    for (auto const& r : runs) EXPECT_EQ(r.result, outcome::success) << r.message;
  }
  EXPECT_EQ(s.status()[0].state, jobs::job_state::down);
}

TEST_P(Scheduler, FailAfter_GoesDownOnlyAfterThatManyFailuresInARow) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  auto bad = timing_out("bad", 30ms);
  bad.schedule.fail_after = 3;
  auto good = countdown("good", 30ms, 0, 1ms);
  s.apply({bad, good});
  run_alongside(l(), s, [&]() -> task<void> {
    while (sink.of("bad").size() < 4) co_await sleep_for(5ms);
  });
  auto bad_runs = sink.of("bad");
  std::vector<jobs::state_change> bad_changes;
  std::vector<std::size_t> after_runs;
  for (std::size_t i = 0; i < sink.changes.size(); ++i)
    if (sink.changes[i].job == "bad") {
      bad_changes.push_back(sink.changes[i]);
      after_runs.push_back(sink.runs_before_change[i]);
    }
  ASSERT_EQ(bad_changes.size(), 1u) << "one change: unknown -> down, on the third failure";
  EXPECT_EQ(bad_changes[0].from, jobs::job_state::unknown);
  EXPECT_EQ(bad_changes[0].to, jobs::job_state::down);
  EXPECT_EQ(after_runs[0], 3u) << "the change is its own event, right after the third result";
  EXPECT_NE(bad_changes[0].reason.find("deadline"), std::string::npos) << bad_changes[0].reason;
  EXPECT_GE(bad_runs.size(), 3u);
  auto good_changes = std::count_if(sink.changes.begin(), sink.changes.end(), [](auto const& c) {
    return c.job == "good" && c.from == jobs::job_state::unknown && c.to == jobs::job_state::up;
  });
  EXPECT_EQ(good_changes, 1);
  auto st = s.status();
  EXPECT_EQ(st[0].state, jobs::job_state::down);
  EXPECT_EQ(st[0].failures, st[0].runs);
  EXPECT_EQ(st[1].state, jobs::job_state::up);
}

TEST_P(Scheduler, RetestInterval_RunsAFailingJobMoreOften) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  auto bad = timing_out("bad", 1h);
  bad.schedule.retest_interval = 40ms;
  bad.schedule.fail_after = 2;
  s.apply({bad});
  run_alongside(l(), s, [&]() -> task<void> {
    while (sink.of("bad").size() < 3) co_await sleep_for(5ms);
  });
  auto runs = sink.of("bad");
  ASSERT_GE(runs.size(), 3u) << "without the retest interval the second run would be 1 h away";
  for (std::size_t i = 1; i < runs.size(); ++i)
    EXPECT_EQ((runs[i].scheduled - runs[1].scheduled) % 40ms, jobs::duration::zero());
  EXPECT_EQ(s.status()[0].state, jobs::job_state::down);
}

TEST_P(Scheduler, Apply_UnchangedJobsKeepTheirNextDueInstant) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  auto a = countdown("a", 200ms, 0, 1ms);
  a.schedule.jitter = 150ms;
  auto b = countdown("b", 200ms, 0, 1ms);
  auto c = countdown("c", 200ms, 0, 1ms);
  auto first = s.apply({a, b, c});
  EXPECT_EQ(first.added, 3);
  run_alongside(l(), s, [&]() -> task<void> {
    co_await sleep_for(250ms);
    auto before = s.next_runs(3);
    auto b2 = b;
    b2.schedule.interval = 300ms;
    auto d = countdown("d", 200ms, 0, 1ms);
    auto summary = s.apply({a, b2, d});
    EXPECT_EQ(summary.added, 1);
    EXPECT_EQ(summary.changed, 1);
    EXPECT_EQ(summary.removed, 1);
    EXPECT_EQ(summary.unchanged, 1);
    auto after = s.next_runs(3);
    EXPECT_EQ(after.size(), 3u);
    if (after.size() != 3u) co_return;
    EXPECT_EQ(after[0].first, "a");
    EXPECT_EQ(after[0].second, before[0].second) << "a is unchanged: same instants";
    EXPECT_EQ(after[1].first, "b");
    EXPECT_EQ(after[1].second[2] - after[1].second[1], 300ms);
    EXPECT_EQ(after[2].first, "d");
    EXPECT_EQ(s.job_count(), 3u);
    auto again = s.apply({a, b2, d});
    EXPECT_EQ(again.unchanged, 3);
    co_await sleep_for(250ms);
  });
  auto st = s.status();
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0].name, "a");
  EXPECT_GE(st[0].runs, 2u) << "a's state and counters survived both reloads";
}

TEST_P(Scheduler, Apply_JobThatChangesKind_ReportsTheNewKindsLastResultAndHistogramsOnly) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  auto keep = countdown("keep", 50ms, 0, 1ms);
  s.apply({countdown("x", 50ms, 0, 1ms), keep});
  auto fetches = [&] {
    std::size_t n = 0;
    for (auto const& r : sink.of("x")) n += r.kind == "fetch";
    return n;
  };
  run_alongside(l(), s, [&]() -> task<void> {
    while (sink.of("x").size() < 2 || sink.of("keep").size() < 2) co_await sleep_for(5ms);
    job_spec x;
    x.name = "x";
    x.schedule.interval = 50ms;
    x.schedule.timeout = 10s;
    x.kind = jobs::fetch_spec{"http://127.0.0.1:1/", {}};  // nothing listens: refused at once
    auto summary = s.apply({x, keep});
    EXPECT_EQ(summary.changed, 1);
    EXPECT_EQ(summary.unchanged, 1);
    while (fetches() < 2) co_await sleep_for(5ms);
  });
  auto st = s.status();
  ASSERT_EQ(st.size(), 2u);
  EXPECT_EQ(st[0].kind, "fetch");
  ASSERT_TRUE(st[0].last);
  EXPECT_EQ(st[0].last->kind, "fetch");
  EXPECT_EQ(st[0].last->result, outcome::failure);
  EXPECT_FALSE(st[0].last->message.empty());
  EXPECT_TRUE(std::holds_alternative<jobs::fetch_result>(st[0].last->details));
  EXPECT_EQ(st[0].runs, fetches()) << "the countdown's runs were the old entry's";
  ASSERT_NE(st[0].histograms.find(jobs::series::run_duration), nullptr);
  EXPECT_EQ(st[0].histograms.find(jobs::series::run_duration)->count(), st[0].runs);
  EXPECT_NE(st[0].histograms.find(jobs::fetch_series::first_byte), nullptr);

  EXPECT_EQ(st[1].name, "keep");
  ASSERT_TRUE(st[1].last);
  EXPECT_EQ(st[1].last->kind, "countdown");
  EXPECT_TRUE(std::holds_alternative<jobs::countdown_result>(st[1].last->details));
  EXPECT_EQ(st[1].runs, sink.of("keep").size()) << "kept its entry, and its counters, across the reload";
  ASSERT_NE(st[1].histograms.find(jobs::series::lateness), nullptr);
  EXPECT_EQ(st[1].histograms.find(jobs::series::lateness)->count(), st[1].runs);
  EXPECT_EQ(st[1].histograms.find(jobs::fetch_series::first_byte), nullptr);
}

TEST_P(Scheduler, Apply_RemovedJobStopsAndItsRunIsCancelled) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  s.apply({countdown("long", 50ms, 1000, 10ms), countdown("stays", 50ms, 0, 1ms)});
  std::size_t long_results = 0;
  run_alongside(l(), s, [&]() -> task<void> {
    while (sink.events_of("long") < 3) co_await sleep_for(5ms);
    auto summary = s.apply({countdown("stays", 50ms, 0, 1ms)});
    EXPECT_EQ(summary.removed, 1);
    EXPECT_EQ(summary.unchanged, 1);
    while (sink.of("long").empty()) co_await sleep_for(5ms);
    long_results = sink.of("long").size();
    co_await sleep_for(200ms);  // four slots of the removed job
  });
  auto runs = sink.of("long");
  ASSERT_EQ(runs.size(), 1u) << "the removed job started nothing after the reload";
  EXPECT_EQ(long_results, 1u);
  EXPECT_EQ(runs[0].result, outcome::cancelled);
  EXPECT_NE(runs[0].message.find("reload"), std::string::npos) << runs[0].message;
  EXPECT_EQ(s.job_count(), 1u);
  EXPECT_GE(sink.of("stays").size(), 3u);
}

TEST_P(Scheduler, NextRuns_FollowTheGridWithAStablePhase) {
  recording_sink sink;
  jobs::scheduler one(l(), {}, sink);
  jobs::scheduler two(l(), {}, sink);
  auto j = countdown("phased", 1s, 0, 1ms);
  j.schedule.jitter = 800ms;
  deadline t0 = clock::now();
  one.apply({j});
  deadline t1 = clock::now();
  auto a = one.next_runs(4);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].second.size(), 4u);
  // The first run comes at start (plus the phase); the grid follows, at
  // least an interval after it.
  EXPECT_GE(a[0].second[1] - a[0].second[0], 1s);
  EXPECT_LT(a[0].second[1] - a[0].second[0], 2s);
  for (std::size_t i = 2; i < 4; ++i) EXPECT_EQ(a[0].second[i] - a[0].second[i - 1], 1s);
  jobs::duration phase_lo = a[0].second[0] - t1, phase_hi = a[0].second[0] - t0;
  EXPECT_GE(phase_hi, jobs::duration::zero());
  EXPECT_LT(phase_lo, 800ms);
  // The same name gets the same phase in another scheduler (or after a restart).
  deadline u0 = clock::now();
  two.apply({j});
  deadline u1 = clock::now();
  auto b = two.next_runs(1);
  EXPECT_LE(b[0].second[0] - u1, phase_hi);
  EXPECT_GE(b[0].second[0] - u0, phase_lo);
  // Different names spread over the jitter window.
  std::vector<job_spec> many;
  for (int i = 0; i < 50; ++i) {
    auto k = countdown("job-" + std::to_string(i), 1s, 0, 1ms);
    k.schedule.jitter = 800ms;
    many.push_back(k);
  }
  two.apply(many);
  auto spread = two.next_runs(1);
  auto [lo, hi] = std::minmax_element(spread.begin(), spread.end(),
                                      [](auto const& x, auto const& y) { return x.second[0] < y.second[0]; });
  EXPECT_GT(hi->second[0] - lo->second[0], 400ms);
}

TEST_P(Scheduler, NextRuns_AfterTheFirstLieOnTheWallClockGrid) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  s.apply({countdown("on-the-minute", 1min, 0, 1ms)});
  auto steady_now = clock::now();
  auto wall_now = std::chrono::system_clock::now();
  auto runs = s.next_runs(3);
  ASSERT_EQ(runs.size(), 1u);
  for (std::size_t i = 1; i < 3; ++i) {
    auto wall =
        wall_now + std::chrono::duration_cast<std::chrono::system_clock::duration>(runs[0].second[i] - steady_now);
    auto past_the_minute = std::chrono::duration_cast<std::chrono::milliseconds>(wall.time_since_epoch()) % 60'000;
    // Reading the two clocks a few microseconds apart is the only error.
    EXPECT_TRUE(past_the_minute < 20ms || past_the_minute > 59'980ms)
        << "run " << i << " is due " << past_the_minute.count() << " ms past a whole minute";
  }
}

TEST_P(Scheduler, TimeoutEqualToInterval_ATimedOutRunDoesNotCostTheNextSlot) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  auto j = countdown("hangs", 100ms, 1000, 10ms);
  j.schedule.timeout = 100ms;  // each run times out just after its next slot has come
  s.apply({j});
  run_alongside(l(), s, [&]() -> task<void> {
    while (sink.results.size() < 6) co_await sleep_for(5ms);
  });
  auto runs = sink.of("hangs");
  ASSERT_GE(runs.size(), 6u);
  for (auto const& r : runs) EXPECT_EQ(r.result, outcome::timeout) << r.message;
  // Each slot runs (a little late, when the run before it ends); none is
  // skipped, so a failing job keeps its rate.
  EXPECT_EQ(sink.skipped.size(), 0u);
  for (std::size_t i = 2; i < runs.size(); ++i)
    EXPECT_EQ(runs[i].scheduled - runs[i - 1].scheduled, 100ms) << "run " << i;
}

TEST_P(Scheduler, Drain_LetsInFlightRunsFinish) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  s.apply({countdown("finishing", 1h, 3, 30ms)});
  l().run(open_scope([&](scope& sc) -> task<void> {
    sc.spawn(s.run());
    while (sink.events_of("finishing") == 0) co_await sleep_for(2ms);
    co_await s.drain(clock::now() + 10s);  // run() returns once drain is done
  }));
  ASSERT_EQ(sink.results.size(), 1u);
  EXPECT_EQ(sink.results[0].result, outcome::success) << sink.results[0].message;
  EXPECT_EQ(std::get<jobs::countdown_result>(sink.results[0].details).ticks, 3);
  EXPECT_EQ(sink.events.back().second, "liftoff");
}

TEST_P(Scheduler, Drain_CancelsRunsStillGoingAfterTheGrace) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  s.apply({countdown("endless", 1h, 1000, 10ms)});
  deadline drained_at{};
  l().run(open_scope([&](scope& sc) -> task<void> {
    sc.spawn(s.run());
    while (sink.events_of("endless") == 0) co_await sleep_for(2ms);
    co_await s.drain(clock::now() + 50ms);
    drained_at = clock::now();
  }));
  ASSERT_EQ(sink.results.size(), 1u);
  run_result const& r = sink.results[0];
  EXPECT_EQ(r.result, outcome::cancelled) << r.message;
  EXPECT_NE(r.message.find("shutdown"), std::string::npos) << r.message;
  EXPECT_LT(std::get<jobs::countdown_result>(r.details).ticks, 1000);
  EXPECT_LE(r.started + r.took, drained_at);
  std::printf("  cancelled after %.1f ms (grace 50 ms)\n", ms(r.took));
}

TEST_P(Scheduler, IdleJobs_LetTheLoopSleepUntilTheEarliestDue) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  std::vector<job_spec> specs;
  for (int i = 0; i < 1000; ++i) {
    auto j = countdown("idle-" + std::to_string(i), 1h, 0, 1ms);
    j.schedule.jitter = 1h;
    specs.push_back(j);
  }
  s.apply(std::move(specs));
  reactor::loop_stats before{}, after{};
  std::size_t runs_before = 0, runs_after = 0;
  l().run(open_scope([&](scope& sc) -> task<void> {
    sc.spawn(s.run());
    co_await sleep_for(20ms);  // let the first due runs (if any phase is that small) go
    before = l().stats();
    runs_before = sink.results.size();
    co_await sleep_for(300ms);
    after = l().stats();
    runs_after = sink.results.size();
    co_await s.drain(clock::now() + 1s);
  }));
  // 1000 jobs over an hour: about 0.1 due in 300 ms. The only timers that
  // fire are the test's own sleep and the slots of jobs that ran; a scheduler
  // that ticked would fire hundreds. Passes bound the loop's wake-ups loosely
  // (the kernel may wake a wait early now and then); a loop that polled
  // instead of sleeping would count hundreds of thousands.
  std::uint64_t fired = after.timers_fired - before.timers_fired;
  std::uint64_t passes = after.passes - before.passes;
  std::printf("  in 300 ms with 1000 idle jobs: %llu timers fired, %llu passes, %llu blocking waits\n",
              static_cast<unsigned long long>(fired), static_cast<unsigned long long>(passes),
              static_cast<unsigned long long>(after.blocking_waits - before.blocking_waits));
  EXPECT_LE(fired, 1 + (runs_after - runs_before));
  EXPECT_LE(passes, 100u);
}

// Slots within one accuracy cell start in one wake-up, none before its
// slot's cell ends, and late_ms is measured from the slot itself.
TEST_P(Scheduler, Accuracy_RunsDueWithinOneCellStartInOneWakeUp) {
  constexpr auto cell = 200ms;
  constexpr int n = 50;
  auto wake_ups_for = [&](jobs::duration accuracy, std::vector<run_result>& results) {
    recording_sink sink;
    jobs::scheduler s(l(), jobs::scheduler_options{512, accuracy}, sink);
    std::vector<job_spec> specs;
    for (int i = 0; i < n; ++i) {
      auto j = countdown("spread-" + std::to_string(i), 1h, 0, 1ms);
      j.schedule.jitter = cell;  // phases spread over one cell's length: they straddle at most 2 cells
      specs.push_back(j);
    }
    s.apply(std::move(specs));
    std::uint64_t waits = 0;
    run_alongside(l(), s, [&]() -> task<void> {
      auto before = l().stats().blocking_waits;
      while (sink.results.size() < std::size_t(n)) co_await sleep_for(2 * cell);
      waits = l().stats().blocking_waits - before;
    });
    results = sink.results;
    return waits;
  };
  std::vector<run_result> coalesced, exact;
  auto waits = wake_ups_for(cell, coalesced);
  auto waits_exact = wake_ups_for(0ms, exact);
  std::printf("  %d slots spread over %.0f ms: %llu wake-ups with accuracy %.0f ms, %llu with none\n", n, ms(cell),
              static_cast<unsigned long long>(waits), ms(cell), static_cast<unsigned long long>(waits_exact));
  ASSERT_EQ(coalesced.size(), std::size_t(n));
  std::set<deadline::rep> slots;
  for (auto const& r : coalesced) {
    auto c = std::chrono::duration_cast<jobs::duration>(cell).count();
    auto slot = r.scheduled.time_since_epoch().count();
    deadline cell_end{jobs::duration((slot + c - 1) / c * c)};
    EXPECT_GE(r.started, cell_end) << r.job << " started before the end of its slot's cell";
    EXPECT_EQ(r.lateness, r.started - r.scheduled) << r.job;
    slots.insert(slot);
  }
  EXPECT_EQ(slots.size(), std::size_t(n)) << "each run reports its own slot, not the shared wake-up";
  // Two cells, the test's own sleeps (one or two), and room for a wait the
  // kernel ends early; without coalescing there is one wake-up per slot.
  EXPECT_LE(waits, 8u);
}

TEST_P(Scheduler, Apply_RejectsDuplicateNamesAndBadIntervals) {
  recording_sink sink;
  jobs::scheduler s(l(), {}, sink);
  EXPECT_THROW(s.apply({countdown("x", 1s, 1, 1ms), countdown("x", 2s, 1, 1ms)}), std::invalid_argument);
  EXPECT_THROW(s.apply({countdown("zero", 0s, 1, 1ms)}), std::invalid_argument);
  EXPECT_EQ(s.job_count(), 0u) << "a rejected job set changes nothing";
  EXPECT_THROW(jobs::scheduler(l(), jobs::scheduler_options{0}, sink), std::invalid_argument);
}

TEST_P(Scheduler, ReloadAddingManyJobs_DoesNotStarveTheJobsThatWereThere) {
  // A 50 ms job runs alone; a reload adds 200 jobs due at once, each holding
  // a slot for 200 ms, with 8 slots. Before, the beat's runs queued behind
  // all 200 (5 s) and its slots were skipped meanwhile; now the newcomers'
  // first runs take at most half the slots and queue behind the beat's.
  recording_sink sink;
  jobs::scheduler s(l(), jobs::scheduler_options{8}, sink);
  std::vector<job_spec> specs{countdown("beat", 50ms, 0, 1ms)};
  s.apply(specs);
  run_alongside(l(), s, [&]() -> task<void> {
    co_await sleep_for(200ms);
    for (int i = 0; i < 200; ++i) specs.push_back(countdown("new" + std::to_string(i), 1h, 1, 200ms));
    s.apply(specs);
    co_await sleep_for(1s);
  });
  std::size_t beats_after_reload = 0;
  for (auto const& r : sink.of("beat")) beats_after_reload += r.started > sink.of("beat").front().started + 250ms;
  std::size_t beat_skipped = 0;
  for (auto const& [job, slot] : sink.skipped) beat_skipped += job == "beat";
  EXPECT_EQ(beat_skipped, 0u);
  EXPECT_GE(beats_after_reload, 10u) << "in the second after the reload, at 50 ms";
  std::size_t newcomers_done = 0;
  for (auto const& r : sink.results) newcomers_done += r.job.starts_with("new");
  EXPECT_GE(newcomers_done, 8u) << "the newcomers ran too, 4 at a time";
}
