// The scheduler's state, shared by the files that each hold one of its
// ideas (the contract is in jobs/scheduler.hpp):
//
//   slot_grid.cpp           when a job is due (pure arithmetic)
//   job_health.cpp          the UP / DEGRADED / DOWN state machine
//   scheduler.cpp           timers firing: start, queue for a concurrency
//                           slot, defer or skip; the public API
//   scheduler_run.cpp       one run: deadline, result, counters, the sink
//   scheduler_validate.cpp  what a job set must satisfy
//   scheduler_reload.cpp    apply(): the diff of one job set against the next
//   job_record.cpp          what a job keeps of its runs for status()
//
// An idle job is one job_entry and nothing else: its spec, one timer_node on
// the loop's timer heap armed at its next due instant, its counters and its
// state. No coroutine exists for an idle job. When the timer fires, the
// callback re-arms it for the next slot of the fixed grid (so a slow run
// never makes later slots drift) and either counts the slot as skipped (the
// previous run is still going) or spawns one run coroutine into run()'s
// scope. 100,000 idle jobs are therefore 100,000 heap entries, and the loop
// sleeps until the earliest of them.
//
// Lifetimes: a run refers to its job_entry (spec, counters). A job that
// apply() removes or changes while one of its runs is in flight is marked
// retired, its runs are cancelled, and the entry is parked in `retired`
// until its last run has ended.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "job_health.hpp"
#include "job_record.hpp"
#include "jobs/fetch.hpp"
#include "jobs/ping.hpp"
#include "jobs/scheduler.hpp"
#include "reactor/cancel.hpp"
#include "reactor/event.hpp"
#include "reactor/loop.hpp"
#include "reactor/scope.hpp"
#include "reactor/timer.hpp"
#include "slot_grid.hpp"

namespace jobs {

struct scheduler::impl {
  // One job. Is-a timer_node so the timer callback finds it without a lookup.
  struct job_entry : reactor::timer_node {
    job_entry(impl& o, job_spec s, reactor::deadline origin, std::chrono::system_clock::time_point wall)
        : owner(&o),
          spec(std::move(s)),
          anchor(wall_grid_anchor(origin, wall, spec.schedule.interval, phase_of(spec.name, spec.schedule.jitter))),
          next_due(origin + phase_of(spec.name, spec.schedule.jitter)) {
      on_fire = [](reactor::timer_node& t) {
        auto& j = static_cast<job_entry&>(t);
        j.owner->on_due(j);
      };
    }
    impl* owner;
    job_spec spec;
    // Every slot after the first is anchor + k * (interval in effect); the
    // anchor is a multiple of the interval since the Unix epoch plus the
    // phase, so the grid is the same across restarts and machines.
    reactor::deadline anchor;
    reactor::deadline next_due;         // the next slot (what the timer is armed at while run() runs)
    reactor::deadline running_until{};  // the deadline of the run in flight (without overlap)
    // A slot that starts when the run in flight ends; `never` for none (an
    // optional cost 8 bytes more).
    reactor::deadline deferred = reactor::never;
    std::uint64_t runs = 0, failures = 0, skipped = 0;
    std::uint32_t running = 0;  // runs spawned and not yet ended
    std::uint32_t queued = 0;   // runs waiting for a concurrency slot
    job_health health;
    // The flags together, after health's 4-byte fields: one padded word for all.
    bool first_slot = true;  // next_due is the run at start (start + phase), off the grid
    bool retired = false;    // removed or replaced by apply(); kept only until its runs end
    // Added (or changed) by a reload and not yet started: its first run
    // queues behind the runs of the jobs that were there (see on_due).
    bool newcomer = false;
    bool first_run_in_flight = false;
    // Its last result and histograms, sized for its kind: an idle job that
    // never ran pays the pointer.
    job_record::pointer record;
  };

  // One run in flight, linked from the run coroutine's frame, so apply() and
  // stop_gracefully() can cancel runs without keeping a handle per run.
  struct active_run {
    job_entry* job;
    reactor::cancel_node* node;
    char const* cancel_reason = "cancelled";
    active_run* prev = nullptr;
    active_run* next = nullptr;
  };

  struct pending_run {
    job_entry* job;
    reactor::deadline scheduled;
  };

  impl(reactor::loop& l, scheduler_options o, result_sink& s) : loop(l), options(o), sink(s), icmp(l), http(l) {}

