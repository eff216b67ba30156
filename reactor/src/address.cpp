#include "reactor/address.hpp"

#if !defined(_WIN32)  // Windows: ws2tcpip.h, through address.hpp
#include <arpa/inet.h>
#include <netinet/in.h>
#endif

#include <cstring>

namespace reactor {

socket_address::socket_address(sockaddr const* sa, socklen_t len) {
  if (len > static_cast<socklen_t>(sizeof storage_)) len = sizeof storage_;
  std::memcpy(&storage_, sa, len);
  len_ = len;
}

std::optional<socket_address> socket_address::parse(std::string_view ip, std::uint16_t port) {
  std::string text(ip);
  if (!text.empty() && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  socket_address a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage_);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
  if (::inet_pton(AF_INET, text.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.len_ = sizeof(sockaddr_in);
    return a;
  }
  if (::inet_pton(AF_INET6, text.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.len_ = sizeof(sockaddr_in6);
    return a;
  }
  return std::nullopt;
}

std::uint16_t socket_address::port() const noexcept {
  if (family() == AF_INET) return ntohs(reinterpret_cast<sockaddr_in const*>(&storage_)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6 const*>(&storage_)->sin6_port);
  return 0;
}

void socket_address::set_port(std::uint16_t port) noexcept {
  if (family() == AF_INET) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (family() == AF_INET6) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

std::string socket_address::ip() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family() == AF_INET)
    ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in const*>(&storage_)->sin_addr, buf, sizeof buf);
  else if (family() == AF_INET6)
    ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6 const*>(&storage_)->sin6_addr, buf, sizeof buf);
  return buf;
}

std::string socket_address::to_string() const {
  if (family() == AF_INET6) return "[" + ip() + "]:" + std::to_string(port());
  return ip() + ":" + std::to_string(port());
}

bool operator==(socket_address const& a, socket_address const& b) noexcept {
  return a.len_ == b.len_ && std::memcmp(&a.storage_, &b.storage_, a.len_) == 0;
}

}  // namespace reactor
