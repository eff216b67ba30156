// When a reply arrived, by the kernel's receive timestamp rather than by
// when the loop got round to reading it: under load the two differ by the
// length of a loop pass, which an RTT must not include.
#pragma once

#include <sys/socket.h>
#include <time.h>

#include "reactor/clock.hpp"

namespace jobs::icmp {

// Asks the kernel to stamp every packet received on `fd`.
void enable_timestamps(int fd);

// The monotonic instant at which the kernel stamped the packet `h`.
// The stamp is CLOCK_REALTIME, which can be stepped; we take its distance
// from `real_now` (a realtime reading made just before `mono_now`) and
// subtract that from `mono_now`. If the distance is negative or
// implausible (the wall clock was stepped in between), or the packet has
// no stamp, `mono_now` itself is the better answer.
reactor::deadline received_at(msghdr const& h, reactor::deadline mono_now, timespec const& real_now);

}  // namespace jobs::icmp
