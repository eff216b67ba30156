// socket_address: an IPv4 or IPv6 address and port, by value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "reactor/detail/native.hpp"

namespace reactor {

class socket_address {
 public:
  socket_address() = default;
  socket_address(sockaddr const* sa, socklen_t len);

  // A numeric IPv4 or IPv6 address ("127.0.0.1", "::1"); no name lookup.
  [[nodiscard]] static std::optional<socket_address> parse(std::string_view ip, std::uint16_t port = 0);

  int family() const noexcept { return storage_.ss_family; }
  std::uint16_t port() const noexcept;
  void set_port(std::uint16_t port) noexcept;
  sockaddr const* data() const noexcept { return reinterpret_cast<sockaddr const*>(&storage_); }
  sockaddr* data() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
  socklen_t size() const noexcept { return len_; }
  // "127.0.0.1" / "::1" (no port).
  std::string ip() const;
  // "127.0.0.1:80" / "[::1]:80".
  std::string to_string() const;

  friend bool operator==(socket_address const& a, socket_address const& b) noexcept;

 private:
  sockaddr_storage storage_{};
  socklen_t len_ = 0;
};

}  // namespace reactor
