#if !defined(_WIN32)
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

#include <cstring>
#include <numeric>
#include <string>

#include "reactor/reactor.hpp"
#include "support/backends.hpp"
#include "test_sockets.hpp"

using namespace reactor;
using namespace std::chrono_literals;

class Socket : public on_each_backend {};
REACTORD_ON_EACH_BACKEND(Socket);

namespace {
std::span<std::byte const> bytes(std::string const& s) {
  return std::as_bytes(std::span(s));
}

// Accepts one connection on `listener` and, once `go` is set, closes it
// with a zero linger, which sends RST.
task<void> reset_once_set(reactor::socket& listener, event& go) {
  reactor::socket conn = (co_await listener.accept()).value();
  co_await go.wait();  // resumed from the ready queue: the peer's operation is submitted
  linger hard{1, 0};
  ::setsockopt(conn.fd(), SOL_SOCKET, SO_LINGER, reinterpret_cast<char const*>(&hard), sizeof hard);
  co_await conn.close();
}

// Echoes one connection until the peer closes it.
task<void> echo(reactor::socket conn) {
  std::byte buf[4096];
  for (;;) {
    auto n = co_await conn.recv(buf);
    if (!n || *n == 0) break;
    if (co_await send_all(conn, std::span(buf, *n))) break;
  }
  co_await conn.close();
}
}  // namespace

