// Sockets on Windows (see native_socket.hpp): Winsock, started on first use.
#include "backend/win32_error.hpp"
#include "native_socket.hpp"

namespace reactor::detail {

int last_socket_error() {
  return errno_from_winsock(::WSAGetLastError());
}
void close_native(native_handle s) {
  ::closesocket(s);
}

// Overlapped (for IOCP), not inherited by child processes, non-blocking (as
// libuv does).
native_handle open_native(int family, int type, int protocol) {
  static bool const winsock_started = [] {
    WSADATA data;
    return ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
  }();
  if (!winsock_started) {
    ::WSASetLastError(WSANOTINITIALISED);
    return INVALID_SOCKET;
  }
  SOCKET s = ::WSASocketW(family, type, protocol, nullptr, 0, WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
  if (s == INVALID_SOCKET) return s;
  u_long non_blocking = 1;
  if (::ioctlsocket(s, FIONBIO, &non_blocking) != 0) {
    int e = ::WSAGetLastError();
    ::closesocket(s);
    ::WSASetLastError(e);
    return INVALID_SOCKET;
  }
  return s;
}

}  // namespace reactor::detail
