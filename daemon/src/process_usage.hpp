// The process's own resource use, for /metrics: resident memory and CPU
// time. process_usage.cpp reads them on Linux, process_usage_windows.cpp on
// Windows.
#pragma once

#include <cstdint>

namespace reactord {

std::uint64_t resident_bytes();
double cpu_seconds();  // user + system

}  // namespace reactord
