// The IOCP backend: a completion backend, Windows' counterpart of io_uring.
// Each operation becomes one overlapped Winsock request whose OVERLAPPED is
// embedded in the operation (so submitting allocates nothing); the packet
// that GetQueuedCompletionStatusEx hands back for it completes it.
//
// Choices, and why:
//  - Requests: WSARecv/WSASend for recv/send (and read/write, which on
//    Windows mean the same on a socket), WSARecvFrom/WSASendTo for
//    recvmsg/sendmsg (a WSAMSG's buffers and peer; control data is not
//    used), AcceptEx/ConnectEx loaded through SIO_GET_EXTENSION_FUNCTION_
//    POINTER on the socket in hand, as Microsoft documents (ConnectEx is not
//    exported by mswsock at all).
//  - A socket must be associated with the port before its first request.
//    We ask for the association on every request: a second one fails with
//    ERROR_INVALID_PARAMETER, which means "already ours". Caching it per
//    handle value would be wrong, since Windows reuses a closed socket's
//    handle value at once and a request on an unassociated socket would
//    never complete.
//  - No FILE_SKIP_COMPLETION_PORT_ON_SUCCESS: every accepted request posts
//    its packet, so there is exactly one path to completion (libuv disables
//    the mode too when a non-IFS LSP is installed).
//  - The wait: GetQueuedCompletionStatusEx with the earliest timer as its
//    timeout, in whole milliseconds rounded up. It may still return before
//    the deadline (the timeout is counted in clock ticks of 15.6 ms by
//    default), so a timed-out wait that is early waits again.
//  - The wait is alertable, so APCs queued to the loop thread run in it
//    (IcmpSendEcho2Ex completes the ping job's echoes that way); the wait
//    then returns, and whatever the APCs made ready runs in the next pass.
//  - post(): PostQueuedCompletionStatus with a packet whose key is
//    wake_key and which carries no OVERLAPPED.
//  - Cancellation: CancelIoEx(handle, &op.overlapped). The request's own
//    packet still arrives (STATUS_CANCELLED, or its real result if it won
//    the race) and only that completes the operation, so the kernel has let
//    go of the buffer before the coroutine resumes.
//  - Status: only OVERLAPPED::Internal's low 32 bits are an NTSTATUS; wine
//    8.0 leaves junk in the upper half of the ULONG_PTR.
//  - Readiness on a socket (poll, what libcurl needs): IOCTL_AFD_POLL on a
//    \Device\Afd handle of our own (see afd.hpp). Where it cannot be opened,
//    every poll fails with EOPNOTSUPP, which names the missing piece.
#include <mswsock.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstring>
#include <memory>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "backend/afd.hpp"
#include "backend/backend.hpp"
#include "backend/win32_error.hpp"
#include "reactor/error.hpp"

