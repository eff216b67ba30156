// Byte sizes: "512", "64KiB", "10MiB", "1GiB" (binary units) and "1kB",
// "10MB" (decimal units, as the SI and `df -H` use them). A bare number is
// bytes.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace config {

// The size in bytes, or nullopt with `why` saying what was expected.
std::optional<std::size_t> parse_size(std::string_view text, std::string& why);

}  // namespace config
