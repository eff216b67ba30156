// fetch's keys, their defaults (fetch_spec's) and checks.
//   url: https://...      required
//   method: GET           GET, HEAD or POST; body: only with POST
//   headers: { Name: value }
//   follow_redirects: false
//   expect_status: 2xx    a code, a class, a range, or a list of them
//   body_contains / body_matches / body_not_matches (RE2)
//   max_body: 10MiB, verify_tls: true, ca_file, reuse_connection: false, ip: any
//   degraded_if / failed_if: { total_over, first_byte_over, cert_expires_within }
#include <cctype>

#include "../kinds.hpp"
#include "jobs/expected.hpp"

namespace config::detail {

using namespace std::chrono_literals;

namespace {

void read_fetch_bars(mapping_reader& r, jobs::fetch_bars& out) {
  r.read("total_over", out.total_over, 0s, 24h);
  r.read("first_byte_over", out.first_byte_over, 0s, 24h);
  r.read("cert_expires_within", out.cert_expires_within, 0s, 3660 * 24h);
}

// http(s)://[user@]host[:port][/path...]; enough to catch a typo, not a
// full RFC 3986 parser (curl has the last word).
[[nodiscard]] jobs::expected<void> check_url(std::string const& url) {
  for (unsigned char c : url)
    if (std::iscntrl(c) || c == ' ') {
      return jobs::unexpected("a URL cannot contain spaces or control characters");
    }
  std::string_view rest(url);
  if (rest.starts_with("http://"))
    rest.remove_prefix(7);
  else if (rest.starts_with("https://"))
    rest.remove_prefix(8);
  else {
    return jobs::unexpected("expected a URL starting with http:// or https://, got '" + url + "'");
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return jobs::unexpected("unclosed '[' in the host of '" + url + "'");
    }
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return jobs::unexpected("unexpected text after the IPv6 address in '" + url + "'");
      }
      port = after.substr(1);
    }
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    return jobs::unexpected("'" + url + "' has no host");
  }
  if (!host.starts_with('['))
    for (unsigned char c : host)
      if (!std::isalnum(c) && c != '.' && c != '-' && c != '_') {
        return jobs::unexpected("'" + std::string(host) + "' is not a valid host name in '" + url + "'");
      }
  if (authority.find(':') != std::string_view::npos && !authority.starts_with('[') && port.empty()) {
    return jobs::unexpected("empty port in '" + url + "'");
  }
  if (!port.empty()) {
    bool digits = port.size() <= 5;
    for (unsigned char c : port) digits = digits && std::isdigit(c);
    if (!digits || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
      return jobs::unexpected("the port in '" + url + "' must be a number from 1 to 65535");
    }
  }
  return {};
}

// 200, "2xx", "200-299".
[[nodiscard]] std::optional<jobs::status_range> parse_status(std::string const& s) {
  auto number = [](std::string_view t) -> int {
    if (t.size() != 3) return -1;
    for (unsigned char c : t)
      if (!std::isdigit(c)) return -1;
    return std::stoi(std::string(t));
  };
  std::optional<jobs::status_range> r;
  if (s.size() == 3 && std::isdigit(static_cast<unsigned char>(s[0])) && s.substr(1) == "xx") {
    int hundred = (s[0] - '0') * 100;
    r = jobs::status_range{hundred, hundred + 99};
  } else if (auto dash = s.find('-'); dash != std::string::npos) {
    r = jobs::status_range{number(std::string_view(s).substr(0, dash)), number(std::string_view(s).substr(dash + 1))};
  } else {
    int n = number(s);
    r = jobs::status_range{n, n};
  }
  if (r->low < 100 || r->high > 599 || r->low > r->high) return std::nullopt;
  return r;
}

