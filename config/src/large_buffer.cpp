#include "large_buffer.hpp"

#include <sys/mman.h>

#include <cstdint>

namespace config::detail {

void prefer_huge_pages(void const* data, std::size_t bytes) noexcept {
#if defined(MADV_HUGEPAGE)  // Linux; the BSDs and macOS have no such advice
  constexpr std::uintptr_t huge = std::uintptr_t(2) << 20;
  auto begin = (reinterpret_cast<std::uintptr_t>(data) + huge - 1) & ~(huge - 1);
  auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(huge - 1);
  if (end > begin) (void)::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace config::detail
