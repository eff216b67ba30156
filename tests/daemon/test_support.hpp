// Small things the daemon tests share: a sd_notify listener, a JSON syntax
// check, and the backend parameter every end-to-end test runs with; with
// what tests/support/ has for every suite (a temp directory, a blocking
// HTTP GET on loopback, the backend list).
#pragma once

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "reactor/loop.hpp"
#include "support/backends.hpp"  // REACTORD_ON_EACH_BACKEND
#include "support/loopback_http_client.hpp"
#include "support/temp_dir.hpp"

// The port in "... address=127.0.0.1:43567".
inline std::uint16_t port_in(std::string const& line) {
  auto colon = line.rfind(':');
  return static_cast<std::uint16_t>(std::atoi(line.c_str() + colon + 1));
}

// The job-file lines of `n` countdown jobs j0 .. j<n-1>, each with the
// keys `keys` ("from: 0, every: 1h"): a large file for a test.
inline std::string countdown_jobs(int n, std::string const& keys) {
  std::string lines;
  for (int i = 0; i < n; ++i) lines += "  - { name: j" + std::to_string(i) + ", kind: countdown, " + keys + " }\n";
  return lines;
}

// A unix datagram socket standing in for systemd's NOTIFY_SOCKET.
class notify_listener {
 public:
  explicit notify_listener(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path_.c_str(), sizeof a.sun_path - 1);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) throw std::runtime_error("bind notify socket");
    timeval tv{0, 100'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~notify_listener() { ::close(fd_); }
  std::string const& path() const { return path_.native(); }
  // Collects messages until one contains `text` or `timeout` passes.
  bool wait_for(std::string const& text, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      for (; seen_ < messages.size(); ++seen_)
        if (messages[seen_].find(text) != std::string::npos) return ++seen_, true;
      if (std::chrono::steady_clock::now() >= until) return false;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) messages.emplace_back(buf, static_cast<std::size_t>(n));
    }
  }
  std::vector<std::string> messages;

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::size_t seen_ = 0;
};

// A strict JSON syntax check that also returns the top-level object's keys.
class json_check {
 public:
  static std::optional<std::set<std::string>> object_keys(std::string const& text) {
    json_check j(text);
    std::set<std::string> keys;
    j.ws();
    if (!j.object(&keys)) return std::nullopt;
    j.ws();
    if (j.i != text.size()) return std::nullopt;
    return keys;
  }

 private:
  explicit json_check(std::string const& text) : s(text) {}
  std::string const& s;
  std::size_t i = 0;
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  }
  bool lit(char const* w) {
    std::size_t n = std::strlen(w);
    if (s.compare(i, n, w) != 0) return false;
    i += n;
    return true;
  }
  bool string(std::string* out) {
    if (i >= s.size() || s[i] != '"') return false;
    ++i;
    while (i < s.size() && s[i] != '"') {
      if (static_cast<unsigned char>(s[i]) < 0x20) return false;
      if (s[i] == '\\') {
        ++i;
        if (i >= s.size() || std::string("\"\\/bfnrtu").find(s[i]) == std::string::npos) return false;
      }
      if (out) *out += s[i];
      ++i;
    }
    if (i >= s.size()) return false;
    ++i;
    return true;
  }
  bool number() {
    std::size_t start = i;
    if (i < s.size() && s[i] == '-') ++i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.' || s[i] == 'e' ||
                            s[i] == 'E' || s[i] == '+' || s[i] == '-'))
      ++i;
    return i > start;
  }
  bool value() {
    ws();
    if (i >= s.size()) return false;
    if (s[i] == '{') return object(nullptr);
    if (s[i] == '[') return ++i, items(']', [&] { return value(); });
    if (s[i] == '"') return string(nullptr);
    if (lit("true") || lit("false") || lit("null")) return true;
    return number();
  }
  bool object(std::set<std::string>* keys) {
    if (i >= s.size() || s[i] != '{') return false;
    ++i;
    return items('}', [&] {
      ws();
      std::string k;
      if (!string(&k)) return false;
      if (keys && !keys->insert(k).second) return false;  // duplicate key
      ws();
      if (i >= s.size() || s[i] != ':') return false;
      ++i;
      return value();
    });
  }
  // The rest of an array or object after its opening bracket: `item`s
  // separated by commas up to `close`, or none.
  template <class Item>
  bool items(char close, Item item) {
    ws();
    if (i < s.size() && s[i] == close) return ++i, true;
    for (;;) {
      if (!item()) return false;
      ws();
      if (i < s.size() && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < s.size() && s[i] == close) return ++i, true;
      return false;
    }
  }
};

// End-to-end tests run once per backend this machine can run, passed to the
// daemon as --backend; instantiate them with REACTORD_ON_EACH_BACKEND
// (backends.hpp), as the reactor's tests are.
class on_each_daemon_backend : public ::testing::TestWithParam<reactor::backend_kind> {
 protected:
  void SetUp() override {
#if defined(REACTORD_SIGNALS_THROUGH_KQUEUE)
    // The daemon stops at once when it cannot read its signals.
    if (GetParam() != reactor::backend_kind::kqueue)
      GTEST_SKIP() << "signal_source waits in the kqueue backend in this build, so the daemon runs on kqueue only";
#endif
  }
  std::string backend() const {
    return std::string(reactor::to_string(GetParam()));
  }
};
