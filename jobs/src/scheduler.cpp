// The scheduler (the contract is in scheduler.hpp).
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
// A run is: take a concurrency slot (or wait in due order for one), build
// the job_context, run the kind under with_timeout(start + timeout), stamp
// the times, update the job's state, hand result and state change to the
// sink, and give the slot to the next waiting run.
//
// Lifetimes: a run refers to its job_entry (spec, counters). A job that
// apply() removes or changes while one of its runs is in flight is marked
// retired, its runs are cancelled, and the entry is parked in `retired`
// until its last run has ended.
#include "jobs/scheduler.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "jobs/checked.hpp"
#include "jobs/context.hpp"
#include "jobs/countdown.hpp"
#include "jobs/fetch.hpp"
#include "jobs/ping.hpp"
#include "reactor/cancel.hpp"
#include "reactor/error.hpp"
#include "reactor/event.hpp"
#include "reactor/loop.hpp"
#include "reactor/scope.hpp"
#include "reactor/timeout.hpp"
#include "reactor/timer.hpp"

namespace jobs {

char const* to_string(job_state s) noexcept {
  switch (s) {
    case job_state::unknown: return "unknown";
    case job_state::up: return "up";
    case job_state::degraded: return "degraded";
    case job_state::down: return "down";
  }
  return "unknown";
}

// 80% of the interval: a run that has not ended by then is cancelled before
// its next slot comes, so a hanging target costs a timeout, not a skip.
duration default_timeout(schedule_spec const& s) noexcept { return s.interval / 5 * 4; }

namespace {

// The job's stable phase in [0, jitter): FNV-1a of its name, so the same
// name lands on the same offset after a reload or a restart.
duration phase_of(std::string const& name, duration jitter) noexcept {
  if (jitter <= duration::zero()) return duration::zero();
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : name) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return duration(static_cast<duration::rep>(h % static_cast<std::uint64_t>(jitter.count())));
}

// "250ms", "1.5s": for messages.
std::string describe(duration d) {
  char text[32];
  auto ns = d.count();
  if (ns < 1'000'000'000)
    std::snprintf(text, sizeof text, "%gms", static_cast<double>(ns) / 1e6);
  else
    std::snprintf(text, sizeof text, "%gs", static_cast<double>(ns) / 1e9);
  return text;
}

// The steady-clock instant of the first wall-clock grid point at or after
// `origin`: wall time k * interval + phase since the Unix epoch (as
// Telegraf's round_interval does), so two daemons, or one before and after
// a restart, run a job at the same wall-clock instants.
reactor::deadline wall_grid_anchor(reactor::deadline origin, std::chrono::system_clock::time_point wall,
                                   duration interval, duration phase) noexcept {
  if (interval <= duration::zero()) return origin + phase;
  auto since_epoch = std::chrono::duration_cast<duration>(wall.time_since_epoch()) - phase;
  auto off = since_epoch % interval;
  if (off < duration::zero()) off += interval;
  return origin + (interval - off) % interval;
}

bool counts_as_failure(outcome o) noexcept {
  return o == outcome::failure || o == outcome::timeout;
}

reactor::task<run_result> run_kind(kind_spec const& kind, job_context& ctx) {
  if (auto const* c = std::get_if<countdown_spec>(&kind)) return run_countdown(*c, ctx);
  if (auto const* p = std::get_if<ping_spec>(&kind)) return run_ping(*p, ctx);
  return run_fetch(std::get<fetch_spec>(kind), ctx);
}

}  // namespace

struct scheduler::impl {
  // One job. Is-a timer_node so the timer callback finds it without a lookup.
  struct job_entry : reactor::timer_node {
    job_entry(impl& o, job_spec s, reactor::deadline origin, std::chrono::system_clock::time_point wall)
        : owner(&o),
          spec(std::move(s)),
          anchor(wall_grid_anchor(origin, wall, spec.schedule.interval,
                                  phase_of(spec.name, spec.schedule.jitter))),
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
    reactor::deadline next_due;  // the next slot (what the timer is armed at while run() runs)
    bool first_slot = true;      // next_due is the run at start (start + phase), off the grid
    reactor::deadline running_until{};  // the deadline of the run in flight (without overlap)
    std::optional<reactor::deadline> deferred;  // a slot that starts when the run in flight ends
    std::uint64_t runs = 0, failures = 0, skipped = 0;
    std::uint32_t running = 0;  // runs spawned and not yet ended
    std::uint32_t queued = 0;   // runs waiting for a concurrency slot
    std::uint32_t consecutive_failures = 0, consecutive_successes = 0;
    std::uint32_t consecutive_clean = 0;  // successes in a row, degraded runs not counted
    job_state state = job_state::unknown;
    bool retired = false;  // removed or replaced by apply(); kept only until its runs end
    // Added (or changed) by a reload and not yet started: its first run
    // queues behind the runs of the jobs that were there (see on_due).
    bool newcomer = false;
    bool first_run_in_flight = false;
    std::unique_ptr<run_result> last;  // a pointer: an idle job that never ran pays 8 bytes
  };

