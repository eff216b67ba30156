// The scheduler (the contract is in scheduler.hpp; how its files divide the
// work, and what an idle job costs, at the top of scheduler_impl.hpp).
//
// This file: a job's timer firing (on_due) and what follows from it (start
// a run, queue it for a concurrency slot, defer it behind the run in flight,
// or count the slot as skipped), and the public API.
#include "jobs/scheduler.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "jobs/checked.hpp"
#include "reactor/error.hpp"
#include "reactor/timeout.hpp"
#include "scheduler_impl.hpp"

namespace jobs {

void scheduler::impl::drop_waiting() noexcept {
  for (auto& p : waiting) --p.job->queued;
  for (auto& p : waiting_first) --p.job->queued;
  waiting.clear();
  waiting_first.clear();
}

// The slot after `slot` (the job's first run comes at start, off the
// grid; the first grid slot after it is at least a whole interval later,
// so the start-up run does not make that slot a skip).
reactor::deadline scheduler::impl::slot_following(job_entry const& j, reactor::deadline slot,
                                                  bool first) const noexcept {
  reactor::deadline from = std::max(slot, loop.now());
  if (first) from = std::max(from, slot + interval_in_effect(j) - duration(1));
  return slot_after(j, from);
}

// The job's timer fired: its slot `next_due` has come.
void scheduler::impl::on_due(job_entry& j) {
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
    if (j.queued == 0 && j.deferred == reactor::never && j.running_until < j.next_due) {
      j.deferred = slot;
      return;
    }
    ++j.skipped;
    sink.on_skipped(j.spec, slot, 1, skip_reason::still_running);
    return;
  }
  start_or_queue(j, slot);
}

void scheduler::impl::start_or_queue(job_entry& j, reactor::deadline slot) {
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

void scheduler::impl::start(job_entry& j, reactor::deadline slot) {
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

void scheduler::impl::start_waiting() {
  while (runs_scope && in_flight < options.max_concurrency) {
    std::deque<pending_run>* from = nullptr;
    if (!waiting.empty())
      from = &waiting;
    else if (!waiting_first.empty() && first_runs_in_flight < newcomer_slots())
      from = &waiting_first;
    else
      break;
    pending_run p = from->front();
    from->pop_front();
    --p.job->queued;
    start(*p.job, p.scheduled);
  }
}

// --- the public API -----------------------------------------------------------

scheduler::scheduler(reactor::loop& loop, scheduler_options options, result_sink& sink) {
  if (options.max_concurrency == 0) throw std::invalid_argument("scheduler: max_concurrency must be at least 1");
  impl_ = std::make_unique<impl>(loop, options, sink);
}

scheduler::~scheduler() = default;

reactor::task<void> scheduler::run() {
  impl& s = *impl_;
  if (s.runs_scope) throw std::logic_error("scheduler::run() is already running");
  s.stopping = false;
  s.cancel_new_runs = nullptr;
  s.stopped.clear();
  co_await reactor::open_scope([&s](reactor::scope& sc) -> reactor::task<void> {
    sc.spawn(s.icmp.serve());
    sc.spawn(s.http.serve());
    // However the body ends (a graceful stop, or run() cancelled), no timer
    // may fire into a scope that is closing, and nothing may be spawned
    // into it.
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
  s.stopping = true;
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

reload_summary scheduler::apply(std::vector<job_spec> jobs) {
  return impl_->apply(std::move(jobs));
}

std::vector<std::pair<std::string, std::vector<reactor::deadline>>> scheduler::next_runs(std::size_t n) const {
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
    st.state = j->health.state;
    st.runs = j->runs;
    st.failures = j->failures;
    st.skipped = j->skipped;
    st.running = j->running > 0;
    if (j->record) {
      st.last = j->record->last(j->spec);
      st.histograms = j->record->histograms_copy();
    }
    out.push_back(std::move(st));
  }
  return out;
}

std::size_t scheduler::job_count() const noexcept {
  return impl_->jobs.size();
}

std::array<std::size_t, 4> scheduler::state_counts() const noexcept {
  std::array<std::size_t, 4> n{};
  for (auto const& j : impl_->jobs) ++n[static_cast<std::size_t>(j->health.state)];
  return n;
}

}  // namespace jobs
