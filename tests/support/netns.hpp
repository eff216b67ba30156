// Running a test body in a fresh network namespace, in a forked child.
//
// Why a child: ICMP permissions (net.ipv4.ping_group_range, nftables rules)
// are per network namespace, and a test may change them only in a namespace
// it made itself, never on the host. unshare(CLONE_NEWNET) moves the calling
// process, so the test forks first; the child sets up its namespace, runs
// the body and _exits, and the parent (GoogleTest) only reads what it
// reported.
//
// Rules for a body: it runs in the child, so it must not use EXPECT_/ASSERT_
// (GoogleTest's state is the parent's). It returns its findings as text:
// netns::findings collects the checks that failed, and the parent asserts
// that the text is empty. Anything the body should report besides (figures)
// goes to stderr.
//
//   auto report = netns::run_in_child([&] {
//     netns::findings f;
//     if (!netns::enter_fresh_namespace(f)) return f.text;
//     f.expect(x == 3, "x is " + std::to_string(x));
//     return f.text;
//   });
//   EXPECT_EQ(report, "");
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

namespace netns {

// The checks a child body makes; `text` holds one line per failed check.
struct findings {
  std::string text;
  bool expect(bool ok, std::string const& what) {
    if (!ok) text += what + "\n";
    return ok;
  }
};

inline std::string errno_text(char const* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

// Runs `body` in a forked child and returns what it returned, or a line
// saying how the child died.
inline std::string run_in_child(std::function<std::string()> body) {
  int fds[2];
  if (::pipe(fds) != 0) return errno_text("pipe");
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return errno_text("fork");
  if (pid == 0) {
    ::close(fds[0]);
    std::string report;
    try {
      report = body();
    } catch (std::exception const& e) {
      report = std::string("child threw: ") + e.what() + "\n";
    }
    std::size_t at = 0;
    while (at < report.size()) {
      ssize_t n = ::write(fds[1], report.data() + at, report.size() - at);
      if (n <= 0) break;
      at += static_cast<std::size_t>(n);
    }
    std::fflush(nullptr);
    ::_exit(0);  // no atexit handlers, no GoogleTest teardown in the child
  }
  ::close(fds[1]);
  std::string report;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    report.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    report += "child did not exit cleanly (status " + std::to_string(status) + ")\n";
  return report;
}

// Whether this process can make network namespaces (root, or CAP_SYS_ADMIN).
inline bool can_make_namespaces() {
  return ::geteuid() == 0;
}

inline bool bring_loopback_up(findings& f) {
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (!f.expect(fd >= 0, errno_text("socket for SIOCSIFFLAGS"))) return false;
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
  if (ok) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP | IFF_RUNNING);
    ok = ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
  }
  f.expect(ok, errno_text("bringing lo up"));
  ::close(fd);
  return ok;
}

// Writes a sysctl of the current network namespace (only ever call this
// after enter_fresh_namespace).
inline bool set_sysctl(findings& f, char const* path, std::string const& value) {
  std::ofstream out(path);
  out << value << "\n";
  out.flush();
  return f.expect(static_cast<bool>(out), std::string("writing ") + path);
}

// Moves this (child) process into a new network namespace with lo up.
inline bool enter_fresh_namespace(findings& f) {
  if (!f.expect(::unshare(CLONE_NEWNET) == 0, errno_text("unshare(CLONE_NEWNET)"))) return false;
  return bring_loopback_up(f);
}

// Who may open ping sockets in this namespace: "0 2147483647" (everyone)
// or "1 0" (no one, the kernel's default).
inline bool set_ping_group_range(findings& f, std::string const& range) {
  return set_sysctl(f, "/proc/sys/net/ipv4/ping_group_range", range);
}

// Runs a shell command (nft, ip) in this namespace.
inline bool run_command(findings& f, std::string const& command) {
  int rc = std::system((command + " 2>&1").c_str());
  return f.expect(rc == 0, "`" + command + "` failed (" + std::to_string(rc) + ")");
}

// The output of a shell command.
inline std::string command_output(std::string const& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (std::size_t n = std::fread(buffer, 1, sizeof buffer, p)) out.append(buffer, n);
    ::pclose(p);
  }
  return out;
}

// Removes CAP_NET_RAW from this process's effective, permitted and
// inheritable sets (root keeps its other capabilities).
inline bool drop_cap_net_raw(findings& f) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (!f.expect(::syscall(SYS_capget, &header, data) == 0, errno_text("capget"))) return false;
  std::uint32_t mask = ~(1u << CAP_NET_RAW);
  data[0].effective &= mask;
  data[0].permitted &= mask;
  data[0].inheritable &= mask;
  return f.expect(::syscall(SYS_capset, &header, data) == 0, errno_text("capset"));
}

// Becomes nobody:nogroup with no supplementary groups; leaving uid 0 drops
// every capability (no SECBIT_KEEP_CAPS).
inline bool become_nobody(findings& f) {
  constexpr uid_t nobody = 65534;
  constexpr gid_t nogroup = 65534;
  if (!f.expect(::setgroups(0, nullptr) == 0, errno_text("setgroups"))) return false;
  if (!f.expect(::setresgid(nogroup, nogroup, nogroup) == 0, errno_text("setresgid"))) return false;
  return f.expect(::setresuid(nobody, nobody, nobody) == 0, errno_text("setresuid"));
}

}  // namespace netns