  // One run in flight, linked from the run coroutine's frame, so apply() and
  // drain() can cancel runs without keeping a handle per run.
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

  impl(reactor::loop& l, scheduler_options o, result_sink& s)
      : loop(l), options(o), sink(s), icmp(l), http(l) {}

  ~impl() {
    for (auto& j : jobs) loop.disarm(*j);
  }

  reactor::loop& loop;
  scheduler_options options;
  result_sink& sink;
  icmp_service icmp;
  http_client http;

  std::vector<std::unique_ptr<job_entry>> jobs;  // in the order apply() was given
  std::unordered_map<std::string_view, std::size_t> index;  // name -> position in `jobs`
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

  reactor::scope* runs_scope = nullptr;  // set while run() runs
  bool draining = false;
  char const* cancel_new_runs = nullptr;  // set once drain() has given up waiting
  reactor::event idle;                    // set whenever in_flight drops to 0
  reactor::event stopped;                 // drain() is done: run() returns

  // --- the schedule -------------------------------------------------------

  bool retesting(job_entry const& j) const noexcept {
    return j.spec.schedule.retest_interval && j.consecutive_failures > 0;
  }
  duration interval_in_effect(job_entry const& j) const noexcept {
    return retesting(j) ? *j.spec.schedule.retest_interval : j.spec.schedule.interval;
  }
  // The first slot of the job's grid strictly after `t`.
  // The grid runs both ways from the anchor (which may lie ahead of `t`).
  reactor::deadline slot_after(job_entry const& j, reactor::deadline t) const noexcept {
    duration iv = interval_in_effect(j);
    auto k = (t - j.anchor) / iv;  // rounds toward zero: up before the anchor, down after it
    if (j.anchor + k * iv <= t) ++k;
    return j.anchor + k * iv;
  }

  bool scheduling() const noexcept { return runs_scope && !draining; }

  // When the loop wakes for slot `due`: the end of its cell on the accuracy
  // grid (scheduler_options::accuracy), so neighbouring slots share a
  // wake-up. Plus the slot's place in its cell scaled down 4096 times (at
  // most 25 us for a 100 ms cell): the loop fires due timers in deadline
  // order, so the runs of one wake-up still start, and queue for a
  // concurrency slot, in the order of their slots.
  reactor::deadline wake_for(job_entry const& j, reactor::deadline due) const noexcept {
    auto cell = std::min(options.accuracy, j.spec.schedule.interval / 10).count();
    if (cell <= 0) return due;
    auto past = due.time_since_epoch().count() % cell;
    if (past == 0) return due;
    return due + duration(cell - past + (past >> 12));
  }
  void arm(job_entry& j) { loop.arm(j, wake_for(j, j.next_due)); }

