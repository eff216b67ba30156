// A real nginx for tests and benchmarks, on 127.0.0.1 only.
//
//   nginx_server web;                      // plain HTTP
//   nginx_server tls(nginx_options{.tls = true});
//   fetch(web.url("/index.html")); fetch(tls.tls_url("/index.html"));
//
// Starts Debian's /usr/sbin/nginx (package nginx-light or nginx) in the
// foreground, single process (`daemon off; master_process off;`), with
// everything it writes (pid, error log, temp dirs) under a fresh temp
// directory, on free ports picked by the kernel. The destructor stops it and
// removes the directory. Throws std::runtime_error if nginx cannot start
// (the message includes its error log).
//
// What it serves (root <dir>/html):
//   /index.html       "hello from nginx\n"
//   /1k.bin           1024 bytes
//   /conn             "requests on this connection: N\n" (keep-alive check)
//   /echo             "<method> <content-length> <X-Probe header>\n"
//   /redirect         302 to /index.html
//   /status/<code>    for 404, 500, 503: that status, body "status <code>\n"
//   + options.files and options.extra_locations.
// With tls = true, also an HTTPS server (tls_port) whose certificate is
// self-signed for IP 127.0.0.1 (ca_file() verifies it), and a second HTTPS
// server (wrong_name_port) whose certificate names another host, made at
// start-up with the openssl CLI.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

struct nginx_options {
  bool tls = false;
  // Extra files under the web root: {relative path, content}.
  std::vector<std::pair<std::string, std::string>> files;
  // Pasted into each server block (e.g. "location = /x { return 204; }").
  std::string extra_locations;
  // For benchmarks: keep connections for as many requests as a client sends.
  bool unlimited_keepalive = true;
};

class nginx_server {
 public:
  static constexpr char const* binary = "/usr/sbin/nginx";

