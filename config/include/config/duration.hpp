// Durations as an operator writes them: "250ms", "1.5s", "2m", "1h", and
// sums such as "1m30s". Units: ns, us, ms, s, m, h, d. A bare number is
// rejected: "interval: 5" could mean seconds or milliseconds, and guessing
// wrong is worse than asking.
#pragma once

#include <string>
#include <string_view>

#include "jobs/expected.hpp"
#include "jobs/spec.hpp"

namespace config {

// The duration, or the message saying what was expected.
[[nodiscard]] jobs::expected<jobs::duration> parse_duration(std::string_view text);

// The shortest exact spelling parse_duration reads back ("1m30s", "250ms").
std::string format_duration(jobs::duration d);

}  // namespace config
