// Backend choice: automatic prefers io_uring and falls back to epoll with
// the reason kept; explicit choices and REACTORD_BACKEND are honoured.
#include <seccomp.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "reactor/loop.hpp"

using namespace reactor;

namespace {
// Runs `body` in a forked child and returns what it wrote to the pipe.
template <class F>
std::string in_child(F body) {
  int p[2];
  if (::pipe(p) != 0) return "pipe failed";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(p[0]);
    std::string out = body();
    [[maybe_unused]] auto n = ::write(p[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(p[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::read(p[0], buf, sizeof buf)) > 0) out.append(buf, n);
  ::close(p[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return out;
}

// Refuses io_uring_setup with `error` (as seccomp profiles and
// kernel.io_uring_disabled do), then builds an automatic loop.
std::string loop_with_io_uring_denied(int error) {
  return in_child([error] {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(error), SCMP_SYS(io_uring_setup), 0);
    if (seccomp_load(ctx) != 0) return std::string("seccomp_load failed");
    seccomp_release(ctx);
    ::unsetenv("REACTORD_BACKEND");
    loop l;
    return std::string(l.backend_name()) + "|" + l.fallback_reason();
  });
}
}  // namespace

TEST(BackendChoice, AutomaticPrefersIoUringWhereAllowed) {
  ::unsetenv("REACTORD_BACKEND");
  loop l;
  EXPECT_EQ(l.backend(), backend_kind::io_uring);
  EXPECT_EQ(l.fallback_reason(), "");
}

TEST(BackendChoice, FallsBackToEpollWhenSeccompDeniesIoUring) {
  for (int error : {EPERM, ENOSYS}) {
    std::string out = loop_with_io_uring_denied(error);
    EXPECT_EQ(out.substr(0, out.find('|')), "epoll") << out;
    EXPECT_NE(out.find("io_uring_setup"), std::string::npos) << "reason not kept: " << out;
  }
}

TEST(BackendChoice, ExplicitIoUringFailsLoudlyWhenDenied) {
  std::string out = in_child([] {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(io_uring_setup), 0);
    seccomp_load(ctx);
    try {
      loop l(loop_options{backend_kind::io_uring});
      return std::string("started");
    } catch (std::system_error const& e) {
      return std::string("refused: ") + e.what();
    }
  });
  EXPECT_EQ(out.rfind("refused: ", 0), 0u) << out;
}

TEST(BackendChoice, EnvironmentVariableForcesABackend) {
  ::setenv("REACTORD_BACKEND", "epoll", 1);
  loop l;
  ::unsetenv("REACTORD_BACKEND");
  EXPECT_EQ(l.backend(), backend_kind::epoll);
}

TEST(BackendChoice, UnknownEnvironmentValueIsAnError) {
  ::setenv("REACTORD_BACKEND", "select", 1);
  EXPECT_THROW(loop l, std::system_error);
  ::unsetenv("REACTORD_BACKEND");
}
