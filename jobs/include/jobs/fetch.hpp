// fetch: HTTP(S) through libcurl's multi_socket API, driven by the reactor.
// One http_client (one curl multi handle) per loop; connections are reused
// across runs.
#pragma once

#include <chrono>
#include <memory>
#include <span>

#include "jobs/context.hpp"
#include "jobs/histogram.hpp"
#include "jobs/result.hpp"
#include "jobs/spec.hpp"
#include "reactor/task.hpp"

namespace reactor {
class loop;
}

namespace jobs {

class http_client {
 public:
  explicit http_client(reactor::loop& loop);
  ~http_client();
  // The client's own coroutines (curl's socket watchers and timer). The
  // owner runs this in a scope next to the runs for as long as the client
  // is used; it returns when cancelled. run_fetch works only while serve()
  // runs.
  reactor::task<void> serve();

  struct impl;
  std::unique_ptr<impl> impl_;
};

reactor::task<run_result> run_fetch(fetch_spec const& spec, job_context& ctx);

// Its bars (spec.degraded_if, spec.failed_if; jobs/src/bars.hpp says how a bar reads)
// on a finished run, which run_fetch calls last; `now` is when the
// certificate's expiry is measured from.
void apply_bars(fetch_spec const& spec, run_result& r, std::chrono::system_clock::time_point now);

// Its histograms (fetch_spec::histograms): the end of connect, TLS and
// first byte, each only for a run that went through that phase.
void observe_fetch(fetch_result const& r, std::span<histogram> own) noexcept;

}  // namespace jobs
