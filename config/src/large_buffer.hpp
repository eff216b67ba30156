// Large buffers of a parse: the text of a job file, the tree made of it,
// the vector of its jobs (tens of MB at 50,000 jobs).
//
// Each is written once, front to back, just after it is allocated, so every
// 4 KiB page of it costs a page fault; on a virtual machine a fault is
// several microseconds (on the VM of bench/README.md, 9,000 of them were a
// tenth of `--check`). Asking for transparent huge pages (2 MiB) over
// such a buffer makes that about 500 times fewer faults and TLB misses.
// A hint: where the kernel has no huge pages to give (or THP is "never"),
// nothing changes. (POSIX: large_buffer.cpp, which asks on Linux only;
// Windows: large_buffer_windows.cpp, which does nothing.)
#pragma once

#include <cstddef>

namespace config::detail {

// Asks for huge pages over the whole 2 MiB pages inside [data, data +
// bytes), before they are first written. Memory the caller owns, such as a
// vector's reserved storage.
void prefer_huge_pages(void const* data, std::size_t bytes) noexcept;

}  // namespace config::detail
