// The socket calls that differ by platform, one file each:
// native_socket_posix.cpp (Linux, macOS, the BSDs) and
// native_socket_windows.cpp (Winsock). socket.cpp is written once above them.
#pragma once

#include "reactor/detail/native.hpp"

namespace reactor::detail {

// A new socket, non-blocking (so a plain send/recv on it never stalls the
// loop's thread) and not inherited by child processes; invalid_handle on
// failure, with the reason in last_socket_error().
native_handle open_native(int family, int type, int protocol);
void close_native(native_handle s);
// The errno value of the last failed socket call on this thread.
int last_socket_error();

}  // namespace reactor::detail
