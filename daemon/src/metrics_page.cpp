#include "metrics_page.hpp"

#include <zlib.h>

#include <new>
#include <stdexcept>

namespace reactord {

// zlib's windowBits: 15 (the largest window), +16 for a gzip header and
// trailer rather than a zlib one (what `Content-Encoding: gzip` means).
constexpr int gzip_window_bits = 15 + 16;

struct metrics_page_writer::stream {
  z_stream z{};
  stream() {
    // The fastest level: the page is rendered off the loop, but still on a
    // core the jobs share; level 1 already takes the repetition out.
    if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, gzip_window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
      throw std::bad_alloc();
  }
  ~stream() { deflateEnd(&z); }
};

metrics_page_writer::metrics_page_writer() : z_(std::make_unique<stream>()) {
  text_.reserve(flush_bytes + 4096);
}

metrics_page_writer::~metrics_page_writer() = default;

void metrics_page_writer::compress(bool last) {
  auto& z = z_->z;
  page_.text_bytes += text_.size();
  z.next_in = reinterpret_cast<Bytef*>(text_.data());
  z.avail_in = static_cast<uInt>(text_.size());
  for (;;) {
    // Room for what this call may write: deflateBound of the input, at least.
    std::size_t used = page_.gzip.size();
    page_.gzip.resize(used + deflateBound(&z, z.avail_in) + 64);
    z.next_out = reinterpret_cast<Bytef*>(page_.gzip.data() + used);
    z.avail_out = static_cast<uInt>(page_.gzip.size() - used);
    int rc = deflate(&z, last ? Z_FINISH : Z_NO_FLUSH);
    page_.gzip.resize(page_.gzip.size() - z.avail_out);
    if (rc == Z_STREAM_END || (!last && z.avail_in == 0)) break;
    if (rc != Z_OK && rc != Z_BUF_ERROR) throw std::runtime_error("deflate failed");
  }
  text_.clear();
}

metrics_page metrics_page_writer::finish() && {
  compress(true);
  page_.gzip.shrink_to_fit();
  return std::move(page_);
}

struct metrics_page_reader::stream {
  z_stream z{};
  bool ended = false;
  stream() {
    if (inflateInit2(&z, gzip_window_bits) != Z_OK) throw std::bad_alloc();
  }
  ~stream() { inflateEnd(&z); }
};

metrics_page_reader::metrics_page_reader(metrics_page const& page) : z_(std::make_unique<stream>()) {
  z_->z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(page.gzip.data()));
  z_->z.avail_in = static_cast<uInt>(page.gzip.size());
}

metrics_page_reader::~metrics_page_reader() = default;

std::string_view metrics_page_reader::next() {
  auto& z = z_->z;
  if (z_->ended) return {};
  piece_.resize(piece_bytes);
  z.next_out = reinterpret_cast<Bytef*>(piece_.data());
  z.avail_out = static_cast<uInt>(piece_.size());
  while (z.avail_out > 0) {
    int rc = inflate(&z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END || rc != Z_OK) {  // the end, or a page this process did not write
      z_->ended = true;
      break;
    }
  }
  return std::string_view(piece_.data(), piece_.size() - z.avail_out);
}

}  // namespace reactord
