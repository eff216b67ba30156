#include "config/size.hpp"

#include <cmath>

#include "leading_number.hpp"

namespace config {

namespace {
struct unit {
  std::string_view name;
  long double bytes;
};
constexpr unit units[] = {
    {"B", 1.0L},  {"KiB", 1024.0L}, {"MiB", 1024.0L * 1024}, {"GiB", 1024.0L * 1024 * 1024}, {"kB", 1e3L}, {"KB", 1e3L},
    {"MB", 1e6L}, {"GB", 1e9L},
};
constexpr char const* expectation = "expected a size such as 512, 64KiB, 10MiB or 1GiB";
}  // namespace

jobs::expected<std::size_t> parse_size(std::string_view text) {
  auto const original = text;
  text = trim(text);
  auto number = take_leading_number(text);
  if (!number) {
    return jobs::unexpected("'" + std::string(original) + "' is not a size; " + expectation);
  }
  std::string_view name = text;
  while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
  long double factor = 1;
  if (!name.empty()) {
    unit const* found = nullptr;
    for (auto const& u : units)
      if (u.name == name) found = &u;
    if (!found) {
      return jobs::unexpected("unknown unit '" + std::string(name) + "' in '" + std::string(original) + "'; " +
                              expectation + " (units: B, KiB, MiB, GiB, kB, MB, GB)");
    }
    factor = found->bytes;
  }
  long double bytes = *number * factor;
  if (bytes > 1024.0L * 1024 * 1024 * 1024) {
    return jobs::unexpected("'" + std::string(original) + "' is too large (at most 1024GiB)");
  }
  return static_cast<std::size_t>(std::floor(bytes));
}

}  // namespace config