  ~impl() {
    for (auto& j : jobs) loop.disarm(*j);
  }

  reactor::loop& loop;
  scheduler_options options;
  result_sink& sink;
  icmp_service icmp;
  http_client http;

  // In the order apply() was given. Found by name only in apply(), which
  // builds its index then: kept, it cost 56 bytes per job.
  std::vector<std::unique_ptr<job_entry>> jobs;
  std::vector<std::unique_ptr<job_entry>> retired;
  std::deque<pending_run> waiting;  // due order: timers fire in deadline order
  // First runs of jobs a reload added, in due order. They start only when
  // no run of an older job waits, and at most newcomer_slots() of them at
  // once: a reload that adds 10,000 jobs due at the same instant once held
  // every slot and starved a 1 s job for 19 s (18 skipped slots).
  std::deque<pending_run> waiting_first;
  std::size_t first_runs_in_flight = 0;
  bool applied = false;  // apply() has been called: later ones add newcomers
  active_run* first_active = nullptr;
  std::size_t in_flight = 0;  // runs spawned and not yet ended, all jobs together

  reactor::scope* runs_scope = nullptr;   // set while run() runs
  bool stopping = false;                  // stop_gracefully() has begun: nothing new starts
  char const* cancel_new_runs = nullptr;  // set once stop_gracefully() has given up waiting
  reactor::event idle;                    // set whenever in_flight drops to 0
  reactor::event stopped;                 // stop_gracefully() is done: run() returns

  // --- the schedule (scheduler.cpp) -----------------------------------------

  bool retesting(job_entry const& j) const noexcept {
    return j.spec.schedule.retest_interval && j.health.consecutive_failures > 0;
  }
  duration interval_in_effect(job_entry const& j) const noexcept {
    return retesting(j) ? *j.spec.schedule.retest_interval : j.spec.schedule.interval;
  }
  reactor::deadline slot_after(job_entry const& j, reactor::deadline t) const noexcept {
    return jobs::slot_after(j.anchor, interval_in_effect(j), t);
  }
  bool scheduling() const noexcept { return runs_scope && !stopping; }

  // The wake-up for slot `due`, on the accuracy grid (see wake_instant):
  // cells of scheduler_options::accuracy, or a tenth of the interval for a
  // job that runs more often than ten accuracy windows.
  void arm(job_entry& j) {
    loop.arm(j, wake_instant(j.next_due, std::min(options.accuracy, j.spec.schedule.interval / 10)));
  }
  void arm_all() {
    for (auto& j : jobs) arm(*j);
  }
  void disarm_all() noexcept {
    for (auto& j : jobs) loop.disarm(*j);
  }
  void drop_waiting() noexcept;
  // Half the slots at most for newcomers' first runs: the other half stays
  // for the jobs that were already running.
  std::size_t newcomer_slots() const noexcept { return std::max<std::size_t>(1, options.max_concurrency / 2); }
  reactor::deadline slot_following(job_entry const& j, reactor::deadline slot, bool first) const noexcept;
  void on_due(job_entry& j);
  void start_or_queue(job_entry& j, reactor::deadline slot);
  void start(job_entry& j, reactor::deadline slot);
  void start_waiting();

  // --- runs (scheduler_run.cpp) ---------------------------------------------

  void link(active_run& r) noexcept {
    r.next = first_active;
    if (first_active) first_active->prev = &r;
    first_active = &r;
  }
  void unlink(active_run& r) noexcept {
    (r.prev ? r.prev->next : first_active) = r.next;
    if (r.next) r.next->prev = r.prev;
  }
  template <class Pred>
  void cancel_runs(Pred which, char const* reason) noexcept {
    for (active_run* r = first_active; r; r = r->next)
      if (which(*r->job)) {
        r->cancel_reason = reason;
        r->node->cancel();
      }
  }
  reactor::task<void> run_one(job_entry& j, reactor::deadline scheduled);
  void finish(job_entry& j, run_result r);
  std::optional<state_change> update_state(job_entry& j, run_result const& r);
  reactor::task<void> until_idle();

  // --- the job set (scheduler_validate.cpp, scheduler_reload.cpp) -----------

  static void validate(std::vector<job_spec> const& specs);
  reload_summary apply(std::vector<job_spec> specs);
};

}  // namespace jobs
