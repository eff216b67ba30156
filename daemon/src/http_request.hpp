// One HTTP/1.x request read from a client of the status endpoint, parsed by
// http-parser (Debian's libhttp-parser). Only the request line matters to
// the endpoint, and of the headers Accept-Encoding (a /metrics page goes
// out gzip-compressed to a client that accepts it); the rest is read,
// bounded, and ignored.
#pragma once

#include <http_parser.h>

#include <cstddef>
#include <span>
#include <string>

namespace reactord {

class request_reader {
 public:
  enum class progress { incomplete, complete, bad };

  explicit request_reader(std::size_t max_bytes = 8192);
  request_reader(request_reader const&) = delete;

  // Feeds the next bytes received. Past max_bytes, or on a syntax error,
  // the request is bad (and stays bad).
  progress feed(std::span<char const> bytes);
  // The input ended (the client closed): complete only if it already was.
  progress finish();

  std::string const& method() const noexcept { return method_; }
  std::string const& path() const noexcept { return path_; }  // without the query string
  std::string const& error() const noexcept { return error_; }
  // Whether Accept-Encoding lists gzip (or *) with a q-value above 0.
  bool accepts_gzip() const;

 private:
  static int on_url(http_parser* p, char const* at, std::size_t len);
  static int on_header_field(http_parser* p, char const* at, std::size_t len);
  static int on_header_value(http_parser* p, char const* at, std::size_t len);
  static int on_headers_complete(http_parser* p);
  static int on_message_complete(http_parser* p);

  http_parser parser_{};
  http_parser_settings settings_{};
  std::size_t max_bytes_;
  std::size_t seen_ = 0;
  std::string url_;
  std::string method_;
  std::string path_;
  std::string header_name_;  // the header being read (lower case)
  bool in_value_ = false;
  std::string accept_encoding_;  // every Accept-Encoding header, joined by ','
  std::string error_;
  progress state_ = progress::incomplete;
};

}  // namespace reactord
