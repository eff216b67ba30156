#include "once.hpp"

#include <algorithm>

#include "jobs/context.hpp"
#include "jobs/fetch.hpp"
#include "jobs/kinds.hpp"
#include "jobs/ping.hpp"
#include "reactor/scope.hpp"
#include "reactor/timeout.hpp"
#include "reactor/when.hpp"

namespace reactord {

namespace {

reactor::task<void> run_one(jobs::job_spec const& spec, jobs::icmp_service& icmp, jobs::http_client& http,
                            jobs::result_sink& sink, bool& all_ok) {
  reactor::loop& l = (co_await reactor::this_node()).owner();
  jobs::job_context ctx{l, icmp, http, [&](std::string const& m) { sink.on_event(spec, m); }};
  auto start = reactor::clock::now();
  auto limit = spec.schedule.timeout.value_or(jobs::default_timeout(spec.schedule));
  jobs::run_result r;
  try {
    r = co_await reactor::with_timeout(start + limit, jobs::run_kind(spec.kind, ctx));
  } catch (reactor::timeout_error const&) {
    r.result = jobs::outcome::timeout;
    r.message = "no result within the run's timeout";
  } catch (reactor::cancelled_error const&) {
    throw;
  } catch (std::exception const& e) {
    r.result = jobs::outcome::failure;
    r.message = e.what();
  }
  r.job = spec.name;
  r.kind = jobs::kind_name(spec.kind);
  r.labels = spec.labels;
  r.scheduled = r.started = start;
  r.lateness = {};
  r.took = reactor::clock::now() - start;
  if (r.result != jobs::outcome::success) all_ok = false;
  sink.on_result(r);
}

// One of max_concurrency workers: runs the next job not yet taken until
// none is left (the loop is single-threaded, so `next` needs no lock).
reactor::task<void> run_in_turn(std::vector<jobs::job_spec> const& specs, std::size_t& next, jobs::icmp_service& icmp,
                                jobs::http_client& http, jobs::result_sink& sink, bool& all_ok) {
  while (next < specs.size()) co_await run_one(specs[next++], icmp, http, sink, all_ok);
}

}  // namespace

reactor::task<bool> run_each_job_once(std::vector<jobs::job_spec> const& specs, std::size_t max_concurrency,
                                      jobs::result_sink& sink, reactor::socket* status_listener,
                                      status_pages const& pages, status_counters& requests) {
  reactor::loop& l = (co_await reactor::this_node()).owner();
  jobs::icmp_service icmp(l);
  jobs::http_client http(l);
  bool all_ok = true;
  co_await reactor::open_scope([&](reactor::scope& services) -> reactor::task<void> {
    services.spawn(icmp.serve());
    services.spawn(http.serve());
    if (status_listener) services.spawn(serve_status(*status_listener, pages, requests));
    // At most daemon.max_concurrency runs at once, as when scheduled.
    std::size_t next = 0;
    std::vector<reactor::task<void>> workers;
    std::size_t n = std::min(specs.size(), std::max<std::size_t>(1, max_concurrency));
    workers.reserve(n);
    for (std::size_t i = 0; i < n; ++i) workers.push_back(run_in_turn(specs, next, icmp, http, sink, all_ok));
    co_await reactor::when_all(std::move(workers));
    services.cancel();
  });
  co_return all_ok;
}

}  // namespace reactord
