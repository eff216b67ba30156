#include <windows.h>
// After windows.h, which it needs.
#include <psapi.h>

#include "process_usage.hpp"

namespace reactord {

std::uint64_t resident_bytes() {
  PROCESS_MEMORY_COUNTERS c{};
  c.cb = sizeof c;
  if (!::GetProcessMemoryInfo(::GetCurrentProcess(), &c, sizeof c)) return 0;
  return c.WorkingSetSize;  // Windows' name for the resident set
}

double cpu_seconds() {
  FILETIME created, exited, kernel, user;
  if (!::GetProcessTimes(::GetCurrentProcess(), &created, &exited, &kernel, &user)) return 0;
  auto seconds = [](FILETIME const& t) {  // in 100 ns units
    return ((std::uint64_t(t.dwHighDateTime) << 32) | t.dwLowDateTime) / 1e7;
  };
  return seconds(kernel) + seconds(user);
}

}  // namespace reactord
