// What parse_duration and parse_size share: trimming a scalar and reading
// the decimal number ("1.5", "250") at its front, before the unit.
#pragma once

#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace config {

inline std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

// Digits with at most one decimal point, taken off the front of `text`;
// empty (and `text` untouched) if there is no digit there.
inline std::optional<long double> take_leading_number(std::string_view& text) {
  std::size_t i = 0;
  bool seen_digit = false, seen_point = false;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !seen_point))) {
    if (text[i] == '.')
      seen_point = true;
    else
      seen_digit = true;
    ++i;
  }
  if (!seen_digit) return std::nullopt;
  long double number = std::strtold(std::string(text.substr(0, i)).c_str(), nullptr);
  text.remove_prefix(i);
  return number;
}

}  // namespace config
