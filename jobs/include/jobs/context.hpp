// What a run may use besides its spec: the loop, the shared ICMP sockets,
// the shared curl multi handle, and a way to emit progress events (a
// countdown's ticks). The scheduler owns one of each per loop.
#pragma once

#include <functional>
#include <string>

namespace reactor {
class loop;
}

namespace jobs {

class icmp_service;  // ping.hpp
class http_client;   // fetch.hpp

struct job_context {
  reactor::loop& loop;
  icmp_service& icmp;
  http_client& http;
  // Progress within a run (e.g. "T-3"), for the log; not a result.
  std::function<void(std::string const& message)> emit;
};

}  // namespace jobs
