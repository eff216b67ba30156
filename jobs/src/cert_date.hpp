// The "Expire date" of a certificate as libcurl's CURLINFO_CERTINFO spells
// it, which depends on curl's TLS backend (curl 7.88):
//   OpenSSL (ASN1_TIME_print):      "Jan  1 00:00:00 2030 GMT"
//   Schannel and others (x509asn1): "2030-01-01 00:00:00 GMT"
// Parsed without strptime/timegm, which Windows lacks.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace jobs {

[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_cert_date(std::string_view text);

}  // namespace jobs
