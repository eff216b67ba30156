#include "result_log.hpp"

#include <chrono>

namespace reactord {

namespace {
double ms(jobs::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

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

std::vector<field> result_fields(jobs::run_result const& r) {
  std::vector<field> f;
  f.reserve(20);  // one allocation per result, not three as the list grows
  f.emplace_back("job", std::string_view(r.job));
  f.emplace_back("labels", &r.labels);
  f.emplace_back("kind", std::string_view(r.kind));
  f.emplace_back("outcome", jobs::to_string(r.result));
  f.emplace_back("took_ms", ms(r.took));
  f.emplace_back("late_ms", ms(r.lateness));
  if (!r.message.empty()) f.emplace_back("reason", std::string_view(r.message));
  if (!r.condition.empty()) f.emplace_back("condition", std::string_view(r.condition));
  if (auto const* c = std::get_if<jobs::countdown_result>(&r.details)) {
    f.emplace_back("ticks", c->ticks);
  } else if (auto const* p = std::get_if<jobs::ping_result>(&r.details)) {
    f.emplace_back("address", std::string_view(p->resolved_address));
    f.emplace_back("sent", p->sent);
    f.emplace_back("received", p->received);
    f.emplace_back("loss_pct", p->loss_percent);
    if (p->received > 0) {
      // Each reply's RTT, in sequence order (fping -C, SmokePing).
      std::vector<double> rtts;
      rtts.reserve(p->rtts.size());
      for (auto d : p->rtts) rtts.push_back(ms(d));
      f.emplace_back("rtts_ms", std::move(rtts));
      f.emplace_back("rtt_min_ms", ms(p->rtt_min));
      f.emplace_back("rtt_avg_ms", ms(p->rtt_avg));
      f.emplace_back("rtt_max_ms", ms(p->rtt_max));
      f.emplace_back("rtt_stddev_ms", ms(p->rtt_stddev));
    }
    if (p->duplicates) f.emplace_back("duplicates", p->duplicates);
    if (p->late) f.emplace_back("late_replies", p->late);
    if (!p->errors.empty()) f.emplace_back("icmp_error", std::string_view(p->errors.front()));
  } else if (auto const* h = std::get_if<jobs::fetch_result>(&r.details)) {
    f.emplace_back("status", h->status);
    f.emplace_back("bytes", h->bytes);
    f.emplace_back("dns_ms", ms(h->dns));
    f.emplace_back("connect_ms", ms(h->connect));
    f.emplace_back("tls_ms", ms(h->tls));
    f.emplace_back("first_byte_ms", ms(h->first_byte));
    f.emplace_back("total_ms", ms(h->total));
    if (h->cert_expiry) {
      auto left = *h->cert_expiry - std::chrono::system_clock::now();
      f.emplace_back("cert_days_left", std::chrono::duration<double, std::ratio<86400>>(left).count());
    }
    if (!h->failed_expectation.empty()) f.emplace_back("failed_expectation", std::string_view(h->failed_expectation));
  }
  return f;
}

void result_log::on_result(jobs::run_result const& r) {
  ++results_;
  if (r.result != jobs::outcome::success) ++unsuccessful_;
  if (log_.enabled(log_level::trace)) {
    // The scheduler's decision for this run: when it was due, when it began.
    log_.write(log_level::trace, "run", {{"job", std::string_view(r.job)}, {"labels", &r.labels},
                                         {"late_ms", ms(r.lateness)}, {"took_ms", ms(r.took)}});
  }
  if (log_.enabled(log_level::debug)) {
    if (auto const* p = std::get_if<jobs::ping_result>(&r.details)) {
      for (std::size_t i = 0; i < p->rtts.size(); ++i)
        log_.debug("echo", {{"job", std::string_view(r.job)}, {"labels", &r.labels},
                            {"reply", static_cast<long long>(i + 1)}, {"rtt_ms", ms(p->rtts[i])}});
      for (auto const& e : p->errors)
        log_.debug("echo", {{"job", std::string_view(r.job)}, {"labels", &r.labels}, {"icmp_error", std::string_view(e)}});
    } else if (auto const* h = std::get_if<jobs::fetch_result>(&r.details)) {
      for (auto [phase, at] : {std::pair{"dns", h->dns}, std::pair{"connect", h->connect}, std::pair{"tls", h->tls},
                               std::pair{"first_byte", h->first_byte}, std::pair{"total", h->total}})
        log_.debug("phase", {{"job", std::string_view(r.job)}, {"labels", &r.labels}, {"phase", phase},
                             {"at_ms", ms(at)}});
    }
  }
  log_.write(level_of(r.result), "result", result_fields(r));
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
  log_.info("event", {{"job", std::string_view(job.name)}, {"labels", &job.labels}, {"event", std::string_view(message)}});
}

void result_log::on_skipped(jobs::job_spec const& job, reactor::deadline, std::size_t slots, jobs::skip_reason why) {
  log_.warn("skipped", {{"job", std::string_view(job.name)},
                        {"labels", &job.labels},
                        {"slots", slots},
                        {"reason", why == jobs::skip_reason::still_running
                                       ? "the previous run was still going when this slot came"
                                       : "the loop was stalled past these slots"}});
}

}  // namespace reactord
