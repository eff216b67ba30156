// A test suite on every backend that shares one nginx (nginx_server.hpp):
// started before the suite's first test and stopped after its last, since
// starting nginx for each test would cost more than most tests take.
//
//   class Fetch : public on_each_backend_with_nginx<nginx_tls::on> {};
//   ... fetch_once(l(), get(web().url("/1k.bin"))) ...
//
// POSIX only, as nginx_server.hpp; needs the reactor (backends.hpp).
#pragma once

#include "support/backends.hpp"
#include "support/nginx_server.hpp"

enum class nginx_tls : bool { off, on };

template <nginx_tls Tls>
class on_each_backend_with_nginx : public on_each_backend {
 protected:
  static void SetUpTestSuite() {
    nginx_options options;
    options.tls = Tls == nginx_tls::on;
    web_ = new nginx_server(options);
  }
  static void TearDownTestSuite() {
    delete web_;
    web_ = nullptr;
  }
  static nginx_server& web() { return *web_; }

 private:
  inline static nginx_server* web_ = nullptr;
};
