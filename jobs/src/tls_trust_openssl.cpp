// tls_trust on a libcurl built on OpenSSL: one X509_STORE per CA file, read
// on a thread, installed in each handshake's SSL_CTX. See tls_trust.hpp.
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <chrono>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "reactor/clock.hpp"
#include "reactor/error.hpp"
#include "reactor/event.hpp"
#include "reactor/to_thread.hpp"
#include "tls_trust.hpp"

namespace jobs {

namespace {

// As libcurl's own CA cache (CURLOPT_CA_CACHE_TIMEOUT's default).
constexpr auto max_age = std::chrono::hours(24);

std::string last_ssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "no certificate in it";
  char text[256];
  ERR_error_string_n(e, text, sizeof text);
  return text;
}

// On a thread of its own (to_thread): owns its arguments, touches no loop.
std::shared_ptr<X509_STORE> read_store(std::string const& file, std::string const& dir) {
  std::shared_ptr<X509_STORE> s(X509_STORE_new(), X509_STORE_free);
  if (!s) throw std::runtime_error("out of memory for a CA store");
  ERR_clear_error();
  if (!file.empty() && X509_STORE_load_file(s.get(), file.c_str()) != 1)
    throw std::runtime_error("cannot read CA certificates from " + file + ": " + last_ssl_error());
  // A lookup directory is only named here; OpenSSL reads a file of it when
  // a chain needs an issuer the bundle does not have.
  if (!dir.empty()) X509_STORE_load_path(s.get(), dir.c_str());
  ERR_clear_error();
  // The flags libcurl sets on a store it fills (no CRL file, partial
  // chains allowed): what verifies stays what verified before.
  X509_STORE_set_flags(s.get(), X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
  return s;
}

bool curl_uses_openssl() {
  curl_version_info_data const* v = curl_version_info(CURLVERSION_NOW);
  return v && v->ssl_version && std::string_view(v->ssl_version).starts_with("OpenSSL/");
}

// CURLOPT_SSL_CTX_FUNCTION: called inside the handshake, on the loop.
CURLcode install_store(CURL*, void* ssl_ctx, void* userptr);

}  // namespace

struct tls_trust::store {
  std::shared_ptr<X509_STORE> x509;  // null until a read succeeds
  reactor::deadline read_at{};
  bool reading = false;
  std::string error;       // why the last read failed (empty: it did not, or was abandoned)
  reactor::event settled;  // set when a read ends, however it ends
};

namespace {
CURLcode install_store(CURL*, void* ssl_ctx, void* userptr) {
  auto const* s = static_cast<tls_trust::store const*>(userptr);
  if (!s || !s->x509) return CURLE_SSL_CACERT_BADFILE;
  SSL_CTX_set1_cert_store(static_cast<SSL_CTX*>(ssl_ctx),
                          s->x509.get());  // a reference, not a copy
  return CURLE_OK;
}
}  // namespace

tls_trust::tls_trust() {
#if LIBCURL_VERSION_NUM >= 0x075400  // CURLINFO_CAINFO, CURLINFO_CAPATH: 7.84
  if (!curl_uses_openssl()) return;
  // curl's built-in defaults, as a fresh handle reports them.
  CURL* e = curl_easy_init();
  if (!e) return;
  char* file = nullptr;
  char* dir = nullptr;
  if (curl_easy_getinfo(e, CURLINFO_CAINFO, &file) == CURLE_OK && file) default_file_ = file;
  if (curl_easy_getinfo(e, CURLINFO_CAPATH, &dir) == CURLE_OK && dir) default_dir_ = dir;
  curl_easy_cleanup(e);
  enabled_ = true;
#endif
}

tls_trust::~tls_trust() = default;

reactor::task<tls_trust::store*> tls_trust::store_for(std::string const& ca_file) {
  if (!enabled_) co_return nullptr;
  auto& slot = stores_[ca_file];
  if (!slot) slot = std::make_unique<store>();
  store& s = *slot;
  for (;;) {
    // A store past its age serves on while one run reads it again.
    bool fresh = s.x509 && reactor::clock::now() - s.read_at < max_age;
    if (s.x509 && (fresh || s.reading)) co_return &s;
    if (s.reading) {
      co_await s.settled.wait();
      if (s.x509) co_return &s;
      if (!s.error.empty()) throw std::runtime_error(s.error);
      continue;  // the run that was reading it was cancelled: read it here
    }
    s.reading = true;
    s.error.clear();
    s.settled.clear();
    ++loads_;
    struct settle {
      store& s;
      ~settle() {
        s.reading = false;
        s.settled.set();
      }
    } guard{s};
    auto read = [file = ca_file.empty() ? default_file_ : ca_file, dir = default_dir_] {
      return read_store(file, dir);
    };
    try {
      s.x509 = co_await reactor::to_thread(std::move(read));  // named: see to_thread.hpp
      s.read_at = reactor::clock::now();
    } catch (reactor::cancelled_error const&) {
      throw;
    } catch (std::exception const& e) {
      // Unreadable now: no run verifies against what it held before.
      s.x509.reset();
      s.error = e.what();
      throw;
    }
    co_return &s;
  }
}

void tls_trust::use(CURL* easy, store* s) {
  if (!s) return;
  // curl loads nothing itself (no file, no directory, no cache of its own)
  // and hands each handshake's SSL_CTX to install_store.
  curl_easy_setopt(easy, CURLOPT_CAINFO, nullptr);
  curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr);
#if LIBCURL_VERSION_NUM >= 0x075700  // 7.87
  curl_easy_setopt(easy, CURLOPT_CA_CACHE_TIMEOUT, 0L);
#endif
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, &install_store);
  curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, s);
}

}  // namespace jobs
