// ping: ICMP / ICMPv6 echo, in-process. Many ping jobs share one socket per
// (family, mode); icmp_service owns those sockets and their reader
// coroutines, which demultiplex replies to the runs waiting for them.
#pragma once

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

class icmp_service {
 public:
  explicit icmp_service(reactor::loop& loop);  // opens nothing until first used
  ~icmp_service();
  // The service's own coroutines (socket readers). The owner runs this in a
  // scope next to the runs for as long as the service is used; it returns
  // when cancelled. run_ping works only while serve() runs.
  reactor::task<void> serve();

  struct impl;
  std::unique_ptr<impl> impl_;
};

reactor::task<run_result> run_ping(ping_spec const& spec, job_context& ctx);

// Its bars (spec.degraded_if, spec.failed_if; jobs/src/bars.hpp says how a bar reads)
// on a finished run, which run_ping calls last. It also decides partial
// loss: degraded, unless degraded_if.loss_over is set and the loss is not
// over it (over it, the run names that bar).
void apply_bars(ping_spec const& spec, run_result& r);

// Its histograms (ping_spec::histograms): the RTT of each reply.
void observe_ping(ping_result const& r, std::span<histogram> own) noexcept;

}  // namespace jobs
