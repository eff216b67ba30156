#include "icmp_service.hpp"

#include <stdexcept>

#include "reactor/scope.hpp"

namespace jobs {

icmp_service::icmp_service(reactor::loop& loop) : impl_(std::make_unique<impl>(loop)) {}

icmp_service::~icmp_service() = default;

expected<icmp::endpoint*> icmp_service::impl::endpoint_for(int family) {
  std::unique_ptr<icmp::endpoint>& slot = family == AF_INET ? v4 : v6;
  if (!slot) {
    auto fresh = icmp::endpoint::open(loop, family);
    if (!fresh) return unexpected(std::move(fresh.error()));
    slot = std::move(*fresh);
    opened.push_back(slot.get());
    opened_another.set();
  }
  return slot.get();
}

reactor::task<void> icmp_service::serve() {
  impl& self = *impl_;
  if (self.serving) throw std::logic_error("icmp_service::serve() is already running");
  self.serving = true;
  struct serving_flag {
    impl& self;
    ~serving_flag() { self.serving = false; }
  } flag{self};
  co_await reactor::open_scope([&self](reactor::scope& readers) -> reactor::task<void> {
    std::size_t started = 0;
    for (;;) {
      self.opened_another.clear();
      while (started < self.opened.size()) readers.spawn(self.opened[started++]->read_replies());
      co_await self.opened_another.wait();
    }
  });
}

}  // namespace jobs