namespace reactor::detail {
namespace {

constexpr ULONG_PTR wake_key = 1;  // the completion key of post()'s wake-up packet
constexpr ULONG entries_per_wait = 256;

// AcceptEx writes both addresses, each with 16 bytes of its own on top.
constexpr DWORD accept_address_size = sizeof(sockaddr_storage) + 16;

std::system_error win32_error(char const* what, DWORD error = ::GetLastError()) {
  return std::system_error(errno_from_winsock(static_cast<int>(error)), errno_category(), what);
}

operation& operation_of(OVERLAPPED* ov) {
  return *reinterpret_cast<operation*>(reinterpret_cast<char*>(ov) - offsetof(operation, overlapped));
}

// What AcceptEx needs beyond the operation: the socket it accepts into and
// room for both addresses. Kept until the request's packet arrives.
struct accept_request {
  SOCKET accepted = INVALID_SOCKET;
  char addresses[2 * accept_address_size] = {};
};

// An AFD poll's in/out record; the kernel writes it until the packet.
struct poll_request {
  afd::poll_info info{};
};

// The operations in flight on one socket, for cancel_fd (close()).
struct op_list {
  operation* head = nullptr;
  void push(operation& op) {
    op.prev = nullptr;
    op.next = head;
    if (head) head->prev = &op;
    head = &op;
  }
  void unlink(operation& op) {
    (op.prev ? op.prev->next : head) = op.next;
    if (op.next) op.next->prev = op.prev;
    op.next = op.prev = nullptr;
  }
};

ULONG afd_events_for(std::uint32_t poll_mask) {
  // Errors and hang-ups are always reported, as poll(2) does.
  ULONG events = afd::poll_abort | afd::poll_connect_fail | afd::poll_local_close | afd::poll_disconnect;
  if (poll_mask & POLLIN) events |= afd::poll_receive | afd::poll_accept;
  if (poll_mask & POLLPRI) events |= afd::poll_receive_expedited;
  if (poll_mask & POLLOUT) events |= afd::poll_send;
  return events;
}

int poll_mask_for(ULONG afd_events) {
  int mask = 0;
  if (afd_events & (afd::poll_receive | afd::poll_accept)) mask |= POLLIN;
  if (afd_events & afd::poll_receive_expedited) mask |= POLLPRI;
  if (afd_events & afd::poll_send) mask |= POLLOUT;
  if (afd_events & afd::poll_disconnect) mask |= POLLIN | POLLHUP;  // read sees EOF
  if (afd_events & (afd::poll_abort | afd::poll_connect_fail)) mask |= POLLERR;
  if (afd_events & afd::poll_local_close) mask |= POLLNVAL;
  return mask;
}

class iocp_backend final : public backend {
 public:
  explicit iocp_backend(loop& owner) : loop_(owner) {
    WSADATA data;
    if (int e = ::WSAStartup(MAKEWORD(2, 2), &data)) throw win32_error("WSAStartup", static_cast<DWORD>(e));
    port_ = ::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1);
    if (!port_) {
      auto error = win32_error("CreateIoCompletionPort");
      ::WSACleanup();
      throw error;
    }
    open_afd();
    entries_.resize(entries_per_wait);
  }

  ~iocp_backend() override {
    if (afd_) ::CloseHandle(afd_);
    ::CloseHandle(port_);
    ::WSACleanup();
  }

  bool submit(operation& op) override {
    op.overlapped = OVERLAPPED{};
    if (op.code == op_code::cancel_fd) {
      op.result = cancel_all(op.fd);
      return true;
    }
    if (op.code == op_code::poll) return start_poll(op);
    if (!associate(op.fd)) {
      op.result = -errno_from_winsock(static_cast<int>(::GetLastError()));
      return true;
    }
    int error = start(op);
    if (error) {
      // Refused at once: no packet will come (start() kept nothing).
      op.result = -errno_from_winsock(error);
      return true;
    }
    pending_[op.fd].push(op);
    return false;
  }

  void cancel(operation& op) override {
    HANDLE target = op.code == op_code::poll ? afd_ : reinterpret_cast<HANDLE>(op.fd);
    // ERROR_NOT_FOUND: the request already finished and its packet is queued.
    ::CancelIoEx(target, &op.overlapped);
  }

  bool wait(deadline until) override {
    deadline now = clock::now();
    bool blocking = until > now;
    for (;;) {
      ULONG removed = 0;
      BOOL ok = ::GetQueuedCompletionStatusEx(port_, entries_.data(), entries_per_wait, &removed,
                                              timeout_ms(until, now), TRUE);
      if (ok) {
        for (ULONG i = 0; i < removed; ++i) on_packet(entries_[i]);
        return blocking;
      }
      DWORD e = ::GetLastError();
      if (e == WAIT_IO_COMPLETION) return blocking;  // APCs ran; what they readied runs next
      if (e != WAIT_TIMEOUT) throw win32_error("GetQueuedCompletionStatusEx", e);
      // Timed out. Early (clock-tick granularity)? Then wait again.
      now = clock::now();
      if (!blocking || until == never || now >= until) return blocking;
    }
  }

  void wake() override {
    // Thread-safe by design: any thread may post to a port.
    ::PostQueuedCompletionStatus(port_, 0, wake_key, nullptr);
  }

