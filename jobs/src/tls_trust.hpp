// tls_trust: the CA certificates fetch verifies servers against, loaded
// once per CA file, on a thread, and shared by every easy handle of the
// client.
//
// Why: left to itself, libcurl (7.88, OpenSSL) parses the CA bundle inside
// the handshake, on the loop's thread, and Debian's build (which also sets
// a CA path) never caches it: every new HTTPS connection, so every run now
// that runs open fresh connections, stalled every other job for the time
// it takes to parse some 140 certificates (plain-HTTP jobs beside two HTTPS
// ones measured first_byte 58-106 ms instead of ~1 ms). Here the bundle is
// read into one X509_STORE on a thread of its own, and each handshake's
// SSL_CTX takes a reference to it (CURLOPT_SSL_CTX_FUNCTION) while curl
// loads nothing (CURLOPT_CAINFO and CURLOPT_CAPATH unset).
//
// What is trusted does not change: the job's ca_file, or curl's default
// bundle, plus curl's default CA directory, with the verification flags
// curl sets itself. A store older than a day is read again (by the next run
// that needs it, still off the loop; runs meanwhile use the old one), so an
// updated bundle is taken up as libcurl's own cache would.
//
// Where libcurl is not built on OpenSSL (Schannel on Windows), store_for
// returns nullptr and curl does as it always did.
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <map>
#include <memory>
#include <string>

#include "reactor/task.hpp"

namespace jobs {

class tls_trust {
 public:
  tls_trust();
  ~tls_trust();
  tls_trust(tls_trust const&) = delete;
  tls_trust& operator=(tls_trust const&) = delete;

  struct store;

  // The store for `ca_file` (empty: curl's default bundle), read on a
  // thread if it is not yet (runs that ask meanwhile wait for that one
  // read). nullptr: curl keeps loading certificates itself (not OpenSSL).
  // Throws std::runtime_error naming the file if it cannot be read.
  reactor::task<store*> store_for(std::string const& ca_file);

  // Makes `easy` verify against `s` (from store_for) instead of loading
  // certificates itself. Kept by a pooled handle: `s` lives as long as
  // this tls_trust.
  static void use(CURL* easy, store* s);

  // How many times a CA file was read (for the tests).
  std::size_t loads() const noexcept { return loads_; }

 private:
  std::string default_file_, default_dir_;  // curl's built-in CURLINFO_CAINFO / _CAPATH
  std::map<std::string, std::unique_ptr<store>> stores_;
  std::size_t loads_ = 0;
  bool enabled_ = false;  // libcurl is on OpenSSL and says where its defaults are
};

}  // namespace jobs
