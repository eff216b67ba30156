// Time in the reactor is monotonic, and waits take deadlines, not durations:
// a deadline survives being passed down through several layers unchanged,
// where a duration silently grows by the time each layer takes.
#pragma once

#include <chrono>

namespace reactor {

using clock = std::chrono::steady_clock;
using deadline = clock::time_point;

// "Never" is spelled out; there is no magic zero.
inline constexpr deadline never = deadline::max();

}  // namespace reactor
