// icmp::echo_listener: what a ping run implements to hear about its echoes
// from an icmp::endpoint (icmp_endpoint.hpp on Linux,
// icmp_endpoint_windows.hpp on Windows). Called on the loop thread,
// synchronously; a listener must only record and set events.
#pragma once

#include <cstdint>
#include <string>

#include "reactor/address.hpp"  // sockaddr_storage, on every platform
#include "reactor/clock.hpp"

namespace jobs::icmp {

class echo_listener {
 public:
  // A reply with the right id, sequence and cookie; `received` is on the
  // monotonic clock.
  virtual void on_reply(std::uint32_t echo, reactor::deadline received) = 0;
  // An ICMP error quoting this echo's request. `what` reads "destination
  // host unreachable from 127.0.0.1"; `quoted_destination` is the address
  // the quoted request went to (AF_UNSPEC if the kernel did not say).
  virtual void on_error(std::uint32_t echo, std::string const& what, sockaddr_storage const& quoted_destination) = 0;

 protected:
  ~echo_listener() = default;
};

}  // namespace jobs::icmp
