#include "yaml_tree.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <istream>
#include <streambuf>

#include "config/job_file.hpp"
#include "large_buffer.hpp"

namespace config::detail {

namespace {

struct budget_spent {
  yaml_over_budget what;
};

// Lets yaml-cpp read the text where it is, without a copy.
class view_buffer : public std::streambuf {
 public:
  explicit view_buffer(std::string_view text) {
    char* p = const_cast<char*>(text.data());  // read only: no put area
    setg(p, p, p + text.size());
  }
};

// Room for the records at once: growing the vector copied it whole, and
// its new pages cost more than the copy. A key and its value are two
// nodes per ':', a list's item one per '-' or ','; a collection one per
// '[' or '{'. Too many for a URL's "http:", too few for a file of
// aliases (the vector then grows as usual).
std::size_t estimated_nodes(std::string_view text) {
  std::size_t n = 1;
  for (char c : text) n += c == ':' ? 2 : (c == '-' || c == ',' || c == '[' || c == '{') ? 1 : 0;
  return n;
}

}  // namespace

// Turns the parser's events into records, and counts what they cost.
class yaml_builder : public YAML::EventHandler {
 public:
  explicit yaml_builder(yaml_tree& tree) : tree_(tree) {}

  void OnDocumentStart(YAML::Mark const&) override {}
  void OnDocumentEnd() override {}
  void OnNull(YAML::Mark const& m, YAML::anchor_t a) override {
    leaf(m, a, 1);
    add(m, yaml_tree::type::null, a);
  }
  void OnScalar(YAML::Mark const& m, std::string const&, YAML::anchor_t a, std::string const& value) override {
    leaf(m, a, 1);
    auto i = add(m, yaml_tree::type::scalar, a);
    tree_.records_[i].a = static_cast<std::uint32_t>(tree_.text_.size());
    tree_.records_[i].b = static_cast<std::uint32_t>(value.size());
    tree_.text_ += value;
  }
  void OnAlias(YAML::Mark const& m, YAML::anchor_t a) override {
    if (++aliases_ > max_yaml_aliases)
      throw budget_spent{{m, "more than " + std::to_string(max_yaml_aliases) + " aliases (*name) in one file"}};
    // yaml-cpp refuses an alias to an anchor not yet defined, so it is known;
    // one naming a collection still open (a cycle) counts as one node.
    auto const& named = anchors_[a];
    count(m, named.size ? named.size : 1);
    auto i = add(m, yaml_tree::type::alias, 0);
    tree_.records_[i].a = named.node;
  }
  void OnSequenceStart(YAML::Mark const& m, std::string const&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a, yaml_tree::type::sequence);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(YAML::Mark const& m, std::string const&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a, yaml_tree::type::map);
  }
  void OnMapEnd() override { close(); }

 private:
  struct anchored {
    std::uint32_t node = 0;
    std::uint64_t size = 0;  // nodes it stands for; 0 while still open
  };
  struct collection {
    std::uint32_t node;
    YAML::anchor_t anchor;
    std::uint64_t size;  // nodes in it so far, itself included
  };

  // A new record, linked as the last child of the innermost open collection.
  std::uint32_t add(YAML::Mark const& m, yaml_tree::type kind, YAML::anchor_t anchor) {
    auto i = static_cast<std::uint32_t>(tree_.records_.size());
    tree_.records_.push_back({kind, static_cast<std::uint32_t>(m.line), static_cast<std::uint32_t>(m.column)});
    if (!open_.empty()) {
      auto& parent = tree_.records_[open_.back().node];
      if (parent.b == yaml_tree::none)
        parent.a = i;
      else
        tree_.records_[parent.b].next = i;
      parent.b = i;
    }
    if (anchor) anchor_slot(anchor).node = i;
    return i;
  }
  anchored& anchor_slot(YAML::anchor_t a) {
    // yaml-cpp numbers anchors 1, 2, 3... as it meets them.
    if (a >= anchors_.size()) anchors_.resize(a + 1);
    return anchors_[a];
  }

  // The budget: nodes as a walk of the tree would meet them.
  void count(YAML::Mark const& m, std::uint64_t n) {
    total_ += n;
    if (!open_.empty()) open_.back().size += n;
    if (total_ > max_yaml_nodes)
      throw budget_spent{{m, "the file stands for more than " + std::to_string(max_yaml_nodes) +
                                 " YAML nodes once its aliases are expanded"}};
  }
  void leaf(YAML::Mark const& m, YAML::anchor_t a, std::uint64_t n) {
    if (a) anchor_slot(a).size = 1;
    count(m, n);
  }
  void open(YAML::Mark const& m, YAML::anchor_t a, yaml_tree::type kind) {
    count(m, 1);
    auto i = add(m, kind, a);
    open_.push_back({i, a, 1});
  }
  void close() {
    collection c = open_.back();
    open_.pop_back();
    if (!open_.empty()) open_.back().size += c.size - 1;  // the 1 was added to it at open
    if (c.anchor) anchor_slot(c.anchor).size = c.size;
  }

  yaml_tree& tree_;
  std::uint64_t total_ = 0;
  std::uint64_t aliases_ = 0;
  std::vector<collection> open_;
  std::vector<anchored> anchors_;
};

jobs::expected<yaml_tree, yaml_over_budget> read_yaml(std::string_view text) {
  view_buffer buffer(text);
  std::istream in(&buffer);
  YAML::Parser parser(in);
  yaml_tree tree;
  tree.records_.reserve(estimated_nodes(text));
  tree.text_.reserve(text.size() / 2);
  prefer_huge_pages(tree.records_.data(), tree.records_.capacity() * sizeof(yaml_tree::record));
  prefer_huge_pages(tree.text_.data(), tree.text_.capacity());
  yaml_builder builder(tree);
  try {
    parser.HandleNextDocument(builder);  // YAML::Load reads the first document only
  } catch (budget_spent const& spent) {
    return jobs::unexpected(spent.what);
  }
  if (tree.records_.empty()) tree.records_.push_back({yaml_tree::type::null, 0, 0});
  return tree;
}

}  // namespace config::detail
