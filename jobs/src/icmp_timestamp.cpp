#include "icmp_timestamp.hpp"

#include <sys/time.h>

#include <chrono>
#include <cstring>

namespace jobs::icmp {

namespace {

#if defined(SO_TIMESTAMPNS)
constexpr int timestamp_option = SO_TIMESTAMPNS;  // Linux: a timespec
#else
constexpr int timestamp_option = SO_TIMESTAMP;  // elsewhere: a timeval
#endif

}  // namespace

void enable_timestamps(int fd) {
  int on = 1;
  ::setsockopt(fd, SOL_SOCKET, timestamp_option, &on, sizeof on);
}

reactor::deadline received_at(msghdr const& h, reactor::deadline mono_now, timespec const& real_now) {
  for (cmsghdr const* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), const_cast<cmsghdr*>(c))) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    timespec stamp;
#if defined(SO_TIMESTAMPNS)
    if (c->cmsg_type != SCM_TIMESTAMPNS) continue;
    std::memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
#else
    if (c->cmsg_type != SCM_TIMESTAMP) continue;
    timeval micro;
    std::memcpy(&micro, CMSG_DATA(c), sizeof micro);
    stamp = {micro.tv_sec, static_cast<long>(micro.tv_usec) * 1000};
#endif
    auto age = std::chrono::seconds(real_now.tv_sec - stamp.tv_sec) +
               std::chrono::nanoseconds(real_now.tv_nsec - stamp.tv_nsec);
    if (age >= std::chrono::nanoseconds(0) && age < std::chrono::seconds(1))
      return mono_now - std::chrono::duration_cast<reactor::clock::duration>(age);
  }
  return mono_now;
}

}  // namespace jobs::icmp
