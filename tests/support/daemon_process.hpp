// The real reactord binary, started by a test: arguments and environment
// of the test's choosing, stdout and stderr captured line by line.
//
//   daemon_process d({"--config", file, "--backend", "epoll"});
//   auto line = d.wait_for("status endpoint listening");   // nullopt on timeout
//   d.signal(SIGTERM);
//   int status = d.wait_exit();                           // exit code, or -1 on timeout
//
// The path of the binary comes from the REACTORD_BINARY compile definition.
// The destructor SIGKILLs a process that is still running.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

extern char** environ;

class daemon_process {
 public:
  using clock = std::chrono::steady_clock;

  explicit daemon_process(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                          std::function<void()> in_child = {}) {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    stdout_fd_ = out[0];
    stderr_fd_ = err[0];
#if defined(REACTORD_SIGNALS_THROUGH_KQUEUE) && defined(__linux__)
    // libkqueue 2.7.0's fork handler closes, in the child, the fds of every
    // kqueue it has not freed yet: also of one this process closed a moment
    // ago, whose number a new pipe may have now (the child then writes to
    // the test's own stdout; 186 forks in 200 in a small reproduction). The
    // child's ends get numbers from 256 up, which no kqueue here has.
    for (int* fd : {&out[1], &err[1]})
      if (int high = ::fcntl(*fd, F_DUPFD_CLOEXEC, 256); high >= 0) {
        ::close(*fd);
        *fd = high;
      }
#endif
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(err[1], STDERR_FILENO);
#if defined(REACTORD_SIGNALS_THROUGH_KQUEUE)
      // This build's signal_source waits in the kqueue backend only (Linux
      // with libkqueue, REACTORD_KQUEUE_SIGNALS=ON): a daemon left to pick
      // io_uring could not hear a signal. --backend, or `env`, still win.
      ::setenv("REACTORD_BACKEND", "kqueue", 0);
#endif
      for (auto const& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      if (in_child) in_child();
      std::vector<char*> argv;
      std::string binary = REACTORD_BINARY;
      argv.push_back(binary.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(binary.c_str(), argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
  }
  ~daemon_process() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(stdout_fd_);
    ::close(stderr_fd_);
  }
  daemon_process(daemon_process const&) = delete;

  pid_t pid() const {
    return pid_;
  }
  void signal(int signo) const {
    ::kill(pid_, signo);
  }

  // The first stdout line (from `from_line` on) containing `text`; reads
  // more output until it comes or `timeout` passes.
  std::optional<std::string> wait_for(std::string const& text,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(20),
                                      std::size_t from_line = 0) {
    auto until = clock::now() + timeout;
    std::size_t checked = from_line;
    for (;;) {
      for (; checked < out_lines_.size(); ++checked)
        if (out_lines_[checked].find(text) != std::string::npos) return out_lines_[checked];
      if (clock::now() >= until || !read_some(until)) {
        for (; checked < out_lines_.size(); ++checked)
          if (out_lines_[checked].find(text) != std::string::npos) return out_lines_[checked];
        return std::nullopt;
      }
    }
  }
  // Index of the first line containing `text` from `from_line`, after waiting.
  std::optional<std::size_t> wait_for_index(std::string const& text, std::size_t from_line = 0,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    if (!wait_for(text, timeout, from_line)) return std::nullopt;
    for (std::size_t i = from_line; i < out_lines_.size(); ++i)
      if (out_lines_[i].find(text) != std::string::npos) return i;
    return std::nullopt;
  }
  // Reads whatever arrives for `d` (or until both pipes close).
  void read_for(std::chrono::milliseconds d) {
    auto until = clock::now() + d;
    while (clock::now() < until && read_some(until)) {
    }
  }
  // Exit code (or 128 + signal), or -1 if still running after `timeout`.
  int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
    auto until = clock::now() + timeout;
    for (;;) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        read_for(std::chrono::milliseconds(200));  // what was still in the pipes
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (clock::now() >= until) return -1;
      read_some(std::min(until, clock::now() + std::chrono::milliseconds(20)));
    }
  }

  // Closes the reading end of the daemon's stdout, as `reactord | head -1`
  // does once head has its line: the daemon's next writes get EPIPE.
  void close_stdout() {
    ::close(stdout_fd_);
    stdout_fd_ = -1;  // poll() skips it
    out_closed_ = true;
  }

  std::vector<std::string> const& out_lines() const {
    return out_lines_;
  }
  std::vector<std::string> const& err_lines() const {
    return err_lines_;
  }
  std::string all_output() const {
    std::string s;
    for (auto const& l : out_lines_) s += "out| " + l + "\n";
    for (auto const& l : err_lines_) s += "err| " + l + "\n";
    return s;
  }
  std::size_t count(std::string const& text) const {
    std::size_t n = 0;
    for (auto const& l : out_lines_) n += l.find(text) != std::string::npos;
    return n;
  }

 private:
  // Reads what is available before `until`; false when both pipes are closed.
  bool read_some(clock::time_point until) {
    pollfd fds[2] = {{stdout_fd_, POLLIN, 0}, {stderr_fd_, POLLIN, 0}};
    if (out_closed_ && err_closed_) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count();
    int n = ::poll(fds, 2, static_cast<int>(std::max<long long>(left, 0)));
    if (n <= 0) return true;
    char buf[65536];
    auto drain = [&](pollfd const& p, std::string& partial, std::vector<std::string>& lines, bool& closed) {
      if (closed || !(p.revents & (POLLIN | POLLHUP))) return;
      ssize_t got = ::read(p.fd, buf, sizeof buf);
      if (got <= 0) {
        closed = true;
        return;
      }
      partial.append(buf, static_cast<std::size_t>(got));
      for (std::size_t nl; (nl = partial.find('\n')) != std::string::npos;) {
        lines.push_back(partial.substr(0, nl));
        partial.erase(0, nl + 1);
      }
    };
    drain(fds[0], out_partial_, out_lines_, out_closed_);
    drain(fds[1], err_partial_, err_lines_, err_closed_);
    return true;
  }

  pid_t pid_ = -1;
  bool exited_ = false;
  int stdout_fd_ = -1, stderr_fd_ = -1;
  bool out_closed_ = false, err_closed_ = false;
  std::string out_partial_, err_partial_;
  std::vector<std::string> out_lines_, err_lines_;
};