  void arm_all() {
    for (auto& j : jobs) arm(*j);
  }
  void disarm_all() noexcept {
    for (auto& j : jobs) loop.disarm(*j);
  }
  void drop_waiting() noexcept {
    for (auto& p : waiting) --p.job->queued;
    for (auto& p : waiting_first) --p.job->queued;
    waiting.clear();
    waiting_first.clear();
  }
  // Half the slots at most for newcomers' first runs: the other half stays
  // for the jobs that were already running.
  std::size_t newcomer_slots() const noexcept { return std::max<std::size_t>(1, options.max_concurrency / 2); }

  // The slot after `slot` (the job's first run comes at start, off the
  // grid; the first grid slot after it is at least a whole interval later,
  // so the start-up run does not make that slot a skip).
  reactor::deadline slot_following(job_entry const& j, reactor::deadline slot, bool first) const noexcept {
    reactor::deadline from = std::max(slot, loop.now());
    if (first) from = std::max(from, slot + interval_in_effect(j) - duration(1));
    return slot_after(j, from);
  }

  // The job's timer fired: its slot `next_due` has come.
  void on_due(job_entry& j) {
    reactor::deadline slot = j.next_due;
    // After a stall of the whole loop, resume on the grid rather than
    // firing once per missed slot; the slots that passed meanwhile are
    // reported, all in one call. (The accuracy window delays a wake-up by
    // at most a tenth of the interval, so it never makes a slot pass.)
    j.next_due = slot_following(j, slot, std::exchange(j.first_slot, false));
    arm(j);
    if (duration iv = interval_in_effect(j); j.next_due - slot > iv) {
      auto passed = static_cast<std::size_t>((j.next_due - slot) / iv - 1);
      if (passed > 0) {
        j.skipped += passed;
        sink.on_skipped(j.spec, slot + iv, passed, skip_reason::loop_late);
      }
    }
    if (!j.spec.schedule.allow_overlap && j.running + j.queued > 0) {
      // A run whose deadline comes before the following slot ends by then
      // anyway (with timeout == every, a run that times out ends just
      // after this slot): this slot starts when it ends, late, instead of
      // being lost, so a failing job still runs at its rate.
      if (j.queued == 0 && !j.deferred && j.running_until < j.next_due) {
        j.deferred = slot;
        return;
      }
      ++j.skipped;
      sink.on_skipped(j.spec, slot, 1, skip_reason::still_running);
      return;
    }
    start_or_queue(j, slot);
  }

  void start_or_queue(job_entry& j, reactor::deadline slot) {
    if (j.newcomer) {
      if (in_flight < options.max_concurrency && first_runs_in_flight < newcomer_slots()) {
        start(j, slot);
      } else {
        ++j.queued;
        waiting_first.push_back({&j, slot});
      }
    } else if (in_flight < options.max_concurrency) {
      start(j, slot);
    } else {
      ++j.queued;
      waiting.push_back({&j, slot});
    }
  }

  void start(job_entry& j, reactor::deadline slot) {
    if (j.newcomer) {
      j.newcomer = false;
      j.first_run_in_flight = true;
      ++first_runs_in_flight;
    }
    ++j.running;
    ++in_flight;
    idle.clear();
    runs_scope->spawn(run_one(j, slot));
  }

  void start_waiting() {
    while (runs_scope && in_flight < options.max_concurrency) {
      std::deque<pending_run>* from = nullptr;
      if (!waiting.empty()) from = &waiting;
      else if (!waiting_first.empty() && first_runs_in_flight < newcomer_slots()) from = &waiting_first;
      else break;
      pending_run p = from->front();
      from->pop_front();
      --p.job->queued;
      start(*p.job, p.scheduled);
    }
  }

  // --- runs -----------------------------------------------------------------

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

