#include "http_request.hpp"

#include <cctype>
#include <string_view>

namespace reactord {

request_reader::request_reader(std::size_t max_bytes) : max_bytes_(max_bytes) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_url = &on_url;
  settings_.on_header_field = &on_header_field;
  settings_.on_header_value = &on_header_value;
  settings_.on_headers_complete = &on_headers_complete;
  settings_.on_message_complete = &on_message_complete;
}

int request_reader::on_url(http_parser* p, char const* at, std::size_t len) {
  auto* self = static_cast<request_reader*>(p->data);
  self->url_.append(at, len);
  return 0;
}

// http-parser hands a header's name and value over in as many pieces as
// the input came in: a name ends where its value begins.
int request_reader::on_header_field(http_parser* p, char const* at, std::size_t len) {
  auto* self = static_cast<request_reader*>(p->data);
  if (self->in_value_) {
    self->header_name_.clear();
    self->in_value_ = false;
  }
  for (char c : std::string_view(at, len)) self->header_name_ += char(std::tolower(static_cast<unsigned char>(c)));
  return 0;
}

int request_reader::on_header_value(http_parser* p, char const* at, std::size_t len) {
  auto* self = static_cast<request_reader*>(p->data);
  bool first_piece = !self->in_value_;
  self->in_value_ = true;
  if (self->header_name_ != "accept-encoding") return 0;
  if (first_piece && !self->accept_encoding_.empty()) self->accept_encoding_ += ',';
  self->accept_encoding_.append(at, len);
  return 0;
}

int request_reader::on_headers_complete(http_parser* p) {
  auto* self = static_cast<request_reader*>(p->data);
  self->method_ = http_method_str(static_cast<http_method>(p->method));
  self->path_ = self->url_.substr(0, self->url_.find('?'));
  return 0;
}

int request_reader::on_message_complete(http_parser* p) {
  auto* self = static_cast<request_reader*>(p->data);
  self->state_ = progress::complete;
  // One request per connection: stop here, whatever follows.
  http_parser_pause(p, 1);
  return 0;
}

request_reader::progress request_reader::feed(std::span<char const> bytes) {
  if (state_ != progress::incomplete) return state_;
  seen_ += bytes.size();
  if (seen_ > max_bytes_) {
    error_ = "request larger than " + std::to_string(max_bytes_) + " bytes";
    return state_ = progress::bad;
  }
  http_parser_execute(&parser_, &settings_, bytes.data(), bytes.size());
  auto err = HTTP_PARSER_ERRNO(&parser_);
  if (state_ == progress::complete) return state_;
  if (err != HPE_OK) {
    error_ = http_errno_description(err);
    return state_ = progress::bad;
  }
  return state_;
}

request_reader::progress request_reader::finish() {
  if (state_ == progress::incomplete) {
    error_ = "connection closed before the request was complete";
    state_ = progress::bad;
  }
  return state_;
}

namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool same_letters(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// "q=0", "q=0.0", "Q=0.000" (RFC 9110 12.4.2): the coding is refused.
bool refused(std::string_view params) {
  for (;;) {
    auto semi = params.find(';');
    auto param = trimmed(params.substr(0, semi));
    if (param.size() >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=')
      return param.substr(2).find_first_not_of("0.") == std::string_view::npos;
    if (semi == std::string_view::npos) return false;
    params.remove_prefix(semi + 1);
  }
}

}  // namespace

// Accept-Encoding: gzip, deflate;q=0.5, *;q=0 (RFC 9110 12.5.3). gzip
// named wins over *.
bool request_reader::accepts_gzip() const {
  std::string_view list = accept_encoding_;
  bool star = false;
  for (;;) {
    auto comma = list.find(',');
    auto item = list.substr(0, comma);
    auto semi = item.find(';');
    auto coding = trimmed(item.substr(0, semi));
    bool ok = semi == std::string_view::npos || !refused(item.substr(semi + 1));
    if (same_letters(coding, "gzip") || same_letters(coding, "x-gzip")) return ok;
    if (coding == "*") star = ok;
    if (comma == std::string_view::npos) return star;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace reactord
