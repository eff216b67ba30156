// The undocumented part of Winsock the IOCP backend needs: IOCTL_AFD_POLL,
// a one-shot readiness wait on sockets that completes through an I/O
// completion port. It is what WSAPoll and select() are built on, and what
// libuv (src/win/poll.c, "fast poll"), mio (src/sys/windows/afd.rs) and
// wepoll use to offer readiness on Windows; the layouts below are theirs.
//
// How it is used (wepoll's scheme): open one "\Device\Afd\<name>" handle,
// associate it with the completion port, and issue IOCTL_AFD_POLL on *that*
// handle naming the socket's base handle. The polled socket itself is never
// associated with our port, so a foreign socket (libcurl's) keeps working as
// its owner expects.
#pragma once

#if defined(_WIN32)

#include "reactor/detail/native.hpp"
// After windows.h: winternl.h declares NtCreateFile, NtDeviceIoControlFile,
// IO_STATUS_BLOCK, OBJECT_ATTRIBUTES (mingw-w64 links them from ntdll).
#include <winternl.h>

namespace reactor::detail::afd {

inline constexpr ULONG ioctl_poll = 0x00012024;  // IOCTL_AFD_POLL

// Event bits, in and out (AFD_POLL_*).
inline constexpr ULONG poll_receive = 0x0001;
inline constexpr ULONG poll_receive_expedited = 0x0002;
inline constexpr ULONG poll_send = 0x0004;
inline constexpr ULONG poll_disconnect = 0x0008;
inline constexpr ULONG poll_abort = 0x0010;
inline constexpr ULONG poll_local_close = 0x0020;
inline constexpr ULONG poll_accept = 0x0080;
inline constexpr ULONG poll_connect_fail = 0x0100;

struct poll_handle_info {
  HANDLE handle;
  ULONG events;
  NTSTATUS status;
};

struct poll_info {
  LARGE_INTEGER timeout;  // INT64_MAX: no timeout of its own
  ULONG number_of_handles;
  ULONG exclusive;
  poll_handle_info handles[1];
};

}  // namespace reactor::detail::afd

#endif  // _WIN32
