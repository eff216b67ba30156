#include <array>
#include <utility>

#include "jobs/result.hpp"
#include "jobs/spec.hpp"
#include "kinds_detail.hpp"

namespace jobs {

namespace {

template <std::size_t... I>
constexpr std::array<char const*, kind_count> names_of(std::index_sequence<I...>) {
  return {std::variant_alternative_t<I, kind_spec>::kind_name...};
}
constexpr auto names = names_of(std::make_index_sequence<kind_count>{});

}  // namespace

char const* kind_name(kind_spec const& k) noexcept {
  return names[k.index()];
}

char const* kind_name(std::size_t index) noexcept {
  return names[index];
}

std::size_t kind_index_named(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kind_count; ++i)
    if (name == names[i]) return i;
  return kind_count;
}

std::optional<kind_spec> kind_from_name(std::string_view name) {
  std::optional<kind_spec> out;
  detail::with_index<kind_count>(kind_index_named(name),
                                 [&out](auto k) { out.emplace(std::in_place_index<decltype(k)::value>); });
  return out;
}

std::string kind_names_listed() {
  std::string out;
  for (std::size_t i = 0; i < kind_count; ++i) {
    if (i > 0) out += i + 1 == kind_count ? " or " : ", ";
    out += names[i];
  }
  return out;
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