  explicit nginx_server(nginx_options options = {}) : options_(std::move(options)) {
    char tmpl[] = "/tmp/reactord-nginx-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    ::chmod(dir_.c_str(), 0755);  // readable by nginx if it drops to nobody
    try {
      write_site();
      if (options_.tls) make_certificates();
      // A port picked by binding to 0 may be taken again before nginx binds
      // it; try a few times.
      std::string last_error;
      for (int attempt = 0; attempt < 5; ++attempt) {
        port_ = free_port();
        if (options_.tls) {
          tls_port_ = free_port();
          wrong_name_port_ = free_port();
        }
        write_config();
        if (start(last_error)) return;
      }
      throw std::runtime_error("nginx did not start: " + last_error);
    } catch (...) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      throw;
    }
  }
  ~nginx_server() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  nginx_server(nginx_server const&) = delete;
  nginx_server& operator=(nginx_server const&) = delete;

  std::uint16_t port() const { return port_; }
  std::uint16_t tls_port() const { return tls_port_; }
  std::uint16_t wrong_name_port() const { return wrong_name_port_; }
  std::string const& dir() const { return dir_; }
  std::string ca_file() const { return dir_ + "/cert.pem"; }
  std::string url(std::string const& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
  std::string tls_url(std::string const& path) const { return "https://127.0.0.1:" + std::to_string(tls_port_) + path; }
  std::string wrong_name_url(std::string const& path) const {
    return "https://127.0.0.1:" + std::to_string(wrong_name_port_) + path;
  }
  std::string error_log() const { return read_file(dir_ + "/error.log"); }

 private:
  static std::uint16_t free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      if (fd >= 0) ::close(fd);
      throw std::runtime_error("no free port on 127.0.0.1");
    }
    ::close(fd);
    return ntohs(a.sin_port);
  }

  static std::string read_file(std::string const& path) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void write(std::string const& rel, std::string const& content) const {
    std::filesystem::path p = std::filesystem::path(dir_) / rel;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }

  void write_site() const {
    write("html/index.html", "hello from nginx\n");
    write("html/1k.bin", std::string(1024, 'x'));
    for (auto const& [path, content] : options_.files) write("html/" + path, content);
  }

  void make_certificates() const {
    // EC keys: generated in milliseconds, where RSA takes much longer.
    auto make = [&](std::string const& name, std::string const& subject, std::string const& san) {
      std::string cmd =
          "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
          " -days 30 -subj '" +
          subject + "' -addext 'subjectAltName=" + san + "' -keyout '" + dir_ + "/" + name + ".key' -out '" + dir_ +
          "/" + name + ".pem' >/dev/null 2>&1";
      if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl could not make a certificate: " + cmd);
    };
    make("cert", "/CN=127.0.0.1", "IP:127.0.0.1");
    make("wrong", "/CN=not-this-host.invalid", "DNS:not-this-host.invalid");
  }

  std::string locations() const {
    return "    location = /conn { return 200 \"requests on this connection: "
           "$connection_requests\\n\"; }\n"
           "    location = /echo { return 200 \"$request_method $content_length "
           "$http_x_probe\\n\"; }\n"
           "    location = /agent { return 200 \"agent: $http_user_agent\\n\"; }\n"
           "    location = /redirect { return 302 /index.html; }\n"
           "    location = /status/404 { return 404 \"status 404\\n\"; }\n"
           "    location = /status/500 { return 500 \"status 500\\n\"; }\n"
           "    location = /status/503 { return 503 \"status 503\\n\"; }\n" +
           options_.extra_locations + "\n";
  }

  void write_config() const {
    std::string d = dir_;
    std::string conf =
        "daemon off;\nmaster_process off;\nworker_processes 1;\n"
        "pid " +
        d + "/nginx.pid;\nerror_log " + d +
        "/error.log warn;\n"
        "events { worker_connections 4096; }\n"
        "http {\n  access_log off;\n  default_type application/octet-stream;\n"
        "  client_body_temp_path " +
        d +
        "/tmp/body;\n"
        "  proxy_temp_path " +
        d +
        "/tmp/proxy;\n"
        "  fastcgi_temp_path " +
        d +
        "/tmp/fastcgi;\n"
        "  uwsgi_temp_path " +
        d +
        "/tmp/uwsgi;\n"
        "  scgi_temp_path " +
        d + "/tmp/scgi;\n";
    if (options_.unlimited_keepalive) conf += "  keepalive_requests 100000000;\n  keepalive_timeout 300s;\n";
    conf += "  server {\n    listen 127.0.0.1:" + std::to_string(port_) + ";\n    root " + d + "/html;\n" +
            locations() + "  }\n";
    if (options_.tls) {
      auto tls_server = [&](std::uint16_t port, std::string const& name) {
        return "  server {\n    listen 127.0.0.1:" + std::to_string(port) + " ssl;\n    ssl_certificate " + d + "/" +
               name + ".pem;\n    ssl_certificate_key " + d + "/" + name + ".key;\n    root " + d + "/html;\n" +
               locations() + "  }\n";
      };
      conf += tls_server(tls_port_, "cert") + tls_server(wrong_name_port_, "wrong");
    }
    conf += "}\n";
    std::filesystem::create_directories(d + "/tmp");
    write("nginx.conf", conf);
  }

  static bool accepts(std::uint16_t port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
  }

  bool start(std::string& error) {
    std::filesystem::remove(dir_ + "/error.log");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      // -e: the error log before the config is read (nginx 1.19.5+).
      std::string conf = dir_ + "/nginx.conf", err = dir_ + "/error.log";
      ::execl(binary, "nginx", "-p", dir_.c_str(), "-c", conf.c_str(), "-e", err.c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < give_up) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        error = "nginx exited (status " + std::to_string(status) + "): " + error_log();
        return false;
      }
      bool up = accepts(port_);
      if (up && options_.tls) up = accepts(tls_port_) && accepts(wrong_name_port_);
      if (up) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop();
    error = "nginx did not accept connections within 15 s: " + error_log();
    return false;
  }

  void stop() noexcept {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);  // fast shutdown
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  nginx_options options_;
  std::string dir_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0, tls_port_ = 0, wrong_name_port_ = 0;
};
