#include "result_log.hpp"

#include <chrono>

#include "kinds.hpp"

namespace reactord {

namespace {
log_level level_of(jobs::outcome o) {
  switch (o) {
    case jobs::outcome::success: return log_level::info;
    case jobs::outcome::cancelled: return log_level::info;
    case jobs::outcome::degraded: return log_level::warning;
    case jobs::outcome::failure:
    case jobs::outcome::timeout: return log_level::error;
  }
  return log_level::info;
}
}  // namespace

void result_fields(jobs::run_result const& r, std::vector<field>& f) {
  f.clear();
  f.reserve(20);  // once: the list is reused
  f.emplace_back("job", std::string_view(r.job));
  f.emplace_back("labels", &r.labels);
  f.emplace_back("kind", std::string_view(r.kind));
  f.emplace_back("outcome", jobs::to_string(r.result));
  f.emplace_back("took_ms", ms(r.took));
  f.emplace_back("late_ms", ms(r.lateness));
  if (!r.message.empty()) f.emplace_back("reason", std::string_view(r.message));
  if (!r.condition.empty()) f.emplace_back("condition", std::string_view(r.condition));
  add_kind_fields(f, r.details);
}

void result_log::on_result(jobs::run_result const& r) {
  ++results_;
  if (r.result != jobs::outcome::success) ++unsuccessful_;
  if (log_.enabled(log_level::trace)) {
    // The scheduler's decision for this run: when it was due, when it began.
    log_.write(log_level::trace, "run",
               {{"job", std::string_view(r.job)},
                {"labels", &r.labels},
                {"late_ms", ms(r.lateness)},
                {"took_ms", ms(r.took)}});
  }
  if (log_.enabled(log_level::debug)) write_kind_records(log_, r);
  result_fields(r, fields_);
  log_.write(level_of(r.result), "result", fields_);
  fields_.clear();  // nothing pointing into `r` outlives the call
}

void result_log::on_state_change(jobs::state_change const& c) {
  log_level lv = c.to == jobs::job_state::down       ? log_level::error
                 : c.to == jobs::job_state::degraded ? log_level::warning
                                                     : log_level::info;
  std::vector<field> f = {{"job", std::string_view(c.job)},
                          {"labels", &c.labels},
                          {"from", jobs::to_string(c.from)},
                          {"to", jobs::to_string(c.to)}};
  if (!c.reason.empty()) f.emplace_back("reason", std::string_view(c.reason));
  log_.write(lv, "state", f);
}

void result_log::on_event(jobs::job_spec const& job, std::string const& message) {
  log_.info("event",
            {{"job", std::string_view(job.name)}, {"labels", &job.labels}, {"event", std::string_view(message)}});
}

void result_log::on_skipped(jobs::job_spec const& job, reactor::deadline, std::size_t slots, jobs::skip_reason why) {
  log_.warn("skipped",
            {{"job", std::string_view(job.name)},
             {"labels", &job.labels},
             {"slots", slots},
             {"reason", why == jobs::skip_reason::still_running ? "the previous run was still going when this slot came"
                                                                : "the loop was stalled past these slots"}});
}

}  // namespace reactord
