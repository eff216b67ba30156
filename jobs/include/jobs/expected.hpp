// A value, or why there is none: how a function inside jobs/ and config/
// reports a failure it can explain (DESIGN.md, "Errors").
//
// The subset of C++23's std::expected this tree uses, spelled the same
// (`has_value`, `*`, `->`, `error()`, `return unexpected(...)`), so that
// moving to std::expected when the toolchain has it (GCC 12 does not) is a
// change of namespace. E is the message by default: a std::string the
// caller puts in a run's `message` or a diagnostic as it is.
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace jobs {

// The error an expected is made from: `return unexpected("why")`.
template <class E>
struct unexpected {
  E value;
  explicit unexpected(E e) : value(std::move(e)) {}
};
unexpected(char const*)->unexpected<std::string>;

template <class T, class E = std::string>
class [[nodiscard]] expected {
 public:
  expected(T value) : held_(std::in_place_index<0>, std::move(value)) {}
  template <class G>
  requires std::is_constructible_v<E, G> expected(unexpected<G> u)
      : held_(std::in_place_index<1>, std::move(u.value)) {}

  bool has_value() const noexcept { return held_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  T& operator*() & { return std::get<0>(held_); }
  T const& operator*() const& { return std::get<0>(held_); }
  T&& operator*() && { return std::get<0>(std::move(held_)); }
  T* operator->() { return &std::get<0>(held_); }
  T const* operator->() const { return &std::get<0>(held_); }
  template <class U>
  T value_or(U&& otherwise) const& {
    return has_value() ? **this : static_cast<T>(std::forward<U>(otherwise));
  }

  E& error() & { return std::get<1>(held_); }
  E const& error() const& { return std::get<1>(held_); }

  // Equal to a value when it holds one equal to it, as std::expected.
  template <class U>
  requires(!std::is_same_v<U, expected>) friend bool operator==(expected const& x, U const& v) {
    return x.has_value() && *x == v;
  }

 private:
  std::variant<T, E> held_;
};

// Success with nothing to return, or why not (a check).
template <class E>
class [[nodiscard]] expected<void, E> {
 public:
  expected() = default;
  template <class G>
  requires std::is_constructible_v<E, G> expected(unexpected<G> u) : error_(std::in_place, std::move(u.value)) {}

  bool has_value() const noexcept { return !error_; }
  explicit operator bool() const noexcept { return has_value(); }

  E& error() & { return *error_; }
  E const& error() const& { return *error_; }

 private:
  std::optional<E> error_;
};

}  // namespace jobs
