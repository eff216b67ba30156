// "Did you mean": the nearest known word to a misspelt one, so an unknown
// key such as `intervall` gets `interval` as its suggestion.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace config {

// Optimal string alignment distance: insertions, deletions, substitutions
// and swaps of adjacent letters each cost 1 ("tiemout" is 1 from "timeout").
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word`, if it is near enough to be a typo (at
// most a third of the word's length, and at least 1, edits away).
std::optional<std::string> closest_match(std::string_view word, std::span<std::string const> candidates);

}  // namespace config
