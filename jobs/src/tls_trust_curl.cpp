// tls_trust where libcurl is not built on OpenSSL (Schannel on Windows):
// curl loads the certificates itself, as it always did. See tls_trust.hpp.
#include "tls_trust.hpp"

namespace jobs {

struct tls_trust::store {};

tls_trust::tls_trust() = default;
tls_trust::~tls_trust() = default;

reactor::task<tls_trust::store*> tls_trust::store_for(std::string const&) {
  co_return nullptr;
}

void tls_trust::use(CURL*, store*) {}

}  // namespace jobs
