#include "bars.hpp"

#include <chrono>
#include <cstdio>

namespace jobs {

std::string ms_text(duration d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3fms", std::chrono::duration<double, std::milli>(d).count());
  return buf;
}

std::string bar_text(duration d) {
  char buf[40];
  double ms = std::chrono::duration<double, std::milli>(d).count();
  if (d >= std::chrono::hours(24) && d % std::chrono::hours(24) == duration::zero())
    std::snprintf(buf, sizeof buf, "%gd", ms / 86'400'000);
  else if (ms >= 1000)
    std::snprintf(buf, sizeof buf, "%gs", ms / 1000);
  else
    std::snprintf(buf, sizeof buf, "%gms", ms);
  return buf;
}

std::string percent_text(double p) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g%%", p);
  return buf;
}

void crossed(run_result& r, outcome o, char const* level, char const* key, std::string const& what) {
  r.result = o;
  r.condition = std::string(level) + "." + key;
  r.message = what + " (" + r.condition + ")" + (r.message.empty() ? "" : "; " + r.message);
}

}  // namespace jobs
