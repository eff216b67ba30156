// A YAML document read once, into a compact tree of its own.
//
// yaml-cpp's YAML::Node tree costs several hundred bytes a node (each is a
// shared_ptr'd memory graph), which at 50,000 jobs was most of what loading
// the file cost in time and memory. This tree is built from yaml-cpp's
// event parser (YAML::Parser + EventHandler) instead: a node is one small
// record in one vector, a scalar's text a slice of one string, children a
// linked list. An alias is a record pointing at the node it names, so the
// tree stays as small as the text even where aliases multiply it.
//
// The same pass keeps the work a text may cause in bounds. YAML aliases let
// a small file stand for a huge tree ("billion laughs": each level of
// aliases multiplies the one below), and the readers walk what an alias
// stands for, so nodes are counted as the readers would meet them (an alias
// counts the whole tree it stands for) and aliases too; past
// max_yaml_nodes or max_yaml_aliases the text is refused at the place where
// the limit was passed. Nesting depth is yaml-cpp's own guard.
//
// yaml_node offers the read-only part of YAML::Node's API the readers use,
// with the same answers (marks, null, first value of a repeated key).
#pragma once

#include <yaml-cpp/mark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jobs/expected.hpp"

namespace config::detail {

class yaml_tree;

// A node of a yaml_tree, or "undefined" (what an absent key gives).
class yaml_node {
 public:
  yaml_node() = default;

  bool is_defined() const noexcept { return tree_ != nullptr; }
  bool is_null() const noexcept;
  bool is_scalar() const noexcept;
  bool is_sequence() const noexcept;
  bool is_map() const noexcept;

  // The text of a scalar; empty for anything else.
  std::string_view scalar() const noexcept;
  // Where the node starts (yaml-cpp's marks: 0-based); for an absent key,
  // the null mark.
  YAML::Mark mark() const noexcept;

  // In a mapping, the value of the first entry whose key is the scalar
  // `key` (as YAML::Node's operator[] finds it); undefined if none.
  yaml_node operator[](std::string_view key) const noexcept;

  // The children in order: a sequence's items, or a mapping's entries.
  struct entry;
  template <class T>
  class range;
  range<yaml_node> items() const noexcept;
  range<entry> entries() const noexcept;

 private:
  friend class yaml_tree;
  yaml_node(yaml_tree const* tree, std::uint32_t index) noexcept;

  yaml_tree const* tree_ = nullptr;
  std::uint32_t index_ = 0;
};

struct yaml_node::entry {
  yaml_node first;   // the key
  yaml_node second;  // its value
};

// Walks a linked list of children: one node per step for items, a key and
// its value for entries.
template <class T>
class yaml_node::range {
 public:
  class iterator {
   public:
    T operator*() const noexcept;
    iterator& operator++() noexcept;
    bool operator==(iterator const& other) const noexcept { return at_ == other.at_; }

   private:
    friend class range;
    iterator(yaml_tree const* tree, std::uint32_t at) noexcept : tree_(tree), at_(at) {}
    yaml_tree const* tree_;
    std::uint32_t at_;
  };
  iterator begin() const noexcept { return {tree_, first_}; }
  iterator end() const noexcept;
  bool empty() const noexcept { return begin() == end(); }

 private:
  friend class yaml_node;
  range(yaml_tree const* tree, std::uint32_t first) noexcept : tree_(tree), first_(first) {}
  yaml_tree const* tree_;
  std::uint32_t first_;
};

struct yaml_over_budget {
  YAML::Mark where;
  std::string message;
};

class yaml_tree {
 public:
  // The document's root; a text with no document gives a null root, as
  // YAML::Load does.
  yaml_node root() const noexcept { return {this, 0}; }

 private:
  friend class yaml_node;
  friend class yaml_node::range<yaml_node>;
  friend class yaml_node::range<yaml_node::entry>;
  friend class yaml_builder;
  friend jobs::expected<yaml_tree, yaml_over_budget> read_yaml(std::string_view text);

