// The body matcher: a pattern (up to the first NUL byte) compiled under
// body_pattern's limits, then searched for in the rest as a body. Compiling
// refuses or accepts; matching returns, in time linear in the body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "jobs/body_pattern.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::string_view all(reinterpret_cast<char const*>(data), size);
  auto nul = all.find('\0');
  if (nul == std::string_view::npos) return -1;
  auto compiled = jobs::body_pattern::compile(std::string(all.substr(0, nul)));
  if (compiled) (void)compiled->found_in(all.substr(nul + 1));
  return 0;
}
