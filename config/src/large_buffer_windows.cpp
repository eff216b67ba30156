// Windows: large pages need a privilege (SeLockMemoryPrivilege) that a
// service rarely has, and VirtualAlloc's own granularity is 64 KiB.
#include "large_buffer.hpp"

namespace config::detail {

void prefer_huge_pages(void const*, std::size_t) noexcept {}

}  // namespace config::detail
