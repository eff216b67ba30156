// The status endpoint's request reader on arbitrary bytes, fed in the
// pieces a socket might hand over (the first byte picks the piece size):
// it ends complete, bad or incomplete, and never reads past what it got.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>

#include "http_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
  if (size < 1) return -1;
  std::size_t piece = std::size_t(data[0] % 64) + 1;
  std::span<char const> bytes(reinterpret_cast<char const*>(data + 1), size - 1);
  reactord::request_reader reader(8192);
  auto progress = reactord::request_reader::progress::incomplete;
  while (!bytes.empty() && progress == reactord::request_reader::progress::incomplete) {
    auto n = std::min(piece, bytes.size());
    progress = reader.feed(bytes.first(n));
    bytes = bytes.subspan(n);
  }
  if (progress == reactord::request_reader::progress::incomplete) progress = reader.finish();
  if (progress == reactord::request_reader::progress::complete) {
    (void)reader.method();
    (void)reader.path();
    (void)reader.accepts_gzip();
  } else {
    (void)reader.error();
  }
  return 0;
}
