// The result sink that writes the log: one line per run result, per state
// change, per countdown event and per skipped slot; nothing else, so an
// idle daemon is silent. Field names are stable (README lists them).
#pragma once

#include "jobs/scheduler.hpp"
#include "log.hpp"

namespace reactord {

class result_log final : public jobs::result_sink {
 public:
  explicit result_log(event_log& log) : log_(log) {}
  void on_result(jobs::run_result const& r) override;
  void on_state_change(jobs::state_change const& c) override;
  void on_event(jobs::job_spec const& job, std::string const& message) override;
  void on_skipped(jobs::job_spec const& job, reactor::deadline first, std::size_t slots,
                  jobs::skip_reason why) override;

  // Outcomes seen since start, for --once's exit status.
  std::uint64_t results() const noexcept { return results_; }
  std::uint64_t unsuccessful() const noexcept { return unsuccessful_; }

 private:
  event_log& log_;
  // The result line's fields, kept between results: a ping result's twenty
  // fields are 1,120 bytes, past glibc's per-thread cache, so a new list per
  // result took malloc's slow path.
  std::vector<field> fields_;
  std::uint64_t results_ = 0;
  std::uint64_t unsuccessful_ = 0;
};

// The fields of a result, for the log line, in place of what `out` held.
// The labels field points into `r`.
void result_fields(jobs::run_result const& r, std::vector<field>& out);

}  // namespace reactord
