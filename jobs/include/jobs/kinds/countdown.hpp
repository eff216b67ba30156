// countdown's spec and result: what a countdown job is configured with
// (its defaults are the members' initializers) and what a run reports.
// Data only, for every layer; the run is in jobs/countdown.hpp, the keys in
// config/src/kinds/countdown.cpp, the log fields in
// daemon/src/kinds/countdown.cpp.
#pragma once

#include "jobs/duration.hpp"

namespace jobs {

struct countdown_result {
  int ticks = 0;  // ticks counted before liftoff (or before cancellation)
};

// Counts from `from` down to 0, one tick per `tick`, then "liftoff".
struct countdown_spec {
  static constexpr char const* kind_name = "countdown";
  using result = countdown_result;
  int from = 10;
  duration tick = 1s;
  bool operator==(countdown_spec const&) const = default;
};

}  // namespace jobs