 private:
  static DWORD timeout_ms(deadline until, deadline now) {
    if (until == never) return INFINITE;
    long long ns = wait_nanoseconds(until, now);
    long long ms = (ns + 999'999) / 1'000'000;
    return ms >= INFINITE ? INFINITE - 1 : static_cast<DWORD>(ms);
  }

  bool associate(SOCKET s) {
    if (::CreateIoCompletionPort(reinterpret_cast<HANDLE>(s), port_, 0, 0)) return true;
    // A handle can be associated once; this failure means it already is.
    return ::GetLastError() == ERROR_INVALID_PARAMETER;
  }

  // Issues op's overlapped request. Returns 0 if it was accepted (its packet
  // will come), else the Winsock error.
  int start(operation& op) {
    DWORD flags = static_cast<DWORD>(op.flags);
    int rc = 0;
    switch (op.code) {
      case op_code::recv:
      case op_code::read: {
        WSABUF buf{static_cast<ULONG>(op.len), static_cast<char*>(op.buf)};
        rc = ::WSARecv(op.fd, &buf, 1, nullptr, &flags, &op.overlapped, nullptr);
        break;
      }
      case op_code::send:
      case op_code::write: {
        WSABUF buf{static_cast<ULONG>(op.len), static_cast<char*>(op.buf)};
        rc = ::WSASend(op.fd, &buf, 1, nullptr, flags, &op.overlapped, nullptr);
        break;
      }
      case op_code::recvmsg:
        // name/namelen live in the caller's WSAMSG until the packet, as
        // WSARecvFrom requires.
        rc = ::WSARecvFrom(op.fd, op.msg->lpBuffers, op.msg->dwBufferCount, nullptr, &flags, op.msg->name,
                           op.msg->name ? &op.msg->namelen : nullptr, &op.overlapped, nullptr);
        break;
      case op_code::sendmsg:
        rc = ::WSASendTo(op.fd, op.msg->lpBuffers, op.msg->dwBufferCount, nullptr, flags, op.msg->name,
                         op.msg->name ? op.msg->namelen : 0, &op.overlapped, nullptr);
        break;
      case op_code::connect: return start_connect(op);
      case op_code::accept: return start_accept(op);
      case op_code::poll:
      case op_code::cancel_fd: return WSAEINVAL;  // handled in submit
    }
    if (rc == 0) return 0;
    int e = ::WSAGetLastError();
    return e == WSA_IO_PENDING ? 0 : e;
  }

  int start_connect(operation& op) {
    if (!connect_ex_ && !load_extension(op.fd, WSAID_CONNECTEX, &connect_ex_)) return WSAGetLastError();
    // ConnectEx wants a bound socket; bind to the wildcard address of the
    // family if the caller did not bind. WSAEINVAL: it was bound already.
    sockaddr_storage any{};
    any.ss_family = op.addr->sa_family;
    int any_len = any.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (::bind(op.fd, reinterpret_cast<sockaddr*>(&any), any_len) != 0 && ::WSAGetLastError() != WSAEINVAL)
      return ::WSAGetLastError();
    if (connect_ex_(op.fd, op.addr, op.addrlen, nullptr, 0, nullptr, &op.overlapped)) return 0;
    int e = ::WSAGetLastError();
    return e == ERROR_IO_PENDING ? 0 : e;
  }

  int start_accept(operation& op) {
    if (!accept_ex_ && !load_extension(op.fd, WSAID_ACCEPTEX, &accept_ex_)) return WSAGetLastError();
    if (!get_accept_addresses_ && !load_extension(op.fd, WSAID_GETACCEPTEXSOCKADDRS, &get_accept_addresses_))
      return WSAGetLastError();
    // AcceptEx accepts into a socket we make now, of the listener's family.
    sockaddr_storage local{};
    int local_len = sizeof local;
    if (::getsockname(op.fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return ::WSAGetLastError();
    auto request = std::make_unique<accept_request>();
    request->accepted = ::WSASocketW(local.ss_family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0,
                                     WSA_FLAG_OVERLAPPED | WSA_FLAG_NO_HANDLE_INHERIT);
    if (request->accepted == INVALID_SOCKET) return ::WSAGetLastError();
    DWORD bytes = 0;
    if (!accept_ex_(op.fd, request->accepted, request->addresses, 0, accept_address_size, accept_address_size, &bytes,
                    &op.overlapped)) {
      int e = ::WSAGetLastError();
      if (e != ERROR_IO_PENDING) {
        ::closesocket(request->accepted);
        return e;
      }
    }
    accepts_[&op] = std::move(request);
    return 0;
  }

  template <class Function>
  bool load_extension(SOCKET s, GUID id, Function* out) {
    DWORD bytes = 0;
    return ::WSAIoctl(s, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof id, out, sizeof *out, &bytes, nullptr,
                      nullptr) == 0;
  }

  void open_afd() {
    // Any name under \Device\Afd opens a fresh AFD endpoint; wepoll uses
    // "\Device\Afd\Wepoll". Failure is not fatal: poll() reports it.
    wchar_t name[] = L"\\Device\\Afd\\Reactord";
    UNICODE_STRING path{static_cast<USHORT>(sizeof name - sizeof(wchar_t)), static_cast<USHORT>(sizeof name), name};
    OBJECT_ATTRIBUTES attributes{};
    attributes.Length = sizeof attributes;
    attributes.ObjectName = &path;
    attributes.Attributes = OBJ_CASE_INSENSITIVE;
    IO_STATUS_BLOCK iosb{};
    HANDLE afd = nullptr;
    NTSTATUS status = ::NtCreateFile(&afd, SYNCHRONIZE, &attributes, &iosb, nullptr, 0,
                                     FILE_SHARE_READ | FILE_SHARE_WRITE, FILE_OPEN, 0, nullptr, 0);
    if (status != 0) return;
    if (!::CreateIoCompletionPort(afd, port_, 0, 0)) {
      ::CloseHandle(afd);
      return;
    }
    afd_ = afd;
  }

  bool start_poll(operation& op) {
    if (!afd_) {
      // No AFD driver to ask (not Windows NT, or a sandbox that hides
      // \Device\Afd): poll() on a socket is not available here.
      op.result = -EOPNOTSUPP;
      return true;
    }
    // Poll the base socket under any layered service providers, as wepoll
    // does; where the ioctl is unknown the socket is its own base.
    SOCKET base = op.fd;
    DWORD bytes = 0;
    if (::WSAIoctl(op.fd, SIO_BASE_HANDLE, nullptr, 0, &base, sizeof base, &bytes, nullptr, nullptr) != 0) base = op.fd;
    auto request = std::make_unique<poll_request>();
    request->info.timeout.QuadPart = LLONG_MAX;
    request->info.number_of_handles = 1;
    request->info.exclusive = FALSE;
    request->info.handles[0].handle = reinterpret_cast<HANDLE>(base);
    request->info.handles[0].events = afd_events_for(op.poll_mask);
    // The IO_STATUS_BLOCK is OVERLAPPED's Internal/InternalHigh, and the APC
    // context is what the completion packet returns as lpOverlapped.
    auto* iosb = reinterpret_cast<IO_STATUS_BLOCK*>(&op.overlapped.Internal);
    NTSTATUS status =
        ::NtDeviceIoControlFile(afd_, nullptr, nullptr, &op.overlapped, iosb, afd::ioctl_poll, &request->info,
                                sizeof request->info, &request->info, sizeof request->info);
    constexpr NTSTATUS status_pending = 0x00000103;
    if (status != 0 && status != status_pending) {
      op.result = -errno_from_ntstatus(static_cast<std::uint32_t>(status));
      return true;
    }
    polls_[&op] = std::move(request);
    pending_[op.fd].push(op);
    return false;
  }

  // close(): cancel every request on the socket. Their packets complete them
  // later; the count (or -ENOENT for none) is the cancel_fd result, as with
  // io_uring's IORING_ASYNC_CANCEL_ALL.
  int cancel_all(SOCKET s) {
    auto it = pending_.find(s);
    if (it == pending_.end() || !it->second.head) return -ENOENT;
    int count = 0;
    for (operation* op = it->second.head; op; op = op->next) {
      cancel(*op);
      ++count;
    }
    return count;
  }

  void on_packet(OVERLAPPED_ENTRY const& entry) {
    if (!entry.lpOverlapped) return;  // wake_key: post() only wanted us awake
    operation& op = operation_of(entry.lpOverlapped);
    if (auto it = pending_.find(op.fd); it != pending_.end()) {
      it->second.unlink(op);
      if (!it->second.head) pending_.erase(it);
    }
    auto status = static_cast<std::uint32_t>(op.overlapped.Internal & 0xFFFFFFFFu);
    int error = errno_from_ntstatus(status);
    int result = error ? -error : static_cast<int>(entry.dwNumberOfBytesTransferred);
    switch (op.code) {
      case op_code::recv:
      case op_code::read:
      case op_code::recvmsg:
        // A datagram longer than the buffer: POSIX returns the part that
        // fit (and MSG_TRUNC in recvmsg's flags), not an error.
        if (error == EMSGSIZE) {
          result = static_cast<int>(entry.dwNumberOfBytesTransferred);
          if (op.code == op_code::recvmsg) op.msg->dwFlags |= MSG_TRUNC;
        }
        break;
      case op_code::connect:
        // Without this, getpeername() and shutdown() fail on the socket.
        if (!error) ::setsockopt(op.fd, SOL_SOCKET, SO_UPDATE_CONNECT_CONTEXT, nullptr, 0);
        break;
      case op_code::accept: result = finish_accept(op, error); break;
      case op_code::poll: result = finish_poll(op, error); break;
      case op_code::send:
      case op_code::write:
      case op_code::sendmsg:
      case op_code::cancel_fd: break;
    }
    loop_.complete(op, result);
  }

  int finish_accept(operation& op, int error) {
    auto node = accepts_.extract(&op);
    SOCKET accepted = node.mapped()->accepted;
    if (error) {
      ::closesocket(accepted);
      return -error;
    }
    // Inherit the listener's properties; getpeername() needs this.
    SOCKET listener = op.fd;
    ::setsockopt(accepted, SOL_SOCKET, SO_UPDATE_ACCEPT_CONTEXT, reinterpret_cast<char const*>(&listener),
                 sizeof listener);
    u_long non_blocking = 1;
    ::ioctlsocket(accepted, FIONBIO, &non_blocking);
    if (op.addr) {
      sockaddr* local = nullptr;
      sockaddr* remote = nullptr;
      int local_len = 0;
      int remote_len = 0;
      get_accept_addresses_(node.mapped()->addresses, 0, accept_address_size, accept_address_size, &local, &local_len,
                            &remote, &remote_len);
      int len = remote_len < static_cast<int>(sizeof(sockaddr_storage)) ? remote_len
                                                                        : static_cast<int>(sizeof(sockaddr_storage));
      std::memcpy(op.addr, remote, static_cast<std::size_t>(len));
      op.addrlen = len;
    }
    // A SOCKET is a handle-table index and fits an int (see socket.hpp).
    return static_cast<int>(accepted);
  }

  int finish_poll(operation& op, int error) {
    auto node = polls_.extract(&op);
    if (error) return -error;
    afd::poll_info const& info = node.mapped()->info;
    if (info.number_of_handles < 1) return 0;  // the poll ended without events
    return poll_mask_for(info.handles[0].events);
  }

  loop& loop_;
  HANDLE port_ = nullptr;
  HANDLE afd_ = nullptr;
  std::vector<OVERLAPPED_ENTRY> entries_;
  std::unordered_map<SOCKET, op_list> pending_;
  std::unordered_map<operation*, std::unique_ptr<accept_request>> accepts_;
  std::unordered_map<operation*, std::unique_ptr<poll_request>> polls_;
  LPFN_ACCEPTEX accept_ex_ = nullptr;
  LPFN_CONNECTEX connect_ex_ = nullptr;
  LPFN_GETACCEPTEXSOCKADDRS get_accept_addresses_ = nullptr;
};

}  // namespace

std::unique_ptr<backend> make_iocp_backend(loop& owner) {
  return std::make_unique<iocp_backend>(owner);
}

}  // namespace reactor::detail
