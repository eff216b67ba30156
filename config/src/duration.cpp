#include "config/duration.hpp"

#include <cctype>
#include <cmath>

#include "leading_number.hpp"

namespace config {

namespace {

struct unit {
  std::string_view name;
  long double nanoseconds;
};
// Longest names first, so "ms" is not read as "m" followed by garbage.
constexpr unit units[] = {
    {"ns", 1.0L}, {"us", 1e3L}, {"µs", 1e3L}, {"ms", 1e6L}, {"s", 1e9L}, {"m", 60e9L}, {"h", 3600e9L}, {"d", 86400e9L},
};

constexpr char const* expectation = "expected a duration such as 250ms, 1.5s, 2m or 1h (units: ns, us, ms, s, m, h, d)";

}  // namespace

jobs::expected<jobs::duration> parse_duration(std::string_view text) {
  auto const original = text;
  text = trim(text);
  if (text.empty()) {
    return jobs::unexpected(std::string("empty value; ") + expectation);
  }
  if (text.front() == '-') {
    return jobs::unexpected("a duration cannot be negative ('" + std::string(original) + "')");
  }
  long double total = 0;
  while (!text.empty()) {
    auto number = take_leading_number(text);
    if (!number) {
      return jobs::unexpected("'" + std::string(original) + "' is not a duration; " + expectation);
    }
    // The unit.
    std::size_t j = 0;
    while (j < text.size() && !std::isdigit(static_cast<unsigned char>(text[j])) && text[j] != '.') ++j;
    std::string_view name = text.substr(0, j);
    if (name.empty()) {
      return jobs::unexpected("'" + std::string(original) + "' has no unit; " + expectation);
    }
    unit const* found = nullptr;
    for (auto const& u : units)
      if (u.name == name) found = &u;
    if (!found) {
      return jobs::unexpected("unknown unit '" + std::string(name) + "' in '" + std::string(original) + "'; " +
                              expectation);
    }
    total += *number * found->nanoseconds;
    text.remove_prefix(j);
  }
  // About 292 years fit in int64 nanoseconds; nothing sensible is longer
  // than a year.
  if (total > 366 * 86400e9L) {
    return jobs::unexpected("'" + std::string(original) + "' is too long (at most 366d)");
  }
  return jobs::duration(static_cast<jobs::duration::rep>(std::llround(total)));
}

std::string format_duration(jobs::duration d) {
  using namespace std::chrono;
  auto ns = d.count();
  if (ns == 0) return "0s";
  std::string out;
  if (ns % 1'000'000'000 != 0) {
    // Sub-second: one unit only, the largest that is exact.
    if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
    if (ns % 1'000 == 0) return std::to_string(ns / 1'000) + "us";
    return std::to_string(ns) + "ns";
  }
  auto s = ns / 1'000'000'000;
  if (auto h = s / 3600) out += std::to_string(h) + "h";
  if (auto m = s / 60 % 60) out += std::to_string(m) + "m";
  if (auto sec = s % 60) out += std::to_string(sec) + "s";
  return out;
}

}  // namespace config
