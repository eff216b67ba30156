// One run of a job: take its deadline, run the kind under with_timeout,
// turn whatever ended it (a result, the deadline, a cancellation, an
// exception) into a run_result, stamp the times, update the job's counters
// and state, hand result and state change to the sink, and give the
// concurrency slot to the next waiting run.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>

#include "jobs/context.hpp"
#include "jobs/kinds.hpp"
#include "reactor/error.hpp"
#include "reactor/timeout.hpp"
#include "scheduler_impl.hpp"

namespace jobs {

// 80% of the interval: a run that has not ended by then is cancelled before
// its next slot comes, so a hanging target costs a timeout, not a skip.
duration default_timeout(schedule_spec const& s) noexcept {
  return s.interval / 5 * 4;
}

namespace {

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

}  // namespace

reactor::task<void> scheduler::impl::run_one(job_entry& j, reactor::deadline scheduled) {
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
    job_context ctx{loop, icmp, http, [this, &j](std::string const& m) { sink.on_event(j.spec, m); }};
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
  if (r.result == outcome::cancelled && !self.cancelled() && ended >= limit_at) r.result = outcome::timeout;
  if (r.result == outcome::timeout) {
    std::string why = "no result within the " + describe(limit) + " deadline";
    r.message = r.message.empty() ? why : why + " (" + r.message + ")";
  } else if (r.result == outcome::cancelled) {
    char const* reason = j.retired         ? "job removed or changed by a reload"
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
void scheduler::impl::finish(job_entry& j, run_result r) {
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
    if (!j.record) j.record = job_record::make(j.spec.kind.index());
    j.record->observe(r);
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
  // Kept for status() by moving, into the storage of the previous result:
  // no allocation and no copy per run.
  if (!j.retired) j.record->keep(std::move(r));
  if (change) sink.on_state_change(*change);
  reactor::deadline deferred = std::exchange(j.deferred, reactor::never);
  if (j.retired && j.running == 0)
    std::erase_if(retired, [&j](auto const& e) { return e.get() == &j; });  // j is gone now
  else if (deferred != reactor::never && !j.retired && scheduling())
    start_or_queue(j, deferred);
  start_waiting();
  if (in_flight == 0) idle.set();
}

std::optional<state_change> scheduler::impl::update_state(job_entry& j, run_result const& r) {
  job_state before = j.health.state;
  if (!j.health.record(r.result, j.spec.schedule)) return std::nullopt;
  return state_change{j.spec.name, j.spec.labels, before, j.health.state,
                      r.message.empty() ? std::string(to_string(r.result)) : r.message};
}

reactor::task<void> scheduler::impl::until_idle() {
  while (in_flight > 0) co_await idle.wait();
}

}  // namespace jobs
