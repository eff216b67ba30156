// Windows error codes -> the POSIX errno names the reactor reports
// everywhere (operation results are -errno on every platform; see
// reactor/detail/native.hpp).
//
// Two sources of errors reach us:
//  - a Winsock call that fails at once: WSAGetLastError() (WSAE*), and
//  - an overlapped request that fails later: the NTSTATUS the kernel wrote in
//    OVERLAPPED::Internal. libuv translates those the same way
//    (src/win/winsock.c, uv_ntstatus_to_winsock_error); the table below keeps
//    the statuses a socket can produce.
//
// mingw-w64's <errno.h> defines the POSIX socket names (ECONNREFUSED,
// ECANCELED, ...) with the values libstdc++'s std::errc uses, so an
// error_code built from them compares equal to std::errc on Windows too.
#pragma once

#if defined(_WIN32)

#include <cerrno>
#include <cstdint>

#include "reactor/detail/native.hpp"

namespace reactor::detail {

inline int errno_from_winsock(int error) {
  switch (error) {
    case 0: return 0;
    case WSAEWOULDBLOCK: return EAGAIN;
    case WSAEINPROGRESS: return EINPROGRESS;
    case WSAEALREADY: return EALREADY;
    case WSAENOTSOCK: return ENOTSOCK;
    case WSAEDESTADDRREQ: return EDESTADDRREQ;
    case WSAEMSGSIZE: return EMSGSIZE;
    case WSAEPROTOTYPE: return EPROTOTYPE;
    case WSAENOPROTOOPT: return ENOPROTOOPT;
    case WSAEPROTONOSUPPORT: return EPROTONOSUPPORT;
    case WSAESOCKTNOSUPPORT: return EPROTONOSUPPORT;
    case WSAEOPNOTSUPP: return EOPNOTSUPP;
    case WSAEPFNOSUPPORT: return EAFNOSUPPORT;
    case WSAEAFNOSUPPORT: return EAFNOSUPPORT;
    case WSAEADDRINUSE: return EADDRINUSE;
    case WSAEADDRNOTAVAIL: return EADDRNOTAVAIL;
    case WSAENETDOWN: return ENETDOWN;
    case WSAENETUNREACH: return ENETUNREACH;
    case WSAENETRESET: return ENETRESET;
    case WSAECONNABORTED: return ECONNABORTED;
    case WSAECONNRESET: return ECONNRESET;
    case WSAENOBUFS: return ENOBUFS;
    case WSAEISCONN: return EISCONN;
    case WSAENOTCONN: return ENOTCONN;
    case WSAESHUTDOWN: return EPIPE;
    case WSAETIMEDOUT: return ETIMEDOUT;
    case WSAECONNREFUSED: return ECONNREFUSED;
    case WSAEHOSTUNREACH: return EHOSTUNREACH;
    case WSAEHOSTDOWN: return EHOSTUNREACH;
    case WSAEACCES: return EACCES;
    case WSAEFAULT: return EFAULT;
    case WSAEINVAL: return EINVAL;
    case WSAEMFILE: return EMFILE;
    case WSAEINTR: return EINTR;
    case WSAEBADF: return EBADF;
    case WSA_OPERATION_ABORTED: return ECANCELED;
    case WSA_INVALID_HANDLE: return EBADF;
    case WSA_NOT_ENOUGH_MEMORY: return ENOMEM;
    case WSANOTINITIALISED: return ENETDOWN;
    case ERROR_NETNAME_DELETED: return ECONNRESET;  // AcceptEx on a reset peer
    case ERROR_CONNECTION_REFUSED: return ECONNREFUSED;
    case ERROR_CONNECTION_ABORTED: return ECONNABORTED;
    case ERROR_HOST_UNREACHABLE: return EHOSTUNREACH;
    case ERROR_NETWORK_UNREACHABLE: return ENETUNREACH;
    case ERROR_PORT_UNREACHABLE: return ECONNREFUSED;
    case ERROR_SEM_TIMEOUT: return ETIMEDOUT;
    case ERROR_NOT_FOUND: return ENOENT;
    case ERROR_NOT_SUPPORTED: return EOPNOTSUPP;
    case ERROR_INVALID_FUNCTION: return EOPNOTSUPP;
    case ERROR_MORE_DATA: return EMSGSIZE;
    case ERROR_ACCESS_DENIED: return EACCES;
    default: return EIO;
  }
}

// `status` is OVERLAPPED::Internal's low 32 bits: only those are an NTSTATUS
// (Internal is a ULONG_PTR, and wine 8 leaves junk in the upper half).
inline int errno_from_ntstatus(std::uint32_t status) {
  switch (status) {
    case 0x00000000: return 0;              // STATUS_SUCCESS
    case 0x80000005: return EMSGSIZE;       // STATUS_BUFFER_OVERFLOW (datagram cut)
    case 0xC0000023: return EMSGSIZE;       // STATUS_BUFFER_TOO_SMALL
    case 0xC0000120: return ECANCELED;      // STATUS_CANCELLED
    case 0xC0000008: return EBADF;          // STATUS_INVALID_HANDLE
    case 0xC000000D: return EINVAL;         // STATUS_INVALID_PARAMETER
    case 0xC0000022: return EACCES;         // STATUS_ACCESS_DENIED
    case 0xC0000017: return ENOMEM;         // STATUS_NO_MEMORY
    case 0xC000009A: return ENOBUFS;        // STATUS_INSUFFICIENT_RESOURCES
    case 0xC00000B5: return ETIMEDOUT;      // STATUS_IO_TIMEOUT
    case 0xC00000BB: return EOPNOTSUPP;     // STATUS_NOT_SUPPORTED
    case 0xC000013B: return ECONNABORTED;   // STATUS_LOCAL_DISCONNECT
    case 0xC000013C: return ECONNRESET;     // STATUS_REMOTE_DISCONNECT
    case 0xC0000207: return EADDRNOTAVAIL;  // STATUS_INVALID_ADDRESS_COMPONENT
    case 0xC000020A: return EADDRINUSE;     // STATUS_ADDRESS_ALREADY_EXISTS
    case 0xC000020C: return ECONNRESET;     // STATUS_CONNECTION_DISCONNECTED
    case 0xC000020D: return ECONNRESET;     // STATUS_CONNECTION_RESET
    case 0xC0000236: return ECONNREFUSED;   // STATUS_CONNECTION_REFUSED
    case 0xC0000237: return ECONNRESET;     // STATUS_GRACEFUL_DISCONNECT
    case 0xC000023C: return ENETUNREACH;    // STATUS_NETWORK_UNREACHABLE
    case 0xC000023D: return EHOSTUNREACH;   // STATUS_HOST_UNREACHABLE
    case 0xC000023E: return ECONNREFUSED;   // STATUS_PROTOCOL_UNREACHABLE
    case 0xC000023F: return ECONNREFUSED;   // STATUS_PORT_UNREACHABLE
    case 0xC0000241: return ECONNABORTED;   // STATUS_CONNECTION_ABORTED
    case 0xC000022A: return EALREADY;       // STATUS_DUPLICATE_OBJECTID
    case 0xC0000128: return EBADF;          // STATUS_FILE_CLOSED
    case 0xC000014B: return EPIPE;          // STATUS_PIPE_BROKEN
    default: return EIO;
  }
}

}  // namespace reactor::detail

#endif  // _WIN32
