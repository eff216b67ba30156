// peer_certificate: see peer_certificate.hpp. The OpenSSL part is built
// where libcurl's OpenSSL flavour is (REACTORD_CURL_OPENSSL, set by
// jobs/CMakeLists.txt); CERTINFO is the way everywhere else.
#include "peer_certificate.hpp"

#include <string_view>

#include "cert_date.hpp"

#ifdef REACTORD_CURL_OPENSSL
#include <openssl/asn1.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <ctime>
#endif

namespace jobs::peer_certificate {

namespace {

using time_point = std::chrono::system_clock::time_point;

// "Expire date:..." in CURLINFO_CERTINFO (see cert_date.hpp for its forms).
std::optional<time_point> from_certinfo(CURL* easy) {
  curl_certinfo* info = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_CERTINFO, &info) != CURLE_OK || !info) return std::nullopt;
  std::optional<time_point> earliest;
  for (int i = 0; i < info->num_of_certs; ++i) {
    for (curl_slist* f = info->certinfo[i]; f; f = f->next) {
      std::string_view field = f->data;
      constexpr std::string_view key = "Expire date:";
      if (!field.starts_with(key)) continue;
      auto when = parse_cert_date(field.substr(key.size()));
      if (when && (!earliest || *when < *earliest)) earliest = when;
    }
  }
  return earliest;
}

#ifdef REACTORD_CURL_OPENSSL
// Whether the libcurl loaded at run time does its TLS with OpenSSL (the
// build found OpenSSL, which says nothing of the library that runs).
bool curl_is_on_openssl() {
  static bool const on_openssl = [] {
    curl_version_info_data const* v = curl_version_info(CURLVERSION_NOW);
    return v && v->ssl_version && std::string_view(v->ssl_version).starts_with("OpenSSL/");
  }();
  return on_openssl;
}

std::optional<time_point> from_openssl(SSL* ssl) {
  // On a client this chain starts with the server's own certificate.
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  if (!chain) return std::nullopt;
  std::optional<time_point> earliest;
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    std::tm t{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(sk_X509_value(chain, i)), &t) != 1) continue;
    auto when = std::chrono::system_clock::from_time_t(timegm(&t));
    if (!earliest || when < *earliest) earliest = when;
  }
  return earliest;
}
#endif

}  // namespace

void prepare(CURL* easy) {
#ifdef REACTORD_CURL_OPENSSL
  curl_easy_setopt(easy, CURLOPT_CERTINFO, curl_is_on_openssl() ? 0L : 1L);
#else
  curl_easy_setopt(easy, CURLOPT_CERTINFO, 1L);
#endif
}

std::optional<time_point> earliest_expiry(CURL* easy) {
#ifdef REACTORD_CURL_OPENSSL
  if (curl_is_on_openssl()) {
    curl_tlssessioninfo* session = nullptr;
    if (curl_easy_getinfo(easy, CURLINFO_TLS_SSL_PTR, &session) != CURLE_OK || !session ||
        session->backend != CURLSSLBACKEND_OPENSSL || !session->internals)
      return std::nullopt;  // no TLS on this connection
    return from_openssl(static_cast<SSL*>(session->internals));
  }
#endif
  return from_certinfo(easy);
}

}  // namespace jobs::peer_certificate
