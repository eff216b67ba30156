// process_setup on Windows: nothing to do. There are no signals to block
// (console events reach signal_source's handler, and nothing else ends the
// process), no SIGPIPE (a closed pipe is an error on the write), and a
// process started without standard handles (a service) has none to be
// handed to the next file it opens: Windows never reuses 0, 1 and 2 that
// way.
#include "process_setup.hpp"

namespace reactord {

void make_standard_fds_safe() noexcept {}
void block_signals_for_life() noexcept {}

}  // namespace reactord
