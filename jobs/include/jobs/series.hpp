// The names of a job's histograms (histogram.hpp). Every job keeps
// run_duration and lateness; a kind lists its own after them in its spec
// (`histograms`, jobs/kinds/<kind>.hpp).
#pragma once

#include <cstdint>

namespace jobs {

enum class series : std::uint8_t {
  run_duration,
  lateness,
  ping_rtt,
  fetch_connect,
  fetch_tls,
  fetch_first_byte,
};

}  // namespace jobs