void read_expected_status(mapping_reader& r, std::vector<jobs::status_range>& out) {
  yaml_node n = r.node("expect_status");
  if (!n.is_defined()) return;
  std::vector<yaml_node> items;
  if (n.is_sequence())
    for (auto const& item : n.items()) items.push_back(item);
  else
    items.push_back(n);
  std::vector<jobs::status_range> ranges;
  bool ok = !items.empty();
  if (items.empty()) r.error(n, "'expect_status' is an empty list; expected at least one status code");
  for (auto const& item : items) {
    std::optional<jobs::status_range> range;
    if (item.is_scalar()) range = parse_status(std::string(item.scalar()));
    if (!range) {
      r.error(item, "'expect_status' entries must be a code (200), a class (2xx) or a range (200-399), got '" +
                        (item.is_scalar() ? std::string(item.scalar()) : std::string("a list or mapping")) + "'");
      ok = false;
    } else {
      ranges.push_back(*range);
    }
  }
  if (ok) out = std::move(ranges);
}

void read_headers(mapping_reader& r, std::vector<std::pair<std::string, std::string>>& out) {
  yaml_node n = r.node("headers");
  if (!n.is_defined()) return;
  if (!n.is_map()) {
    r.error(n, "'headers' must be a mapping of Header-Name: value");
    return;
  }
  std::vector<std::pair<std::string, std::string>> headers;
  for (auto const& kv : n.entries()) {
    std::string name(kv.first.scalar());
    bool name_ok = !name.empty();
    for (unsigned char c : name) name_ok = name_ok && (std::isalnum(c) || c == '-' || c == '_');
    if (!name_ok) {
      r.error(kv.first, "header names are letters, digits and '-', got '" + name + "'");
      continue;
    }
    auto value = r.single_line(kv.second, "header '" + name + "'");
    if (!value) continue;
    headers.emplace_back(std::move(name), std::move(*value));
  }
  out = std::move(headers);
}

// Compiled here, once per load: a pattern RE2 refuses, or one past the
// limits of body_pattern.hpp, is an error at its line and column.
void read_regex(mapping_reader& r, std::string_view key, std::optional<jobs::body_pattern>& out) {
  std::optional<std::string> pattern;
  if (!r.read(key, pattern)) return;
  auto compiled = jobs::body_pattern::compile(std::move(*pattern));
  if (!compiled) {
    r.error(r.mark_of(key),
            "'" + std::string(key) + "' is not a valid regular expression (RE2 syntax): " + compiled.error());
    return;
  }
  out = std::move(*compiled);
}

}  // namespace

void read_fetch(mapping_reader& r, jobs::fetch_spec& out) {
  std::string url;
  if (r.read("url", url)) {
    if (auto checked = check_url(url))
      out.url = url;
    else
      r.error(r.mark_of("url"), checked.error());
  }
  jobs::fetch_options o = *out.options;
  std::string method;
  if (r.read("method", method)) {
    for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (method == "GET" || method == "HEAD" || method == "POST")
      o.method = method;
    else
      r.error(r.mark_of("method"), "'method' must be GET, HEAD or POST, got '" + method + "'");
  }
  r.read("body", o.body);
  read_headers(r, o.headers);
  r.read("follow_redirects", o.follow_redirects);
  read_expected_status(r, o.expected_status);
  r.read("body_contains", o.body_contains);
  read_regex(r, "body_matches", o.body_matches);
  read_regex(r, "body_not_matches", o.body_not_matches);
  r.read_size("max_body", o.max_body_bytes, 0, std::size_t(1) << 40);
  r.read("verify_tls", o.verify_tls);
  r.read("ca_file", o.ca_file);
  r.read("reuse_connection", o.reuse_connection);
  read_ip_version(r, o.ip);
  read_bars(r, "degraded_if", [&](mapping_reader& b) { read_fetch_bars(b, o.degraded_if); });
  read_bars(r, "failed_if", [&](mapping_reader& b) { read_fetch_bars(b, o.failed_if); });
  out.options = std::move(o);  // the shared defaults again if nothing was set
}

void check_fetch(mapping_reader& r, jobs::fetch_spec const& f, jobs::schedule_spec const&) {
  if (f.url.empty() && !r.map()["url"].is_defined())
    r.error(r.mark_of("url"), "a fetch job needs a 'url' (http:// or https://)");
  if (!f.options->body.empty() && f.options->method != "POST")
    r.error(r.mark_of("body"), "'body' is sent only with method: POST (this job uses " + f.options->method + ")");
}

}  // namespace config::detail