TEST_P(Socket, TcpEchoOverLoopback) {
  for (char const* ip : {"127.0.0.1", "::1"}) {
    reactor::socket listener = reactor::socket::listen_tcp(*socket_address::parse(ip));
    socket_address at = listener.local_address();
    std::string sent(200'000, '\0');
    std::iota(sent.begin(), sent.end(), 'a');
    std::string got = l().run(open_scope([&](scope& s) -> task<std::string> {
      s.spawn([&]() -> task<void> {
        auto conn = co_await listener.accept();
        co_await echo(std::move(conn.value()));
      });
      reactor::socket c = reactor::socket::open(at.family(), SOCK_STREAM);
      EXPECT_FALSE(co_await c.connect(at));
      std::string received;
      // Send and receive side by side: 200 kB exceeds the socket buffers.
      co_await when_all(
          [&]() -> task<void> {
            EXPECT_FALSE(co_await send_all(c, bytes(sent)));
            ::shutdown(c.fd(), shut_wr);
          }(),
          [&]() -> task<void> {
            std::byte buf[8192];
            for (;;) {
              auto n = co_await c.recv(buf);
              if (!n || *n == 0) break;
              received.append(reinterpret_cast<char*>(buf), *n);
            }
          }());
      co_await c.close();
      co_return received;
    }));
    EXPECT_EQ(got.size(), sent.size()) << ip;
    EXPECT_TRUE(got == sent) << ip;
  }
}

TEST_P(Socket, ConnectToAClosedPortReportsConnectionRefused) {
  // Bind a port, then close it, so nothing listens there.
  socket_address at;
  {
    reactor::socket tmp = reactor::socket::listen_tcp(*socket_address::parse("127.0.0.1"));
    at = tmp.local_address();
  }
  std::error_code ec = l().run([&]() -> task<std::error_code> {
    reactor::socket c = reactor::socket::open(AF_INET, SOCK_STREAM);
    co_return co_await c.connect(at);
  }());
  EXPECT_EQ(ec, std::errc::connection_refused);
}

// The peer resets the connection while a recv waits: the recv fails with
// the reset, not a plain end of stream (libkqueue takes the socket's error
// into the event; the backend must hand it on).
TEST_P(Socket, PeerResetWhileARecvWaits_RecvFailsWithConnectionReset) {
  reactor::socket listener = reactor::socket::listen_tcp(*socket_address::parse("127.0.0.1"));
  socket_address at = listener.local_address();
  std::error_code got = l().run(open_scope([&](scope& s) -> task<std::error_code> {
    event recv_waits;
    s.spawn(reset_once_set(listener, recv_waits));
    reactor::socket c = reactor::socket::open(AF_INET, SOCK_STREAM);
    EXPECT_FALSE(co_await c.connect(at));
    std::byte buf[64];
    recv_waits.set();
    auto n = co_await c.recv(buf);
    co_await c.close();
    co_return n ? std::error_code{} : n.error();
  }));
  EXPECT_EQ(got, std::errc::connection_reset) << got.message();
}

// The same reset seen by a poll (a library's socket, libcurl's for one):
// an error is POLLERR, as poll(2) says, not only a hang-up (kqueue reports
// it as EV_EOF with the error in fflags).
TEST_P(Socket, PeerResetWhileAPollWaits_PollReportsPollErr) {
  reactor::socket listener = reactor::socket::listen_tcp(*socket_address::parse("127.0.0.1"));
  socket_address at = listener.local_address();
  unsigned got = l().run(open_scope([&](scope& s) -> task<unsigned> {
    event poll_waits;
    s.spawn(reset_once_set(listener, poll_waits));
    reactor::socket c = reactor::socket::open(AF_INET, SOCK_STREAM);
    EXPECT_FALSE(co_await c.connect(at));
    poll_waits.set();
    auto mask = co_await poll(c.fd(), POLLIN);
    co_await c.close();
    co_return mask ? *mask : 0u;
  }));
  EXPECT_TRUE(got & POLLERR) << "poll mask " << got;
}

namespace {

// A datagram's message header with one buffer, as the platform spells it
// (msghdr and iovec, or WSAMSG and WSABUF). It points into itself: built in
// place, never copied.
struct one_buffer_message {
#if defined(_WIN32)
  WSABUF buffer;
  WSAMSG header{};
  one_buffer_message(sockaddr* name, std::size_t name_size, char* data, std::size_t size)
      : buffer{static_cast<ULONG>(size), data} {
    header.name = name;
    header.namelen = static_cast<int>(name_size);
    header.lpBuffers = &buffer;
    header.dwBufferCount = 1;
  }
#else
  iovec buffer;
  msghdr header{};
  one_buffer_message(sockaddr* name, std::size_t name_size, char* data, std::size_t size) : buffer{data, size} {
    header.msg_name = name;
    header.msg_namelen = static_cast<socklen_t>(name_size);
    header.msg_iov = &buffer;
    header.msg_iovlen = 1;
  }
#endif
  one_buffer_message(one_buffer_message const&) = delete;
  one_buffer_message& operator=(one_buffer_message const&) = delete;
};

}  // namespace

TEST_P(Socket, UdpSendmsgRecvmsgKeepTheSender) {
  reactor::socket a = reactor::socket::open(AF_INET, SOCK_DGRAM);
  reactor::socket b = reactor::socket::open(AF_INET, SOCK_DGRAM);
  auto any = *socket_address::parse("127.0.0.1");
  ASSERT_EQ(0, ::bind(a.fd(), any.data(), any.size()));
  ASSERT_EQ(0, ::bind(b.fd(), any.data(), any.size()));
  socket_address to = b.local_address();
  socket_address from_expected = a.local_address();
  char in_buf[16] = {};
  sockaddr_storage from{};
  std::size_t got = 0;
  l().run(open_scope([&](scope& s) -> task<void> {
    s.spawn([&]() -> task<void> {
      one_buffer_message in(reinterpret_cast<sockaddr*>(&from), sizeof from, in_buf, sizeof in_buf);
      auto n = co_await b.recvmsg(in.header);
      got = *n;
    });
    co_await sleep_for(1ms);  // the receive is pending first
    char payload[] = "ping";
    one_buffer_message out(const_cast<sockaddr*>(to.data()), to.size(), payload, 4);
    auto n = co_await a.sendmsg(out.header);
    EXPECT_EQ(*n, 4u);
  }));
  EXPECT_EQ(got, 4u);
  EXPECT_EQ(std::string(in_buf, 4), "ping");
  EXPECT_TRUE(socket_address(reinterpret_cast<sockaddr*>(&from), sizeof(sockaddr_in)) == from_expected);
}

TEST_P(Socket, AsyncCloseWithAPendingRecvEndsTheRecvFirst) {
  auto [a, b] = connected_pair();
  native_handle a_fd = a.fd();
  std::error_code recv_error;
  bool recv_done_before_close_returned = false;
  l().run(open_scope([&](scope& s) -> task<void> {
    s.spawn([&]() -> task<void> {
      std::byte buf[16];
      auto n = co_await a.recv(buf);  // a's fd, read before close() released it
      recv_error = n.error();
    });
    co_await sleep_for(1ms);
    co_await reactor::socket(a.release()).close();
    co_await sleep_for(1ms);
    recv_done_before_close_returned = s.running() == 0;
  }));
  EXPECT_TRUE(recv_done_before_close_returned);
  EXPECT_EQ(recv_error, std::errc::operation_canceled);
  EXPECT_EQ(l().stats().operations_in_flight, 0u);
#if defined(_WIN32)
  int type = 0;
  int type_len = sizeof type;
  EXPECT_NE(::getsockopt(a_fd, SOL_SOCKET, SO_TYPE, reinterpret_cast<char*>(&type), &type_len), 0)
      << "the socket was not closed";
#else
  EXPECT_EQ(::fcntl(a_fd, F_GETFD), -1) << "the fd was not closed";
#endif
}

TEST_P(Socket, PollReportsReadiness) {
  auto [a, b] = connected_pair();
  l().run([&]() -> task<void> {
    auto w = co_await poll(a.fd(), POLLOUT);
    EXPECT_TRUE(*w & POLLOUT);
    co_await open_scope([&](scope& s) -> task<void> {
      s.spawn([&]() -> task<void> {
        auto r = co_await poll(a.fd(), POLLIN);
        EXPECT_TRUE(*r & POLLIN);
      });
      co_await sleep_for(1ms);
      std::byte one[1] = {};
      co_await b.send(one);
    });
    // Closing the peer shows as POLLIN (EOF) or POLLHUP.
    b = reactor::socket();
    std::byte drain[8];
    co_await a.recv(drain);
    auto h = co_await poll(a.fd(), POLLIN);
    EXPECT_TRUE(*h & (POLLIN | POLLHUP));
  }());
}