  reactor::task<void> run_one(job_entry& j, reactor::deadline scheduled) {
    reactor::cancel_node& self = co_await reactor::this_node();
    active_run me{&j, &self};
    link(me);
    run_result r;
    reactor::deadline started = reactor::clock::now();
    duration limit = j.spec.schedule.timeout.value_or(default_timeout(j.spec.schedule));
    reactor::deadline limit_at = started + limit;
    if (!j.spec.schedule.allow_overlap) j.running_until = limit_at;
    if (j.retired || cancel_new_runs) {
      r.result = outcome::cancelled;
    } else {
      job_context ctx{loop, icmp, http,
                      [this, &j](std::string const& m) { sink.on_event(j.spec, m); }};
      try {
        r = co_await reactor::with_timeout(limit_at, run_kind(j.spec.kind, ctx));
      } catch (reactor::timeout_error const&) {
        r = run_result{};
        r.result = outcome::timeout;
      } catch (reactor::cancelled_error const&) {
        r = run_result{};
        r.result = outcome::cancelled;
      } catch (std::exception const& e) {
        r = run_result{};
        r.result = outcome::failure;
        r.message = e.what();
      }
    }
    reactor::deadline ended = reactor::clock::now();
    // A kind may catch the deadline's cancellation itself to report how far
    // it got (countdown does); nobody but the deadline cancelled it then.
    if (r.result == outcome::cancelled && !self.cancelled() && ended >= limit_at)
      r.result = outcome::timeout;
    if (r.result == outcome::timeout) {
      std::string why = "no result within the " + describe(limit) + " deadline";
      r.message = r.message.empty() ? why : why + " (" + r.message + ")";
    } else if (r.result == outcome::cancelled) {
      char const* reason = j.retired ? "job removed or changed by a reload"
                           : cancel_new_runs ? cancel_new_runs
                                             : me.cancel_reason;
      r.message = r.message.empty() ? reason : std::string(reason) + " (" + r.message + ")";
    }
    r.job = j.spec.name;
    r.kind = kind_name(j.spec.kind);
    r.labels = j.spec.labels;
    r.scheduled = scheduled;
    r.started = started;
    r.lateness = started - scheduled;
    r.took = ended - started;
    unlink(me);
    finish(j, std::move(r));
  }

  // The run is over: counters, state, sink, and its slot to the next run.
  void finish(job_entry& j, run_result r) {
    --j.running;
    --in_flight;
    if (j.first_run_in_flight) {
      j.first_run_in_flight = false;
      --first_runs_in_flight;
    }
    std::optional<state_change> change;
    if (!j.retired) {
      ++j.runs;
      if (counts_as_failure(r.result)) ++j.failures;
      change = update_state(j, r);
      if (retesting(j) && scheduling()) {
        reactor::deadline sooner = slot_after(j, reactor::clock::now());
        if (sooner < j.next_due) {
          j.next_due = sooner;
          arm(j);
        }
      }
    }
    sink.on_result(r);
    // Kept for status() by moving, into the storage of the previous result
    // where there is one: no allocation and no copy per run.
    if (!j.retired) {
      if (j.last) *j.last = std::move(r);
      else j.last = std::make_unique<run_result>(std::move(r));
    }
    if (change) sink.on_state_change(*change);
    std::optional<reactor::deadline> deferred = std::exchange(j.deferred, std::nullopt);
    if (j.retired && j.running == 0)
      std::erase_if(retired, [&j](auto const& e) { return e.get() == &j; });  // j is gone now
    else if (deferred && !j.retired && scheduling())
      start_or_queue(j, *deferred);
    start_waiting();
    if (in_flight == 0) idle.set();
  }

  static void saturating_increment(std::uint32_t& n) noexcept {
    if (n < std::numeric_limits<std::uint32_t>::max()) ++n;
  }

