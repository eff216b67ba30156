// A rendered /metrics page, held gzip-compressed.
//
// Prometheus text repeats every label on every line: at 50,000 jobs a page
// is over 200 MB of text but a few MB compressed. The page is compressed
// while it is written (metrics_page_writer), so it is never whole in memory
// as text; a scraper that sends `Accept-Encoding: gzip` (Prometheus does)
// gets the compressed bytes as they are, any other gets them inflated piece
// by piece as it reads (metrics_page_reader). One rendering still serves
// every scraper (status_endpoint.cpp).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace reactord {

struct metrics_page {
  std::string gzip;            // the page, as a gzip member (RFC 1952)
  std::size_t text_bytes = 0;  // its length as text
};

// Text appended to buffer() is compressed whenever the buffer passes a
// bound, and once more by finish().
class metrics_page_writer {
 public:
  metrics_page_writer();
  ~metrics_page_writer();
  metrics_page_writer(metrics_page_writer const&) = delete;
  metrics_page_writer& operator=(metrics_page_writer const&) = delete;

  // Where the next text goes; call written() after each line or so.
  std::string& buffer() noexcept { return text_; }
  void written() {
    if (text_.size() >= flush_bytes) compress(false);
  }
  metrics_page finish() &&;

  static constexpr std::size_t flush_bytes = 64 * 1024;

 private:
  void compress(bool last);

  struct stream;
  std::unique_ptr<stream> z_;
  std::string text_;
  metrics_page page_;
};

// A page's text, a piece at a time.
class metrics_page_reader {
 public:
  explicit metrics_page_reader(metrics_page const& page);
  ~metrics_page_reader();
  metrics_page_reader(metrics_page_reader const&) = delete;
  metrics_page_reader& operator=(metrics_page_reader const&) = delete;

  // The next piece of at most piece_bytes (valid until the next call);
  // empty at the end.
  std::string_view next();

  static constexpr std::size_t piece_bytes = 64 * 1024;

 private:
  struct stream;
  std::unique_ptr<stream> z_;
  std::string piece_;
};

}  // namespace reactord
