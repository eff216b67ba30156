#include <array>
#include <utility>

#include "jobs/result.hpp"
#include "jobs/spec.hpp"

namespace jobs {

namespace {

template <std::size_t... I>
constexpr std::array<char const*, kind_count> names_of(std::index_sequence<I...>) {
  return {std::variant_alternative_t<I, kind_spec>::kind_name...};
}
constexpr auto names = names_of(std::make_index_sequence<kind_count>{});

template <std::size_t... I>
std::optional<kind_spec> blank_of(std::size_t index, std::index_sequence<I...>) {
  std::optional<kind_spec> out;
  ((I == index ? (out.emplace(std::in_place_index<I>), true) : false) || ...);
  return out;
}

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
  return blank_of(kind_index_named(name), std::make_index_sequence<kind_count>{});
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
