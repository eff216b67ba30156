// ping's log fields and metrics.
//   result line: address sent received loss_pct rtts_ms rtt_{min,avg,max,stddev}_ms
//                duplicates late_replies icmp_error
//   debug: one "echo" record per reply or ICMP error
//   metrics: reactord_ping_loss_ratio, _rtt_seconds, _echo_rtt_seconds
#include "../kinds.hpp"
#include "../metric_family.hpp"

namespace reactord {

void ping_fields(std::vector<field>& f, jobs::ping_result const& p) {
  f.emplace_back("address", std::string_view(p.resolved_address));
  f.emplace_back("sent", p.sent);
  f.emplace_back("received", p.received);
  f.emplace_back("loss_pct", p.loss_percent);
  if (p.received > 0) {
    // Each reply's RTT, in sequence order (fping -C, SmokePing).
    std::vector<double> rtts;
    rtts.reserve(p.rtts.size());
    for (auto d : p.rtts) rtts.push_back(ms(d));
    f.emplace_back("rtts_ms", std::move(rtts));
    f.emplace_back("rtt_min_ms", ms(p.rtt_min));
    f.emplace_back("rtt_avg_ms", ms(p.rtt_avg));
    f.emplace_back("rtt_max_ms", ms(p.rtt_max));
    f.emplace_back("rtt_stddev_ms", ms(p.rtt_stddev));
  }
  if (p.duplicates) f.emplace_back("duplicates", p.duplicates);
  if (p.late) f.emplace_back("late_replies", p.late);
  if (!p.errors.empty()) f.emplace_back("icmp_error", std::string_view(p.errors.front()));
}

void ping_records(event_log& log, jobs::run_result const& r, jobs::ping_result const& p) {
  for (std::size_t i = 0; i < p.rtts.size(); ++i)
    log.debug("echo", {{"job", std::string_view(r.job)},
                       {"labels", &r.labels},
                       {"reply", static_cast<long long>(i + 1)},
                       {"rtt_ms", ms(p.rtts[i])}});
  for (auto const& e : p.errors)
    log.debug("echo", {{"job", std::string_view(r.job)}, {"labels", &r.labels}, {"icmp_error", std::string_view(e)}});
}

void ping_metrics(metrics_page_writer& out, std::vector<jobs::job_status> const& js) {
  {
    family f(out, "reactord_ping_loss_ratio", "gauge", "Share of echoes lost in the last run (0 to 1).");
    for (auto const& j : js)
      if (j.last)
        if (auto const* r = std::get_if<jobs::ping_result>(&j.last->details))
          f.sample(job_labels(j), r->loss_percent / 100);
  }
  {
    family f(out, "reactord_ping_rtt_seconds", "gauge", "Round-trip time of the last run (min, avg, max, stddev).");
    for (auto const& j : js)
      if (j.last)
        if (auto const* r = std::get_if<jobs::ping_result>(&j.last->details); r && r->received > 0) {
          f.sample(job_labels(j) + ",stat=\"min\"", seconds(r->rtt_min));
          f.sample(job_labels(j) + ",stat=\"avg\"", seconds(r->rtt_avg));
          f.sample(job_labels(j) + ",stat=\"max\"", seconds(r->rtt_max));
          f.sample(job_labels(j) + ",stat=\"stddev\"", seconds(r->rtt_stddev));
        }
  }
  {
    family f(out, "reactord_ping_echo_rtt_seconds", "histogram", "Round-trip time of each echo reply.");
    for (auto const& j : js)
      if (auto const* h = j.histograms.find(jobs::ping_series::rtt)) f.observations(job_labels(j), *h);
  }
}

}  // namespace reactord
