// The job file loader on arbitrary text: it may accept the text or throw
// config_error, nothing else (no other exception, crash, hang or unbounded
// memory, whatever the YAML, its aliases or its values).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/job_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  std::string_view text(reinterpret_cast<char const*>(data), size);
  // Includes would read the fuzzing machine's files (include: /proc/*/*):
  // the drop-in reader is the main file's reader, fuzzed here anyway.
  if (text.find("include") != std::string_view::npos) return -1;
  try {
    config::parse_job_file(text, "fuzz.yaml", "/nonexistent/reactord-fuzz");
  } catch (config::config_error const&) {
  }
  return 0;
}
