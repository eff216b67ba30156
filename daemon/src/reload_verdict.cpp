#include "reload_verdict.hpp"

#include <signal.h>
#include <time.h>
#if !defined(_WIN32)
#include <unistd.h>
#endif

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "command_line.hpp"
#include "log.hpp"

namespace reactord {

std::uint64_t monotonic_usec() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000ULL + static_cast<std::uint64_t>(ts.tv_nsec) / 1000;
}

std::error_code write_reload_verdict(std::filesystem::path const& dir, reload_verdict const& v) {
  std::string reason = v.reason;
  for (char& c : reason)
    if (c == '\n' || c == '\r') c = ' ';
  auto final_path = dir / reload_verdict_file;
  auto temp_path = dir / (std::string(reload_verdict_file) + ".tmp");
  {
    std::ofstream out(temp_path, std::ios::trunc);
    out << "generation=" << v.generation << "\nbegan_usec=" << v.began_usec
        << "\noutcome=" << (v.applied ? "applied" : "rejected") << "\nreason=" << reason << "\n";
    out.flush();
    if (!out) return std::error_code(errno, std::generic_category());
  }
  // rename(2) on POSIX; on Windows a rename that replaces the old verdict
  // (MoveFileEx), which ::rename will not do.
  std::error_code ec;
  std::filesystem::rename(temp_path, final_path, ec);
  return ec;
}

std::optional<reload_verdict> read_reload_verdict(std::filesystem::path const& dir) {
  std::ifstream in(dir / reload_verdict_file);
  if (!in) return std::nullopt;
  reload_verdict v;
  bool has_began = false, has_outcome = false;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto key = line.substr(0, eq), value = line.substr(eq + 1);
    try {
      if (key == "generation") v.generation = std::stoull(value);
      if (key == "began_usec") v.began_usec = std::stoull(value), has_began = true;
    } catch (std::exception const&) {
      return std::nullopt;
    }
    if (key == "outcome") v.applied = value == "applied", has_outcome = true;
    if (key == "reason") v.reason = value;
  }
  if (!has_began || !has_outcome) return std::nullopt;
  return v;
}

int request_reload(pid_t pid, std::filesystem::path const& dir, std::chrono::milliseconds timeout) {
#if defined(_WIN32)
  // No SIGHUP to send: a Windows service is reloaded through the Service
  // Control Manager (windows_service.hpp).
  (void)pid, (void)dir, (void)timeout;
  std::cerr << "reactord --reload: not on Windows; reload the service with `sc control reactord paramchange`\n";
  return exit_usage;
#else
  // main() blocks the terminating signals for the daemon's sake; a client
  // that waits must still die of ^C, or of systemd's SIGTERM at TimeoutSec=.
  sigset_t all;
  sigfillset(&all);
  ::sigprocmask(SIG_UNBLOCK, &all, nullptr);
  // Under systemd stderr is the journal: give the lines their priority.
  std::string const err = stdout_is_journal() ? "<3>" : "", info = stdout_is_journal() ? "<6>" : "";
  if (pid <= 1) {
    std::cerr << err << "reactord --reload: " << pid << " is not a daemon's process id\n";
    return exit_usage;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    std::cerr << err << "reactord --reload: no runtime directory '" << dir.string()
              << "' (the daemon's --runtime-dir, or RuntimeDirectory= in the unit)\n";
    return exit_usage;
  }
  auto sent = monotonic_usec();
  if (::kill(pid, SIGHUP) != 0) {
    std::cerr << err << "reactord --reload: cannot signal process " << pid << ": " << std::strerror(errno) << "\n";
    return exit_failure;
  }
  auto until = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto v = read_reload_verdict(dir); v && v->began_usec >= sent) {
      if (v->applied) {
        std::cout << info << "reload applied: " << v->reason << "\n";
        return exit_ok;
      }
      std::cerr << err << "reload rejected: " << v->reason << "\n";
      return exit_failure;
    }
    if (::kill(pid, 0) != 0 && errno == ESRCH) {
      std::cerr << err << "reactord --reload: process " << pid << " exited before it gave a verdict\n";
      return exit_failure;
    }
    if (std::chrono::steady_clock::now() >= until) {
      std::cerr << err << "reactord --reload: no verdict from process " << pid << " within "
                << std::chrono::duration<double>(timeout).count() << " s\n";
      return exit_failure;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
#endif
}

}  // namespace reactord
