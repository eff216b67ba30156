// The duration and size readers on arbitrary text: a value or a reason,
// and a value is never negative.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config/duration.hpp"
#include "config/size.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::string_view text(reinterpret_cast<char const*>(data), size);
  if (auto d = config::parse_duration(text)) {
    if (d->count() < 0) std::abort();
    (void)config::format_duration(*d);
  } else if (d.error().empty()) {
    std::abort();  // a refusal says why
  }
  if (auto n = config::parse_size(text); !n && n.error().empty()) std::abort();
  return 0;
}