  // UP / DEGRADED follow each good run; DOWN comes after fail_after failures
  // in a row and is left only after recover_after good runs in a row.
  // Cancelled runs say nothing about the target and change nothing.
  std::optional<state_change> update_state(job_entry& j, run_result const& r) {
    schedule_spec const& s = j.spec.schedule;
    job_state before = j.state;
    job_state after = before;
    auto const recover_after = static_cast<std::uint32_t>(std::max(1, s.recover_after));
    if (r.result == outcome::success || r.result == outcome::degraded) {
      j.consecutive_failures = 0;
      saturating_increment(j.consecutive_successes);
      if (r.result == outcome::success) saturating_increment(j.consecutive_clean);
      else j.consecutive_clean = 0;
      job_state good = r.result == outcome::success ? job_state::up : job_state::degraded;
      if (before == job_state::down) {
        if (j.consecutive_successes >= recover_after) after = good;
      } else if (before == job_state::degraded && good == job_state::up) {
        // Out of DEGRADED as out of DOWN: recover_after clean runs in a row.
        if (j.consecutive_clean >= recover_after) after = good;
      } else {
        after = good;
      }
    } else if (counts_as_failure(r.result)) {
      j.consecutive_successes = 0;
      j.consecutive_clean = 0;
      saturating_increment(j.consecutive_failures);
      if (j.consecutive_failures >= static_cast<std::uint32_t>(std::max(1, s.fail_after)))
        after = job_state::down;
    }
    j.state = after;
    if (after == before) return std::nullopt;
    return state_change{j.spec.name, j.spec.labels, before, after,
                        r.message.empty() ? std::string(to_string(r.result)) : r.message};
  }

  reactor::task<void> until_idle() {
    while (in_flight > 0) co_await idle.wait();
  }

  // --- the job set ----------------------------------------------------------

  static void validate(std::vector<job_spec> const& specs) {
    std::unordered_set<std::string_view> names;
    names.reserve(specs.size());
    for (auto const& j : specs) {
      auto fail = [&j](char const* what) {
        throw std::invalid_argument("job \"" + j.name + "\": " + what);
      };
      if (j.name.empty()) throw std::invalid_argument("a job has an empty name");
      if (!names.insert(j.name).second) fail("the name is used twice");
      schedule_spec const& s = j.schedule;
      if (s.interval <= duration::zero()) fail("interval must be positive");
      if (s.jitter < duration::zero()) fail("jitter must not be negative");
      if (s.timeout && *s.timeout <= duration::zero()) fail("timeout must be positive");
      if (s.retest_interval && *s.retest_interval <= duration::zero())
        fail("retest interval must be positive");
    }
  }

