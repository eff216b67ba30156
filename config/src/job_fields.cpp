#include "job_fields.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "config/duration.hpp"
#include "config/job_file.hpp"
#include "jobs/checked.hpp"

namespace config::detail {

using namespace std::chrono_literals;

// --- the schedule, common to every kind ------------------------------------
//   every: 60s        period between runs (fixed-rate, aligned)
//   jitter: 0s        a stable per-job phase in [0, jitter), spreads load
//   timeout: ...      the run's deadline; default: shorter than `every`
//   fail_after: 1     consecutive failures before DOWN
//   recover_after: 1  consecutive successes before UP again
//   retest_every: ... a shorter period while failing
//   allow_overlap: false
void read_schedule(mapping_reader& r, jobs::schedule_spec& out) {
  r.read("every", out.interval, 10ms, 366 * 24h);
  r.read("jitter", out.jitter, 0s, 366 * 24h);
  r.read("timeout", out.timeout, 1ms, 366 * 24h);
  r.read("fail_after", out.fail_after, 1, 1000);
  r.read("recover_after", out.recover_after, 1, 1000);
  r.read("retest_every", out.retest_interval, 10ms, 366 * 24h);
  r.read("allow_overlap", out.allow_overlap);
}

// --- countdown ---------------------------------------------------------------
void read_countdown(mapping_reader& r, jobs::countdown_spec& out) {
  r.read("from", out.from, 0, 1'000'000);
  r.read("tick", out.tick, 1ms, 24h);
}

// --- ping and fetch share the address family ---------------------------------
namespace {
void read_ip_version(mapping_reader& r, jobs::ip_version& out) {
  std::string s;
  if (!r.read("ip", s)) return;
  if (s == "4") out = jobs::ip_version::v4;
  else if (s == "6") out = jobs::ip_version::v6;
  else if (s == "any") out = jobs::ip_version::any;
  else r.error(r.mark_of("ip"), "'ip' must be 4, 6 or any, got '" + s + "'");
}
}  // namespace

// --- degraded_if / failed_if: the job's own bars -----------------------------
//   ping:  degraded_if: { loss_over: 10%, rtt_avg_over: 20ms, rtt_max_over: 100ms }
//   fetch: failed_if: { total_over: 2s, first_byte_over: 1s, cert_expires_within: 7d }
// Each key is a bar the measured value must not go over; a mapping like
// any other, so unknown keys get a "did you mean" and every error its place.
namespace {

// "10%", "10", "2.5%": 0 to 100.
void read_percent(mapping_reader& r, std::string const& key, std::optional<double>& out) {
  std::string s;
  if (!r.read(key, s)) return;
  std::string number = s.ends_with('%') ? s.substr(0, s.size() - 1) : s;
  char* end = nullptr;
  double v = number.empty() ? -1 : std::strtod(number.c_str(), &end);
  if (number.empty() || *end != '\0' || !(v >= 0 && v <= 100)) {
    r.error(r.mark_of(key), "'" + key + "' is a share of echoes from 0% to 100%, got '" + s + "'");
    return;
  }
  out = v;
}

template <class Read>
void read_bars(mapping_reader& r, std::string const& key, Read read) {
  yaml_node n = r.node(key);
  if (!n.is_defined()) return;
  mapping_reader bars(n, r.what() + "." + key, r.report());
  if (!bars.valid()) return;
  read(bars);
  bars.finish();
}

}  // namespace

void read_ping_bars(mapping_reader& r, jobs::ping_bars& out) {
  read_percent(r, "loss_over", out.loss_over_percent);
  r.read("rtt_avg_over", out.rtt_avg_over, 0s, 1h);
  r.read("rtt_max_over", out.rtt_max_over, 0s, 1h);
}

void read_fetch_bars(mapping_reader& r, jobs::fetch_bars& out) {
  r.read("total_over", out.total_over, 0s, 24h);
  r.read("first_byte_over", out.first_byte_over, 0s, 24h);
  r.read("cert_expires_within", out.cert_expires_within, 0s, 3660 * 24h);
}

// --- ping --------------------------------------------------------------------
void read_ping(mapping_reader& r, jobs::ping_spec& out) {
  r.read("target", out.target);
  r.read("count", out.count, 1, 10'000);
  // The floor is checked in check_job, with its own message.
  r.read("interval", out.interval, 0s, 1h);
  r.read_size("payload_size", out.payload_size, 0, 65'000);
  r.read("echo_timeout", out.echo_timeout, 1ms, 1h);
  read_ip_version(r, out.ip);
  read_bars(r, "degraded_if", [&](mapping_reader& b) { read_ping_bars(b, out.degraded_if); });
  read_bars(r, "failed_if", [&](mapping_reader& b) { read_ping_bars(b, out.failed_if); });
}

// --- fetch -------------------------------------------------------------------
namespace {

// http(s)://[user@]host[:port][/path...]; enough to catch a typo, not a
// full RFC 3986 parser (curl has the last word).
bool check_url(std::string const& url, std::string& why) {
  for (unsigned char c : url)
    if (std::iscntrl(c) || c == ' ') {
      why = "a URL cannot contain spaces or control characters";
      return false;
    }
  std::string_view rest(url);
  if (rest.starts_with("http://")) rest.remove_prefix(7);
  else if (rest.starts_with("https://")) rest.remove_prefix(8);
  else {
    why = "expected a URL starting with http:// or https://, got '" + url + "'";
    return false;
  }
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view host = authority, port;
  if (authority.starts_with('[')) {
    auto close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "unclosed '[' in the host of '" + url + "'";
      return false;
    }
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        why = "unexpected text after the IPv6 address in '" + url + "'";
        return false;
      }
      port = after.substr(1);
    }
  } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) {
    why = "'" + url + "' has no host";
    return false;
  }
  if (!host.starts_with('['))
    for (unsigned char c : host)
      if (!std::isalnum(c) && c != '.' && c != '-' && c != '_') {
        why = "'" + std::string(host) + "' is not a valid host name in '" + url + "'";
        return false;
      }
  if (authority.find(':') != std::string_view::npos && !authority.starts_with('[') && port.empty()) {
    why = "empty port in '" + url + "'";
    return false;
  }
  if (!port.empty()) {
    bool digits = port.size() <= 5;
    for (unsigned char c : port) digits = digits && std::isdigit(c);
    if (!digits || std::stoi(std::string(port)) < 1 || std::stoi(std::string(port)) > 65535) {
      why = "the port in '" + url + "' must be a number from 1 to 65535";
      return false;
    }
  }
  return true;
}

