// Duration and instant arithmetic that cannot wrap.
//
// Every product of a count and a duration that comes from a job file
// (countdown from x tick, ping count x interval, the k-th slot of a grid)
// goes through here: int64 nanoseconds wrap after 292 years, and a value
// that wrapped passed --check and printed schedules in the year 1677. An
// empty result means "not representable"; the caller says what that means
// (an error at the key, or "no such instant").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace jobs {

// d * n, or empty if it does not fit.
template <class Rep, class Period>
std::optional<std::chrono::duration<Rep, Period>> checked_mul(std::chrono::duration<Rep, Period> d,
                                                              std::int64_t n) noexcept {
  Rep out{};
  if (__builtin_mul_overflow(d.count(), n, &out)) return std::nullopt;
  return std::chrono::duration<Rep, Period>(out);
}

// a + b, or empty if it does not fit.
template <class Rep, class Period>
std::optional<std::chrono::duration<Rep, Period>> checked_add(std::chrono::duration<Rep, Period> a,
                                                              std::chrono::duration<Rep, Period> b) noexcept {
  Rep out{};
  if (__builtin_add_overflow(a.count(), b.count(), &out)) return std::nullopt;
  return std::chrono::duration<Rep, Period>(out);
}

// t + d, or empty if it does not fit.
template <class Clock, class Duration>
std::optional<std::chrono::time_point<Clock, Duration>> checked_add(std::chrono::time_point<Clock, Duration> t,
                                                                    Duration d) noexcept {
  auto sum = checked_add(t.time_since_epoch(), d);
  if (!sum) return std::nullopt;
  return std::chrono::time_point<Clock, Duration>(*sum);
}

}  // namespace jobs
