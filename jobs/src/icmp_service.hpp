// The inside of jobs::icmp_service (ping.hpp): at most one endpoint per
// address family, opened on first use in the mode the system allows, and
// the readers that serve() runs for them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "icmp_endpoint.hpp"
#include "jobs/ping.hpp"
#include "reactor/event.hpp"

namespace jobs {

struct icmp_service::impl {
  explicit impl(reactor::loop& l) : loop(l) {}

  // The endpoint for AF_INET or AF_INET6, opened now if it is not yet.
  // Why not if no ICMP socket can be opened; the next call tries again, so
  // fixing the sysctl or capability needs no restart.
  [[nodiscard]] expected<icmp::endpoint*> endpoint_for(int family);

  reactor::loop& loop;
  std::unique_ptr<icmp::endpoint> v4, v6;
  std::vector<icmp::endpoint*> opened;  // in opening order; serve() starts a reader for each
  reactor::event opened_another;        // set when `opened` grows
  bool serving = false;
};

}  // namespace jobs
