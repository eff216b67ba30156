// when_all / when_any: run tasks side by side and await them together.
//
// when_all (asyncio.gather): all results, in order. If one task fails, the
// others are cancelled, and once all have ended the first error is thrown.
// when_any (asyncio.wait FIRST_COMPLETED): the first task to end wins; the
// others are cancelled and awaited before when_any returns (losers never
// outlive it). If the winner failed, its error is thrown.
//
// Both take tasks of one type in a vector, or a pack (void results become
// std::monostate in the tuple / variant).
#pragma once

#include <cstddef>
#include <optional>
#include <tuple>
#include <variant>
#include <vector>

#include "reactor/detail/child_group.hpp"

namespace reactor {

namespace detail {
template <class T>
using value_or_monostate = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

template <class T>
auto store_into(std::optional<value_or_monostate<T>>& slot) {
  if constexpr (std::is_void_v<T>)
    return [&slot] { slot.emplace(); };
  else
    return [&slot](T v) { slot.emplace(std::move(v)); };
}

// Throws after every child ended: cancellation of the caller first, then
// the first child error.
inline void rethrow_outcome(cancel_node& parent, child_group& g) {
  if (parent.cancelled()) throw cancelled_error();
  if (auto e = g.first_error()) std::rethrow_exception(e);
}
}  // namespace detail

template <class T>
task<std::vector<detail::value_or_monostate<T>>> when_all(std::vector<task<T>> tasks) {
  cancel_node& parent = co_await this_node();
  std::vector<std::optional<detail::value_or_monostate<T>>> slots(tasks.size());
  detail::child_group group(parent);
  for (std::size_t i = 0; i < tasks.size(); ++i) group.start(std::move(tasks[i]), detail::store_into<T>(slots[i]));
  co_await group.all_ended();
  detail::rethrow_outcome(parent, group);
  std::vector<detail::value_or_monostate<T>> out;
  out.reserve(slots.size());
  for (auto& s : slots) out.push_back(std::move(*s));
  co_return out;
}

template <class... Ts>
task<std::tuple<detail::value_or_monostate<Ts>...>> when_all(task<Ts>... tasks) {
  cancel_node& parent = co_await this_node();
  std::tuple<std::optional<detail::value_or_monostate<Ts>>...> slots;
  detail::child_group group(parent);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (group.start(std::move(tasks), detail::store_into<Ts>(std::get<I>(slots))), ...);
  }
  (std::index_sequence_for<Ts...>{});
  co_await group.all_ended();
  detail::rethrow_outcome(parent, group);
  co_return std::apply([](auto&... s) { return std::tuple(std::move(*s)...); }, slots);
}

template <class T>
struct when_any_result {
  std::size_t index;
  detail::value_or_monostate<T> value;
};

template <class T>
task<when_any_result<T>> when_any(std::vector<task<T>> tasks) {
  cancel_node& parent = co_await this_node();
  std::optional<when_any_result<T>> winner;
  detail::child_group group(parent);
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    auto on_value = [&winner, &group, i](auto... v) {
      if (winner) return;
      if constexpr (std::is_void_v<T>)
        winner.emplace(when_any_result<T>{i, {}});
      else
        winner.emplace(when_any_result<T>{i, std::move(v)...});
      group.node().cancel();  // the losers
    };
    group.start(std::move(tasks[i]), on_value);
  }
  co_await group.all_ended();
  detail::rethrow_outcome(parent, group);
  if (!winner) throw cancelled_error();  // only if every task was cancelled
  co_return std::move(*winner);
}

template <class... Ts>
task<std::variant<detail::value_or_monostate<Ts>...>> when_any(task<Ts>... tasks) {
  using result = std::variant<detail::value_or_monostate<Ts>...>;
  cancel_node& parent = co_await this_node();
  std::optional<result> winner;
  detail::child_group group(parent);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (group.start(std::move(tasks),
                 [&winner, &group](auto... v) {
                   if (winner) return;
                   if constexpr (sizeof...(v) == 0)
                     winner.emplace(std::in_place_index<I>);
                   else
                     winner.emplace(std::in_place_index<I>, std::move(v)...);
                   group.node().cancel();
                 }),
     ...);
  }
  (std::index_sequence_for<Ts...>{});
  co_await group.all_ended();
  detail::rethrow_outcome(parent, group);
  if (!winner) throw cancelled_error();
  co_return std::move(*winner);
}

}  // namespace reactor
