// One JSON string encoder for everything the daemon writes as JSON (log
// lines, /healthz): quotes, backslashes and control characters escaped, and
// every byte that is not valid UTF-8 (from a broken job file, a server's
// reply) replaced by U+FFFD, so every line is valid UTF-8 and valid JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace reactord {

// Appends `s` to `out` as a JSON string, quotes included.
void append_json_string(std::string& out, std::string_view s);

// The length of the valid UTF-8 sequence at the start of `s`, or 0 if it
// is not one (a stray continuation byte, a truncated or overlong sequence,
// a surrogate, past U+10FFFF).
std::size_t utf8_sequence_length(std::string_view s);

}  // namespace reactord
