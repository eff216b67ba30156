#include "jobs/result.hpp"
#include "jobs/spec.hpp"

namespace jobs {

char const* kind_name(kind_spec const& k) noexcept {
  static constexpr char const* names[] = {"countdown", "ping", "fetch"};
  return names[k.index()];
}

char const* to_string(outcome o) noexcept {
  switch (o) {
    case outcome::success: return "success";
    case outcome::degraded: return "degraded";
    case outcome::failure: return "failure";
    case outcome::timeout: return "timeout";
    case outcome::cancelled: return "cancelled";
  }
  return "unknown";
}

}  // namespace jobs
