// What the Windows end-to-end tests need (they run under wine in CI), with
// temp_dir from tests/support/: reactord.exe started in a process group of
// its own (so that Ctrl-Break reaches it alone), its log file read line by
// line, and a blocking HTTP GET on loopback.
#pragma once

#include <gtest/gtest.h>

#include <winsock2.h>  // before windows.h (a block of its own: clang-format sorts within blocks)
#include <ws2tcpip.h>

#include <windows.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"

// The lines of a log file another process appends to.
class log_file_lines {
 public:
  explicit log_file_lines(std::string path) : path_(std::move(path)) {}

  // The first line (from `from` on) containing `text`, waiting up to `timeout`.
  std::optional<std::size_t> wait_for(std::string const& text,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                      std::size_t from = 0) {
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      read();
      for (std::size_t i = from; i < lines_.size(); ++i)
        if (lines_[i].find(text) != std::string::npos) return i;
      if (std::chrono::steady_clock::now() >= until) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::vector<std::string> const& lines() {
    read();
    return lines_;
  }
  std::string all() {
    std::string s;
    for (auto const& l : lines()) s += "log| " + l + "\n";
    return s;
  }

 private:
  void read() {
    // Shared for writing too: the daemon has the file open.
    HANDLE h = ::CreateFileA(path_.c_str(), GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                             nullptr, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) return;
    std::string text;
    char buf[65536];
    DWORD got = 0;
    while (::ReadFile(h, buf, sizeof buf, &got, nullptr) && got > 0) text.append(buf, got);
    ::CloseHandle(h);
    lines_.clear();
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = text.substr(start, nl - start);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines_.push_back(std::move(line));
    }
  }
  std::string path_;
  std::vector<std::string> lines_;
};

// reactord.exe with these arguments, in a new process group, its console
// output discarded (the tests read its --log-file).
class windows_daemon {
 public:
  explicit windows_daemon(std::vector<std::string> const& args) {
    std::string command = "\"" + std::string(REACTORD_BINARY) + "\"";
    for (auto const& a : args) command += " \"" + a + "\"";
    // Console events need a console to travel through; a test run by
    // ctest has pipes instead, so it makes one, which the daemon shares.
    ::AllocConsole();
    STARTUPINFOA si{};
    si.cb = sizeof si;
    if (!::CreateProcessA(nullptr, command.data(), nullptr, nullptr, FALSE, CREATE_NEW_PROCESS_GROUP, nullptr, nullptr,
                          &si, &process_))
      ADD_FAILURE() << "CreateProcess failed: " << ::GetLastError() << " for " << command;
  }
  ~windows_daemon() {
    if (process_.hProcess) {
      if (::WaitForSingleObject(process_.hProcess, 0) == WAIT_TIMEOUT) ::TerminateProcess(process_.hProcess, 99);
      ::CloseHandle(process_.hProcess);
      ::CloseHandle(process_.hThread);
    }
  }
  windows_daemon(windows_daemon const&) = delete;

  DWORD pid() const { return process_.dwProcessId; }
  // Ctrl-Break to its process group only (the group id is its pid).
  bool ctrl_break() const { return ::GenerateConsoleCtrlEvent(CTRL_BREAK_EVENT, process_.dwProcessId); }
  // The exit code, or -1 if it is still running after `timeout`.
  long wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(30)) const {
    if (::WaitForSingleObject(process_.hProcess, static_cast<DWORD>(timeout.count())) != WAIT_OBJECT_0) return -1;
    DWORD code = 0;
    ::GetExitCodeProcess(process_.hProcess, &code);
    return static_cast<long>(code);
  }

 private:
  PROCESS_INFORMATION process_{};
};

// GET `path` from 127.0.0.1:port with HTTP/1.0; the whole answer, or "".
inline std::string http_get(std::uint16_t port, std::string const& path) {
  WSADATA data;
  ::WSAStartup(MAKEWORD(2, 2), &data);
  SOCKET s = ::socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  DWORD ten_seconds = 10'000;
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, reinterpret_cast<char const*>(&ten_seconds), sizeof ten_seconds);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string out;
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    std::string request = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    ::send(s, request.data(), static_cast<int>(request.size()), 0);
    char buf[65536];
    int n;
    while ((n = ::recv(s, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<std::size_t>(n));
  }
  ::closesocket(s);
  ::WSACleanup();
  return out;
}

// "...address=127.0.0.1:49152..." -> 49152, or 0.
inline std::uint16_t port_in(std::string const& line) {
  auto at = line.find("address=127.0.0.1:");
  if (at == std::string::npos) return 0;
  return static_cast<std::uint16_t>(std::stoul(line.substr(at + 18)));
}
