#include "config/job_file.hpp"

#if defined(_WIN32)
#include <ws2tcpip.h>  // inet_pton
#else
#include <arpa/inet.h>
#endif

#include <yaml-cpp/exceptions.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <unordered_map>

#include "config/suggest.hpp"
#include "file_glob.hpp"
#include "file_text.hpp"
#include "job_fields.hpp"
#include "large_buffer.hpp"
#include "mapping_reader.hpp"
#include "yaml_tree.hpp"

namespace config {

namespace {

using detail::mapping_reader;
using detail::problems;
using detail::yaml_node;

using jobs::kind_from_name;

// The kinds' names, in kind_spec's order (for "did you mean").
std::vector<std::string> const kind_names = [] {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < jobs::kind_count; ++i) out.emplace_back(jobs::kind_name(i));
  return out;
}();

// "127.0.0.1:9817", "[::1]:9817" or "off".
void read_listen(mapping_reader& r, listen_address& out) {
  std::string s;
  if (!r.read("status_listen", s)) return;
  if (s == "off") {
    out.enabled = false;
    return;
  }
  std::string ip, port;
  if (s.starts_with('[')) {
    auto close = s.find("]:");
    if (close != std::string::npos) {
      ip = s.substr(1, close - 1);
      port = s.substr(close + 2);
    }
  } else if (auto colon = s.rfind(':'); colon != std::string::npos && s.find(':') == colon) {
    ip = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  unsigned char buf[16];
  bool ip_ok = !ip.empty() && (inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1);
  bool port_ok = !port.empty() && port.size() <= 5;
  for (unsigned char c : port) port_ok = port_ok && std::isdigit(c);
  if (!ip_ok || !port_ok || std::stoi(port) > 65535) {
    r.error(r.mark_of("status_listen"),
            "'status_listen' must be a numeric address and port (127.0.0.1:9817, [::1]:9817; port 0 picks a free "
            "one) or off, got '" +
                s + "'");
    return;
  }
  out = listen_address{true, ip, static_cast<std::uint16_t>(std::stoi(port))};
}

void read_daemon_settings(mapping_reader& r, daemon_settings& out) {
  read_listen(r, out.status_listen);
  r.read("shutdown_grace", out.shutdown_grace, std::chrono::seconds(0), std::chrono::hours(1));
  r.read("max_concurrency", out.max_concurrency, 1, 1'000'000);
  r.finish();
}

// A job name is a Prometheus label value and a log field: keep it plain.
bool valid_job_name(std::string const& name) {
  if (name.empty() || name.size() > 128) return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '-' && c != ':') return false;
  return true;
}

// One loading: the problems of every file, the jobs so far, and where each
// name was first defined.
struct loading {
  std::vector<diagnostic> diagnostics;
  job_file result;
  // name -> (file, in `files`; line). A hash and no copy of the file's
  // name per job: at 50,000 jobs the ordered map of (name, file) pairs
  // was a twentieth of `--check`.
  std::unordered_map<std::string, std::pair<std::size_t, int>> first_definition;
  std::vector<std::string> files;  // the files read, in order
  // Defaults per kind, already applied to a blank job of that kind.
  std::map<std::string, jobs::job_spec> prototypes;
  // Every file read, as it was read: checked again once all are validated.
  std::vector<std::pair<std::string, detail::file_version>> read;
};

jobs::job_spec prototype(loading& l, std::string const& kind) {
  if (auto it = l.prototypes.find(kind); it != l.prototypes.end()) return it->second;
  return jobs::job_spec{"", {}, *kind_from_name(kind), {}};
}

void read_defaults(loading& l, problems& p, yaml_node const& node) {
  mapping_reader kinds(node, "defaults", p);
  for (auto const& kind : kind_names) {
    yaml_node section = kinds.node(kind);
    if (!section.is_defined()) continue;
    mapping_reader r(section, "defaults." + kind, p);
    if (!r.valid()) continue;
    jobs::job_spec spec{"", {}, *kind_from_name(kind), {}};
    detail::read_job_fields(r, spec);
    r.finish();
    l.prototypes[kind] = std::move(spec);
  }
  kinds.finish();
}

void read_job(loading& l, problems& p, yaml_node const& node, std::size_t index) {
  mapping_reader r(node, "job #" + std::to_string(index + 1), p);
  if (!r.valid()) return;
  std::string name, kind;
  bool has_name = r.read("name", name);
  if (!has_name && !r.map()["name"].is_defined()) r.error(node, "every job needs a 'name'");
  if (has_name) {
    if (!valid_job_name(name)) {
      r.error(r.mark_of("name"), "job names are 1 to 128 letters, digits, '.', '_', '-' or ':', got '" + name + "'");
    } else {
      auto mark = r.mark_of("name");
      if (l.files.empty() || l.files.back() != p.file()) l.files.push_back(p.file());
      auto [it, fresh] = l.first_definition.try_emplace(name, l.files.size() - 1, mark.line + 1);
      if (!fresh)
        r.error(mark, "duplicate job name '" + name + "' (first defined at " + l.files[it->second.first] + ":" +
                          std::to_string(it->second.second) + ")");
    }
  }
  mapping_reader job(node, has_name ? "job '" + name + "'" : r.what(), p);
  job.read("name", name);
  if (!job.read("kind", kind)) {
    if (!job.map()["kind"].is_defined())
      job.error(node, "every job needs a 'kind' (" + jobs::kind_names_listed() + ")");
    return;
  }
  if (!kind_from_name(kind)) {
    std::string message = "unknown kind '" + kind + "'";
    if (auto closest = closest_match(kind, kind_names))
      message += "; did you mean '" + *closest + "'?";
    else
      message += "; expected " + jobs::kind_names_listed();
    job.error(job.mark_of("kind"), message);
    return;
  }
  jobs::job_spec spec = prototype(l, kind);
  spec.name = name;
  detail::read_job_fields(job, spec);
  job.finish();
  detail::check_job(job, spec);
  l.result.jobs.push_back(std::move(spec));
}

void read_jobs(loading& l, problems& p, yaml_node const& node) {
  if (!node.is_sequence()) {
    p.at(node, "'jobs' must be a list, each item starting with '- name: ...'");
    return;
  }
  // Room for every item at once: growing a vector of 50,000 specs (520
  // bytes each) by doubling moved each of them twice on average and was a
  // sixth of `--check`'s time. Geometric still, for many drop-ins.
  std::size_t items = 0;
  for ([[maybe_unused]] auto const& item : node.items()) ++items;
  auto& jobs = l.result.jobs;
  if (jobs.size() + items > jobs.capacity()) {
    jobs.reserve(std::max(jobs.size() + items, 2 * jobs.capacity()));
    detail::prefer_huge_pages(jobs.data() + jobs.size(), (jobs.capacity() - jobs.size()) * sizeof(jobs::job_spec));
  }
  l.first_definition.reserve(jobs.size() + items);
  std::size_t i = 0;
  for (auto const& item : node.items()) read_job(l, p, item, i++);
}

std::optional<detail::yaml_tree> parse_yaml(std::string_view text, problems& p) {
  try {
    auto read = detail::read_yaml(text);
    if (!read) {
      p.at(read.error().where, read.error().message);
      return std::nullopt;
    }
    return std::move(*read);
  } catch (YAML::Exception const& e) {
    p.at(e.mark, "not valid YAML: " + e.msg);
    return std::nullopt;
  }
}

std::optional<std::string> read_text(loading& l, std::string const& path, problems& p) {
  auto text = detail::read_job_file_text(path);
  if (!text) {
    p.at(YAML::Mark::null_mark(), text.error());
    return std::nullopt;
  }
  auto& [content, version] = *text;
  l.read.emplace_back(path, version);
  return std::move(content);
}

// A file written in pieces may have been read whole between two of them:
// parsing and validating took long enough for the next piece to land.
void check_files_unchanged(loading& l) {
  for (auto const& [path, version] : l.read)
    if (detail::changed_since(path, version)) {
      problems p(l.diagnostics, path);
      p.at(YAML::Mark::null_mark(), detail::changed_while_read);
    }
}

bool is_blank(yaml_node const& root) {
  return !root.is_defined() || root.is_null();
}

void read_drop_in(loading& l, std::string const& file) {
  problems p(l.diagnostics, file);
  auto text = read_text(l, file, p);
  if (!text) return;
  auto tree = parse_yaml(*text, p);
  if (!tree) return;
  yaml_node root = tree->root();
  if (is_blank(root)) {
    p.at(YAML::Mark(), "the drop-in is empty; expected a mapping with a 'jobs:' list");
    return;
  }
  mapping_reader top(root, "drop-in", p);
  if (!top.valid()) return;
  yaml_node list = top.node("jobs");
  top.finish();
  if (!list.is_defined())
    p.at(root.mark(), "expected a 'jobs:' list");
  else
    read_jobs(l, p, list);
}

void read_includes(loading& l, problems& p, yaml_node const& node, std::filesystem::path const& base_dir) {
  std::vector<yaml_node> patterns;
  if (node.is_sequence())
    for (auto const& n : node.items()) patterns.push_back(n);
  else
    patterns.push_back(node);
  for (auto const& n : patterns) {
    if (!n.is_scalar()) {
      p.at(n, "'include' takes a glob such as jobs.d/*.yaml, or a list of them");
      continue;
    }
    std::filesystem::path pattern(n.scalar());
    if (pattern.is_relative()) pattern = base_dir / pattern;
    if (auto files = detail::glob_files(pattern)) {
      for (auto const& f : *files) {  // an empty drop-in directory is normal
        l.result.drop_ins.push_back(f);
        read_drop_in(l, f);
      }
    } else {
      p.at(n, "cannot read the drop-ins matching '" + pattern.string() + "'");
    }
  }
}

job_file parse_main(std::string_view text, std::string const& name, std::filesystem::path const& base_dir, loading& l) {
  l.result.path = name;
  problems p(l.diagnostics, name);
  auto tree = parse_yaml(text, p);
  yaml_node root = tree ? tree->root() : yaml_node();
  if (tree && is_blank(root))
    p.at(YAML::Mark(), "the job file is empty; expected a mapping with a 'jobs:' list");
  else if (tree) {
    mapping_reader top(root, "the job file", p);
    if (top.valid()) {
      if (auto d = top.node("daemon"); d.is_defined()) {
        mapping_reader r(d, "daemon", p);
        if (r.valid()) read_daemon_settings(r, l.result.settings);
      }
      if (auto d = top.node("defaults"); d.is_defined()) read_defaults(l, p, d);
      yaml_node list = top.node("jobs");
      yaml_node include = top.node("include");
      top.finish();
      if (list.is_defined())
        read_jobs(l, p, list);
      else if (!include.is_defined())
        p.at(root.mark(), "expected a 'jobs:' list");
      if (include.is_defined()) read_includes(l, p, include, base_dir);
    }
  }
  check_files_unchanged(l);
  if (!l.diagnostics.empty()) throw config_error(std::move(l.diagnostics));
  return std::move(l.result);
}

}  // namespace

job_file parse_job_file(std::string_view text, std::string const& name, std::filesystem::path const& base_dir) {
  loading l;
  return parse_main(text, name, base_dir, l);
}

job_file load_job_file(std::filesystem::path const& path) {
  loading l;
  problems p(l.diagnostics, path.string());
  auto text = read_text(l, path.string(), p);
  if (!text) throw config_error(std::move(l.diagnostics));
  return parse_main(*text, path.string(), path.parent_path(), l);
}

}  // namespace config
