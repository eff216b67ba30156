// peer_certificate: the earliest expiry among the certificates a server
// sent in its TLS handshake, what a fetch reports as cert_expiry.
//
// Why not CURLINFO_CERTINFO alone: with it on, libcurl prints every
// certificate of the chain as text in every handshake (subject, issuer, the
// public key, each extension, the whole PEM) for us to parse one date out
// of it. Measured with callgrind on libcurl 7.88.1 (OpenSSL 3), one
// self-signed RSA-2048 certificate: 0.64M instructions a handshake, a tenth
// of the client's whole work for a fresh HTTPS request. Where libcurl is on
// OpenSSL the date is read from the connection's own certificates instead
// (CURLINFO_TLS_SSL_PTR, the same chain CERTINFO walks), which only works
// while the connection is open: from a callback of the transfer. Elsewhere
// (Schannel on Windows, or a libcurl on another TLS library at run time)
// CERTINFO is still what there is.
#pragma once

#include <curl/curl.h>

#include <chrono>
#include <optional>

namespace jobs::peer_certificate {

// Sets on `easy` what earliest_expiry needs: CURLOPT_CERTINFO where the
// date can only come from there, off where it need not.
void prepare(CURL* easy);

// The earliest "not after" among the certificates the server sent on the
// transfer's current connection; nullopt if it made no TLS handshake (or
// curl does not say). Call it from one of the transfer's callbacks once the
// handshake is done (the header callback), while the connection is open.
std::optional<std::chrono::system_clock::time_point> earliest_expiry(CURL* easy);

}  // namespace jobs::peer_certificate
