// A jobs::result_sink that keeps everything the scheduler tells it, for the
// tests to read after the loop has run (jobs layer; every platform).
//
//   recording_sink sink;
//   jobs::scheduler s(l(), {}, sink);
//   ... run ...
//   auto runs = sink.of("web");  // that job's results, in order
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "jobs/scheduler.hpp"

struct recording_sink : jobs::result_sink {
  std::vector<jobs::run_result> results;
  std::vector<jobs::state_change> changes;
  std::vector<std::size_t> runs_before_change;  // the job's results so far, per change
  std::vector<std::pair<std::string, std::string>> events;
  std::vector<std::pair<std::string, reactor::deadline>> skipped;  // one slot each, the run before still going

  struct late_skip {
    std::string job;
    reactor::deadline first;
    std::size_t slots;
  };
  std::vector<late_skip> late;  // slots that passed while the loop was stalled

  void on_result(jobs::run_result const& r) override { results.push_back(r); }
  void on_state_change(jobs::state_change const& c) override {
    changes.push_back(c);
    runs_before_change.push_back(of(c.job).size());
  }
  void on_event(jobs::job_spec const& job, std::string const& m) override { events.emplace_back(job.name, m); }
  void on_skipped(jobs::job_spec const& job, reactor::deadline first, std::size_t slots,
                  jobs::skip_reason why) override {
    if (why == jobs::skip_reason::still_running && slots == 1)
      skipped.emplace_back(job.name, first);
    else
      late.push_back({job.name, first, slots});
  }

  std::size_t late_slots() const {
    std::size_t n = 0;
    for (auto const& l : late) n += l.slots;
    return n;
  }
  std::vector<jobs::run_result> of(std::string const& job) const {
    std::vector<jobs::run_result> out;
    for (auto const& r : results)
      if (r.job == job) out.push_back(r);
    return out;
  }
  std::size_t events_of(std::string const& job) const {
    return static_cast<std::size_t>(
        std::count_if(events.begin(), events.end(), [&](auto const& e) { return e.first == job; }));
  }
};
