#include "yaml_budget.hpp"

#include <yaml-cpp/eventhandler.h>

#include <cstdint>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "config/job_file.hpp"

namespace config::detail {

namespace {

struct budget_spent {
  yaml_over_budget what;
};

// Counts the first document's nodes as a walk of its tree meets them.
class node_counter : public YAML::EventHandler {
 public:
  void OnDocumentStart(YAML::Mark const&) override {}
  void OnDocumentEnd() override {}
  void OnNull(YAML::Mark const& m, YAML::anchor_t a) override { leaf(m, a); }
  void OnScalar(YAML::Mark const& m, std::string const&, YAML::anchor_t a, std::string const&) override { leaf(m, a); }
  void OnAlias(YAML::Mark const& m, YAML::anchor_t a) override {
    if (++aliases_ > max_yaml_aliases)
      throw budget_spent{{m, "more than " + std::to_string(max_yaml_aliases) + " aliases (*name) in one file"}};
    auto it = sizes_.find(a);
    add(m, it == sizes_.end() ? 1 : it->second);
  }
  void OnSequenceStart(YAML::Mark const& m, std::string const&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnSequenceEnd() override { close(); }
  void OnMapStart(YAML::Mark const& m, std::string const&, YAML::anchor_t a, YAML::EmitterStyle::value) override {
    open(m, a);
  }
  void OnMapEnd() override { close(); }

 private:
  struct collection {
    YAML::anchor_t anchor;
    std::uint64_t size;  // nodes in it so far, itself included
  };

  void add(YAML::Mark const& m, std::uint64_t n) {
    total_ += n;
    if (!open_.empty()) open_.back().size += n;
    if (total_ > max_yaml_nodes)
      throw budget_spent{{m, "the file stands for more than " + std::to_string(max_yaml_nodes) +
                                 " YAML nodes once its aliases are expanded"}};
  }
  void leaf(YAML::Mark const& m, YAML::anchor_t a) {
    if (a) sizes_[a] = 1;
    add(m, 1);
  }
  void open(YAML::Mark const& m, YAML::anchor_t a) {
    add(m, 1);
    open_.push_back({a, 1});
  }
  void close() {
    collection c = open_.back();
    open_.pop_back();
    if (!open_.empty()) open_.back().size += c.size - 1;  // the 1 was added to it at open
    if (c.anchor) sizes_[c.anchor] = c.size;
  }

  std::uint64_t total_ = 0;
  std::uint64_t aliases_ = 0;
  std::vector<collection> open_;
  std::unordered_map<YAML::anchor_t, std::uint64_t> sizes_;
};

}  // namespace

std::optional<yaml_over_budget> check_yaml_budget(std::string const& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  node_counter counter;
  try {
    parser.HandleNextDocument(counter);  // YAML::Load reads the first document only
  } catch (budget_spent const& spent) {
    return spent.what;
  }
  return std::nullopt;
}

}  // namespace config::detail
