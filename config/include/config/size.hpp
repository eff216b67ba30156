// Byte sizes: "512", "64KiB", "10MiB", "1GiB" (binary units) and "1kB",
// "10MB" (decimal units, as the SI and `df -H` use them). A bare number is
// bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "jobs/expected.hpp"

namespace config {

// The size in bytes, or the message saying what was expected.
[[nodiscard]] jobs::expected<std::size_t> parse_size(std::string_view text);

}  // namespace config
