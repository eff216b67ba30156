// The scheduler: starts each job's runs on time and reports what they did.
//
//  - Fixed-rate, on the wall clock: a job's first run comes at start (or
//    when a reload adds it) plus its phase, a stable per-job offset in
//    [0, jitter); every later run k is due at k * interval + phase since
//    the Unix epoch (the first of them at least an interval after the
//    start-up run), so a schedule is the same across restarts and
//    machines. A slow run does not make later runs drift; a run still going
//    when its next slot comes makes that slot skipped (counted, and
//    reported to the sink), unless the job allows overlap, or the run's
//    deadline comes before the following slot: then the slot starts, late,
//    when the run ends (timeout == interval costs no slot).
//  - Every run has a deadline (schedule.timeout, by default shorter than
//    the interval); past it the run is cancelled and reported as a timeout.
//  - A global concurrency limit; runs wait for a slot in due order.
//  - Per-job state UP / DEGRADED / DOWN with fail_after / recover_after
//    (recover_after good runs in a row leave DOWN, and recover_after
//    successes in a row leave DEGRADED for UP); a state change is its own
//    event.
//  - apply() replaces the job set, diffing by name: unchanged jobs keep
//    their schedule and state, changed ones restart, removed ones are
//    cancelled, new ones start.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobs/histogram.hpp"
#include "jobs/result.hpp"
#include "jobs/spec.hpp"
#include "reactor/clock.hpp"
#include "reactor/task.hpp"

namespace reactor {
class loop;
}

namespace jobs {

enum class job_state { unknown, up, degraded, down };
char const* to_string(job_state) noexcept;

struct state_change {
  std::string job;
  label_set labels;  // the job's
  job_state from = job_state::unknown;
  job_state to = job_state::unknown;
  std::string reason;  // the message of the run that caused it
};

enum class skip_reason {
  still_running,  // the previous run was still going when the slot came
  loop_late,      // the loop came to the slot only after the next one had passed
};

// Where results go. Called on the loop's thread; must not block.
class result_sink {
 public:
  virtual ~result_sink() = default;
  virtual void on_result(run_result const& r) = 0;
  virtual void on_state_change(state_change const& c) = 0;
  // Progress inside a run (a countdown's ticks).
  virtual void on_event(job_spec const& job, std::string const& message) = 0;
  // `slots` slots of `job` that did not start, the first at `first`, the
  // others an interval apart: one slot that came while the previous run was
  // still going, or every slot that passed while the loop was too late to
  // start it (a stall of the whole loop), at once.
  virtual void on_skipped(job_spec const& job, reactor::deadline first, std::size_t slots, skip_reason why) = 0;
};

struct scheduler_options {
  std::size_t max_concurrency = 512;  // runs in flight at once, all jobs together
  // Timer accuracy, as systemd's AccuracySec or the kernel's timer slack: a
  // job's timer is armed at its slot rounded up to the next multiple of this
  // (on the monotonic clock, the same grid for every job), so runs due within
  // one such cell start in one wake-up of the loop instead of one each. A run
  // never starts early and at most this late; its lateness (late_ms) is still
  // measured from the slot itself. Capped at a tenth of the job's interval.
  // Zero: every slot its own wake-up.
  duration accuracy = std::chrono::milliseconds(100);
};

struct reload_summary {
  int added = 0, changed = 0, removed = 0, unchanged = 0;
};

// A snapshot of one job, for /metrics and /healthz.
struct job_status {
  std::string name;
  std::string kind;
  label_set labels;
  job_state state = job_state::unknown;
  std::uint64_t runs = 0;
  std::uint64_t failures = 0;
  std::uint64_t skipped = 0;
  bool running = false;
  std::optional<run_result> last;
  run_histograms histograms;  // every run's figures, not only the last's
};

// The default run deadline for a schedule with no explicit timeout.
duration default_timeout(schedule_spec const& s) noexcept;

class scheduler {
 public:
  scheduler(reactor::loop& loop, scheduler_options options, result_sink& sink);
  ~scheduler();
  scheduler(scheduler const&) = delete;
  scheduler& operator=(scheduler const&) = delete;

  // Runs the jobs until cancelled, or until drain() has finished.
  reactor::task<void> run();

  // Replaces the job set (names must be unique). Callable before or while
  // run() runs.
  reload_summary apply(std::vector<job_spec> jobs);

  // Graceful stop: start no new runs, let those in flight finish until
  // `grace`, cancel the rest, and make run() return.
  reactor::task<void> drain(reactor::deadline grace);

  // The next n instants each job is due, in job order: {name, instants};
  // fewer than n past what the clock can represent (about the year 2262).
  std::vector<std::pair<std::string, std::vector<reactor::deadline>>> next_runs(std::size_t n) const;

  std::vector<job_status> status() const;
  std::size_t job_count() const noexcept;
  // Jobs per state, indexed by job_state: what status() would count,
  // without copying every job's last result.
  std::array<std::size_t, 4> state_counts() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace jobs