  reload_summary apply(std::vector<job_spec> specs) {
    validate(specs);
    reload_summary summary;
    reactor::deadline origin = reactor::clock::now();
    auto wall = std::chrono::system_clock::now();
    std::vector<std::unique_ptr<job_entry>> next;
    next.reserve(specs.size());
    for (auto& spec : specs) {
      auto it = index.find(spec.name);
      if (it == index.end()) {
        ++summary.added;
      } else if (jobs[it->second]->spec == spec) {
        next.push_back(std::move(jobs[it->second]));  // keeps its timer, grid and state
        ++summary.unchanged;
        continue;
      } else {
        ++summary.changed;  // the old entry stays in `jobs`, to be retired below
      }
      next.push_back(std::make_unique<job_entry>(*this, std::move(spec), origin, wall));
      next.back()->newcomer = applied;
      if (scheduling()) arm(*next.back());
    }
    applied = true;
    // What is left in `jobs` was changed or removed: it starts nothing more,
    // and its runs in flight are cancelled.
    for (auto& old : jobs) {
      if (!old) continue;
      old->retired = true;
      loop.disarm(*old);
    }
    auto left = std::count_if(jobs.begin(), jobs.end(), [](auto const& j) { return j != nullptr; });
    summary.removed = static_cast<int>(left) - summary.changed;
    cancel_runs([](job_entry const& j) { return j.retired; }, "job removed or changed by a reload");
    auto drop_retired = [](pending_run const& p) {
      if (!p.job->retired) return false;
      --p.job->queued;
      return true;
    };
    std::erase_if(waiting, drop_retired);
    std::erase_if(waiting_first, drop_retired);
    for (auto& old : jobs)
      if (old && old->running > 0) retired.push_back(std::move(old));
    jobs = std::move(next);
    index.clear();
    index.reserve(jobs.size());
    for (std::size_t i = 0; i < jobs.size(); ++i) index.emplace(jobs[i]->spec.name, i);
    return summary;
  }
};

scheduler::scheduler(reactor::loop& loop, scheduler_options options, result_sink& sink) {
  if (options.max_concurrency == 0)
    throw std::invalid_argument("scheduler: max_concurrency must be at least 1");
  impl_ = std::make_unique<impl>(loop, options, sink);
}

scheduler::~scheduler() = default;

reactor::task<void> scheduler::run() {
  impl& s = *impl_;
  if (s.runs_scope) throw std::logic_error("scheduler::run() is already running");
  s.draining = false;
  s.cancel_new_runs = nullptr;
  s.stopped.clear();
  co_await reactor::open_scope([&s](reactor::scope& sc) -> reactor::task<void> {
    sc.spawn(s.icmp.serve());
    sc.spawn(s.http.serve());
    // However the body ends (drain, or run() cancelled), no timer may fire
    // into a scope that is closing, and nothing may be spawned into it.
    struct scheduling_guard {
      impl& s;
      ~scheduling_guard() {
        s.runs_scope = nullptr;
        s.disarm_all();
        s.drop_waiting();
      }
    } guard{s};
    s.runs_scope = &sc;
    s.arm_all();
    co_await s.stopped.wait();
    sc.cancel();  // the services; drain() has seen every run end
  });
}

reactor::task<void> scheduler::drain(reactor::deadline grace) {
  impl& s = *impl_;
  s.draining = true;
  s.disarm_all();
  s.drop_waiting();
  bool grace_passed = false;
  try {
    co_await reactor::with_timeout(grace, s.until_idle());
  } catch (reactor::timeout_error const&) {
    grace_passed = true;
  }
  if (grace_passed) {
    s.cancel_new_runs = "cancelled by shutdown after the grace period";
    s.cancel_runs([](impl::job_entry const&) { return true; }, s.cancel_new_runs);
    co_await s.until_idle();
  }
  s.stopped.set();
}

reload_summary scheduler::apply(std::vector<job_spec> jobs) { return impl_->apply(std::move(jobs)); }

std::vector<std::pair<std::string, std::vector<reactor::deadline>>> scheduler::next_runs(
    std::size_t n) const {
  std::vector<std::pair<std::string, std::vector<reactor::deadline>>> out;
  out.reserve(impl_->jobs.size());
  for (auto const& j : impl_->jobs) {
    std::vector<reactor::deadline> instants;
    instants.reserve(n);
    reactor::deadline next = j->next_due;
    // Fewer than n when the later ones are past what the clock can hold.
    for (std::size_t i = 0; i < n; ++i) {
      instants.push_back(next);
      auto step = checked_add(next, impl_->interval_in_effect(*j) + impl_->interval_in_effect(*j) / 2);
      if (!step) break;
      next = impl_->slot_following(*j, next, i == 0 && j->first_slot);
    }
    out.emplace_back(j->spec.name, std::move(instants));
  }
  return out;
}

std::vector<job_status> scheduler::status() const {
  std::vector<job_status> out;
  out.reserve(impl_->jobs.size());
  for (auto const& j : impl_->jobs) {
    job_status st;
    st.name = j->spec.name;
    st.kind = kind_name(j->spec.kind);
    st.labels = j->spec.labels;
    st.state = j->state;
    st.runs = j->runs;
    st.failures = j->failures;
    st.skipped = j->skipped;
    st.running = j->running > 0;
    if (j->last) st.last = *j->last;
    out.push_back(std::move(st));
  }
  return out;
}

std::size_t scheduler::job_count() const noexcept { return impl_->jobs.size(); }

std::array<std::size_t, 4> scheduler::state_counts() const noexcept {
  std::array<std::size_t, 4> n{};
  for (auto const& j : impl_->jobs) ++n[static_cast<std::size_t>(j->state)];
  return n;
}

}  // namespace jobs
