#include "http_request.hpp"

namespace reactord {

request_reader::request_reader(std::size_t max_bytes) : max_bytes_(max_bytes) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  http_parser_settings_init(&settings_);
  settings_.on_url = &on_url;
  settings_.on_headers_complete = &on_headers_complete;
  settings_.on_message_complete = &on_message_complete;
}

int request_reader::on_url(http_parser* p, char const* at, std::size_t len) {
  auto* self = static_cast<request_reader*>(p->data);
  self->url_.append(at, len);
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

}  // namespace reactord
