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
  std::string why;
  if (auto d = config::parse_duration(text, why)) {
    if (d->count() < 0) std::abort();
    (void)config::format_duration(*d);
  } else if (why.empty()) {
    std::abort();  // a refusal says why
  }
  why.clear();
  if (!config::parse_size(text, why) && why.empty()) std::abort();
  return 0;
}
