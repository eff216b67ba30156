// The platform's socket vocabulary, named once so the rest of the reactor is
// written once.
//
//  native_handle   what a socket is: an int fd on POSIX, a SOCKET on Windows.
//  invalid_handle  the "no socket" value: -1 on POSIX, INVALID_SOCKET.
//  message_header  what recvmsg/sendmsg take: msghdr on POSIX, WSAMSG on
//                  Windows (buffers in lpBuffers/dwBufferCount, the peer in
//                  name/namelen; control data is not used there).
//
// Results stay syscall-style everywhere (>= 0, or -errno with the POSIX
// names from <cerrno>): the Windows backend translates Winsock and NTSTATUS
// codes, as libuv does, so callers compare against std::errc on every OS.
//
// On Linux these are plain aliases (int, msghdr), so code written before
// this header existed compiles unchanged.
#pragma once

#if defined(_WIN32)
// windows.h's min/max macros would break std::numeric_limits<>::max() and
// time_point::max().
#ifndef NOMINMAX
#define NOMINMAX
#endif
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <winsock2.h>  // before windows.h (a block of its own: clang-format sorts within blocks)
#include <ws2tcpip.h>

#include <windows.h>
#else
#include <poll.h>
#include <sys/socket.h>
#endif

namespace reactor {

#if defined(_WIN32)
using native_handle = SOCKET;
inline constexpr native_handle invalid_handle = INVALID_SOCKET;
using message_header = WSAMSG;
#else
using native_handle = int;
inline constexpr native_handle invalid_handle = -1;
using message_header = msghdr;
#endif

}  // namespace reactor