  enum class type : std::uint8_t { null, scalar, sequence, map, alias };
  static constexpr std::uint32_t none = 0xffffffff;

  struct record {
    type kind;
    std::uint32_t line, column;  // 0-based, as yaml-cpp counts
    // scalar: its text in text_ (offset, length); sequence/map: first and
    // last child; alias: the node it names (in a).
    std::uint32_t a = none, b = none;
    std::uint32_t next = none;  // the next child of the same parent
  };

  record const& at(std::uint32_t i) const noexcept { return records_[i]; }
  // The node an alias names; any other node itself.
  std::uint32_t resolve(std::uint32_t i) const noexcept { return records_[i].kind == type::alias ? records_[i].a : i; }

  std::vector<record> records_;
  std::string text_;  // every scalar's text, one after the other
};

// Reads the first document of `text` (as YAML::Load does; later documents
// are not read). Throws YAML::Exception, as YAML::Load would, on text that
// is not YAML.
[[nodiscard]] jobs::expected<yaml_tree, yaml_over_budget> read_yaml(std::string_view text);

// --- inline ------------------------------------------------------------------

inline yaml_node::yaml_node(yaml_tree const* tree, std::uint32_t index) noexcept
    : tree_(tree), index_(tree->resolve(index)) {}

inline bool yaml_node::is_null() const noexcept {
  return tree_ && tree_->at(index_).kind == yaml_tree::type::null;
}
inline bool yaml_node::is_scalar() const noexcept {
  return tree_ && tree_->at(index_).kind == yaml_tree::type::scalar;
}
inline bool yaml_node::is_sequence() const noexcept {
  return tree_ && tree_->at(index_).kind == yaml_tree::type::sequence;
}
inline bool yaml_node::is_map() const noexcept {
  return tree_ && tree_->at(index_).kind == yaml_tree::type::map;
}

inline std::string_view yaml_node::scalar() const noexcept {
  if (!is_scalar()) return {};
  auto const& r = tree_->at(index_);
  return std::string_view(tree_->text_).substr(r.a, r.b);
}

inline YAML::Mark yaml_node::mark() const noexcept {
  if (!tree_) return YAML::Mark::null_mark();
  YAML::Mark m;
  m.line = static_cast<int>(tree_->at(index_).line);
  m.column = static_cast<int>(tree_->at(index_).column);
  return m;
}

inline yaml_node::range<yaml_node> yaml_node::items() const noexcept {
  return {tree_, is_sequence() ? tree_->at(index_).a : yaml_tree::none};
}
inline yaml_node::range<yaml_node::entry> yaml_node::entries() const noexcept {
  return {tree_, is_map() ? tree_->at(index_).a : yaml_tree::none};
}

template <class T>
typename yaml_node::range<T>::iterator yaml_node::range<T>::end() const noexcept {
  return {tree_, yaml_tree::none};
}

template <>
inline yaml_node yaml_node::range<yaml_node>::iterator::operator*() const noexcept {
  return {tree_, at_};
}
template <>
inline yaml_node::range<yaml_node>::iterator& yaml_node::range<yaml_node>::iterator::operator++() noexcept {
  at_ = tree_->at(at_).next;
  return *this;
}
// A mapping's children are key, value, key, value...
template <>
inline yaml_node::entry yaml_node::range<yaml_node::entry>::iterator::operator*() const noexcept {
  return {yaml_node(tree_, at_), yaml_node(tree_, tree_->at(at_).next)};
}
template <>
inline yaml_node::range<yaml_node::entry>::iterator&
yaml_node::range<yaml_node::entry>::iterator::operator++() noexcept {
  at_ = tree_->at(tree_->at(at_).next).next;
  return *this;
}

inline yaml_node yaml_node::operator[](std::string_view key) const noexcept {
  for (auto const& [k, v] : entries())
    if (k.is_scalar() && k.scalar() == key) return v;
  return {};
}

}  // namespace config::detail
