// fetch's log fields and metrics.
//   result line: status bytes {dns,connect,tls,first_byte,total}_ms cert_days_left
//                failed_expectation
//   debug: one "phase" record per phase
//   metrics: reactord_fetch_status_code, _body_bytes, _phase_seconds,
//            _cert_expiry_timestamp_seconds, _phase_end_seconds
#include "../kinds.hpp"
#include "../metric_family.hpp"

namespace reactord {

void fetch_fields(std::vector<field>& f, jobs::fetch_result const& h) {
  f.emplace_back("status", h.status);
  f.emplace_back("bytes", h.bytes);
  f.emplace_back("dns_ms", ms(h.dns));
  f.emplace_back("connect_ms", ms(h.connect));
  f.emplace_back("tls_ms", ms(h.tls));
  f.emplace_back("first_byte_ms", ms(h.first_byte));
  f.emplace_back("total_ms", ms(h.total));
  if (h.cert_expiry) {
    auto left = *h.cert_expiry - std::chrono::system_clock::now();
    f.emplace_back("cert_days_left", std::chrono::duration<double, std::ratio<86400>>(left).count());
  }
  if (!h.failed_expectation.empty()) f.emplace_back("failed_expectation", std::string_view(h.failed_expectation));
}

void fetch_records(event_log& log, jobs::run_result const& r, jobs::fetch_result const& h) {
  for (auto [phase, at] : {std::pair{"dns", h.dns}, std::pair{"connect", h.connect}, std::pair{"tls", h.tls},
                           std::pair{"first_byte", h.first_byte}, std::pair{"total", h.total}})
    log.debug("phase", {{"job", std::string_view(r.job)}, {"labels", &r.labels}, {"phase", phase}, {"at_ms", ms(at)}});
}

void fetch_metrics(metrics_page_writer& out, std::vector<jobs::job_status> const& js) {
  {
    family f(out, "reactord_fetch_status_code", "gauge", "HTTP status of the last run (0: no response).");
    for (auto const& j : js)
      if (j.last)
        if (auto const* r = std::get_if<jobs::fetch_result>(&j.last->details)) f.sample(job_labels(j), r->status);
  }
  {
    family f(out, "reactord_fetch_body_bytes", "gauge", "Body bytes received in the last run.");
    for (auto const& j : js)
      if (j.last)
        if (auto const* r = std::get_if<jobs::fetch_result>(&j.last->details))
          f.sample(job_labels(j), double(r->bytes));
  }
  {
    family f(out, "reactord_fetch_phase_seconds", "gauge",
             "Time from the start of the last request to the end of each phase.");
    for (auto const& j : js)
      if (j.last)
        if (auto const* r = std::get_if<jobs::fetch_result>(&j.last->details)) {
          f.sample(job_labels(j) + ",phase=\"dns\"", seconds(r->dns));
          f.sample(job_labels(j) + ",phase=\"connect\"", seconds(r->connect));
          f.sample(job_labels(j) + ",phase=\"tls\"", seconds(r->tls));
          f.sample(job_labels(j) + ",phase=\"first_byte\"", seconds(r->first_byte));
          f.sample(job_labels(j) + ",phase=\"total\"", seconds(r->total));
        }
  }
  {
    family f(out, "reactord_fetch_cert_expiry_timestamp_seconds", "gauge",
             "When the earliest certificate of the last TLS chain expires (Unix time).");
    for (auto const& j : js)
      if (j.last)
        if (auto const* r = std::get_if<jobs::fetch_result>(&j.last->details); r && r->cert_expiry)
          f.sample(job_labels(j), std::chrono::duration<double>(r->cert_expiry->time_since_epoch()).count());
  }
  {
    // connect and first_byte once the job has run; tls once it has made a
    // handshake (a plain-HTTP job never does).
    family f(out, "reactord_fetch_phase_end_seconds", "histogram",
             "Time from the start of each request to the end of its connect, tls and first_byte phases.");
    for (auto const& j : js) {
      auto const* connect = j.histograms.find(jobs::fetch_series::connect);
      if (!connect) continue;
      std::string labels = job_labels(j);
      f.observations(labels + ",phase=\"connect\"", *connect);
      if (auto const* tls = j.histograms.find(jobs::fetch_series::tls); tls && tls->count() > 0)
        f.observations(labels + ",phase=\"tls\"", *tls);
      f.observations(labels + ",phase=\"first_byte\"", *j.histograms.find(jobs::fetch_series::first_byte));
    }
  }
}

}  // namespace reactord