// 200, "2xx", "200-299".
std::optional<jobs::status_range> parse_status(std::string const& s) {
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
    if (!kv.second.is_scalar()) {
      r.error(kv.second, "the value of header '" + name + "' must be a single line of text");
      continue;
    }
    std::string value(kv.second.scalar());
    if (value.find_first_of("\r\n") != std::string::npos) {
      r.error(kv.second, "the value of header '" + name + "' must be a single line of text");
      continue;
    }
    headers.emplace_back(std::move(name), std::move(value));
  }
  out = std::move(headers);
}

// Compiled here, once per load: a pattern RE2 refuses, or one past the
// limits of body_pattern.hpp, is an error at its line and column.
void read_regex(mapping_reader& r, std::string const& key, std::optional<jobs::body_pattern>& out) {
  std::optional<std::string> pattern;
  if (!r.read(key, pattern)) return;
  auto compiled = jobs::body_pattern::compile(std::move(*pattern));
  if (auto const* why = std::get_if<std::string>(&compiled)) {
    r.error(r.mark_of(key), "'" + key + "' is not a valid regular expression (RE2 syntax): " + *why);
    return;
  }
  out = std::move(std::get<jobs::body_pattern>(compiled));
}

}  // namespace

void read_fetch(mapping_reader& r, jobs::fetch_spec& out) {
  std::string url;
  if (r.read("url", url)) {
    std::string why;
    if (check_url(url, why)) out.url = url;
    else r.error(r.mark_of("url"), why);
  }
  std::string method;
  if (r.read("method", method)) {
    for (auto& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (method == "GET" || method == "HEAD" || method == "POST") out.method = method;
    else r.error(r.mark_of("method"), "'method' must be GET, HEAD or POST, got '" + method + "'");
  }
  r.read("body", out.body);
  read_headers(r, out.headers);
  r.read("follow_redirects", out.follow_redirects);
  read_expected_status(r, out.expected_status);
  r.read("body_contains", out.body_contains);
  read_regex(r, "body_matches", out.body_matches);
  read_regex(r, "body_not_matches", out.body_not_matches);
  r.read_size("max_body", out.max_body_bytes, 0, std::size_t(1) << 40);
  r.read("verify_tls", out.verify_tls);
  r.read("ca_file", out.ca_file);
  r.read("reuse_connection", out.reuse_connection);
  read_ip_version(r, out.ip);
  read_bars(r, "degraded_if", [&](mapping_reader& b) { read_fetch_bars(b, out.degraded_if); });
  read_bars(r, "failed_if", [&](mapping_reader& b) { read_fetch_bars(b, out.failed_if); });
}

// --- labels, common to every kind ---------------------------------------------
//   labels: { site: par1, team: net }
// Prometheus label names ([a-zA-Z_][a-zA-Z0-9_]*, no leading "__"), none of
// the names reactord puts on its own series, nor `job` and `instance`,
// which Prometheus sets on every scrape. Read over the defaults' labels.
void read_labels(mapping_reader& r, jobs::label_set& out) {
  yaml_node n = r.node("labels");
  if (!n.is_defined()) return;
  if (!n.is_map()) {
    r.error(n, "'labels' must be a mapping of label_name: value");
    return;
  }
  static std::string const reserved[] = {"job",   "instance", "job_name", "kind",     "state", "outcome",
                                         "stat",  "phase",    "le",       "code",     "result", "backend"};
  jobs::label_set labels = out;
  for (auto const& kv : n.entries()) {
    std::string name(kv.first.scalar());
    bool ok = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
    for (unsigned char c : name) ok = ok && (std::isalnum(c) || c == '_');
    if (!ok || name.starts_with("__")) {
      r.error(kv.first, "label names are letters, digits and '_', not starting with a digit or \"__\" "
                        "(as in Prometheus), got '" + name + "'");
      continue;
    }
    if (std::find(std::begin(reserved), std::end(reserved), name) != std::end(reserved)) {
      r.error(kv.first, "'" + name + "' is a label reactord or Prometheus sets itself; choose another name");
      continue;
    }
    if (!kv.second.is_scalar()) {
      r.error(kv.second, "the value of label '" + name + "' must be a single line of text");
      continue;
    }
    std::string value(kv.second.scalar());
    if (value.find_first_of("\r\n") != std::string::npos) {
      r.error(kv.second, "the value of label '" + name + "' must be a single line of text");
      continue;
    }
    auto it = std::find_if(labels.begin(), labels.end(), [&](auto const& l) { return l.first == name; });
    if (it != labels.end()) it->second = std::move(value);
    else labels.emplace_back(std::move(name), std::move(value));
  }
  std::sort(labels.begin(), labels.end());
  out = std::move(labels);
}

void read_job_fields(mapping_reader& r, jobs::job_spec& out) {
  read_schedule(r, out.schedule);
  read_labels(r, out.labels);
  std::visit(
      [&](auto& k) {
        using K = std::decay_t<decltype(k)>;
        if constexpr (std::is_same_v<K, jobs::countdown_spec>) read_countdown(r, k);
        else if constexpr (std::is_same_v<K, jobs::ping_spec>) read_ping(r, k);
        else read_fetch(r, k);
      },
      out.kind);
}

void check_job(mapping_reader& r, jobs::job_spec const& job) {
  auto const& s = job.schedule;
  if (s.jitter > s.interval)
    r.error(r.mark_of("jitter"), "'jitter' (" + format_duration(s.jitter) + ") must not exceed 'every' (" +
                                     format_duration(s.interval) + ")");
  if (s.retest_interval && *s.retest_interval > s.interval)
    r.error(r.mark_of("retest_every"), "'retest_every' (" + format_duration(*s.retest_interval) +
                                           ") is meant to be shorter than 'every' (" + format_duration(s.interval) +
                                           ")");
  if (s.timeout && *s.timeout > s.interval && !s.allow_overlap)
    r.error(r.mark_of("timeout"), "'timeout' (" + format_duration(*s.timeout) + ") is longer than 'every' (" +
                                      format_duration(s.interval) +
                                      "), so a slow run would always skip its next slot; shorten it or set "
                                      "allow_overlap: true");
  jobs::duration const budget = s.timeout ? *s.timeout : s.interval;

  if (auto const* p = std::get_if<jobs::ping_spec>(&job.kind)) {
    if (p->target.empty()) r.error(r.mark_of("target"), "a ping job needs a 'target' (a host name or address)");
    if (p->count > 1 && p->interval < ping_interval_floor)
      r.error(r.mark_of("interval"), "'interval' (" + format_duration(p->interval) + ") is under the floor of " +
                                         format_duration(ping_interval_floor) + " between echoes");
    std::optional<jobs::duration> needed;
    if (auto echoes = jobs::checked_mul(p->interval, p->count - 1)) needed = jobs::checked_add(*echoes, p->echo_timeout);
    if (!needed || *needed > budget)
      r.error(r.mark_of("count"), std::to_string(p->count) + " echoes " + format_duration(p->interval) +
                                      " apart, each waiting up to " + format_duration(p->echo_timeout) + ", take " +
                                      (needed ? format_duration(*needed) : std::string("more than 292 years")) +
                                      ", more than the run may last (" + format_duration(budget) +
                                      "); lower count or interval, or raise " + (s.timeout ? "'timeout'" : "'every'"));
  } else if (auto const* f = std::get_if<jobs::fetch_spec>(&job.kind)) {
    if (f->url.empty() && !r.map()["url"].is_defined())
      r.error(r.mark_of("url"), "a fetch job needs a 'url' (http:// or https://)");
    if (!f->body.empty() && f->method != "POST")
      r.error(r.mark_of("body"), "'body' is sent only with method: POST (this job uses " + f->method + ")");
  } else if (auto const* c = std::get_if<jobs::countdown_spec>(&job.kind)) {
    auto takes = jobs::checked_mul(c->tick, c->from);
    if (!takes || *takes > budget)
      r.error(r.mark_of("from"), "counting down from " + std::to_string(c->from) + " at " + format_duration(c->tick) +
                                     " a tick takes " + (takes ? format_duration(*takes) : std::string("more than 292 years")) +
                                     ", more than the run may last (" + format_duration(budget) + ")");
  }
}

}  // namespace config::detail
