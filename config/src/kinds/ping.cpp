// ping's keys, their defaults (ping_spec's) and checks.
//   target: host          required: a host name or address
//   count: 3              echoes per run
//   interval: 1s          between echoes (not under ping_interval_floor)
//   payload_size: 56      bytes after the ICMP header
//   echo_timeout: 1s      how long each echo waits for its reply
//   ip: any               4, 6 or any
//   degraded_if / failed_if: { loss_over, rtt_avg_over, rtt_max_over }
#include <cstdlib>

#include "../kinds.hpp"
#include "config/duration.hpp"
#include "config/job_file.hpp"
#include "jobs/checked.hpp"

namespace config::detail {

using namespace std::chrono_literals;

namespace {

// "10%", "10", "2.5%": 0 to 100.
void read_percent(mapping_reader& r, std::string_view key, std::optional<double>& out) {
  std::string s;
  if (!r.read(key, s)) return;
  std::string number = s.ends_with('%') ? s.substr(0, s.size() - 1) : s;
  char* end = nullptr;
  double v = number.empty() ? -1 : std::strtod(number.c_str(), &end);
  if (number.empty() || *end != '\0' || !(v >= 0 && v <= 100)) {
    r.error(r.mark_of(key), "'" + std::string(key) + "' is a share of echoes from 0% to 100%, got '" + s + "'");
    return;
  }
  out = v;
}

void read_ping_bars(mapping_reader& r, jobs::ping_bars& out) {
  read_percent(r, "loss_over", out.loss_over_percent);
  r.read("rtt_avg_over", out.rtt_avg_over, 0s, 1h);
  r.read("rtt_max_over", out.rtt_max_over, 0s, 1h);
}

}  // namespace

void read_ping(mapping_reader& r, jobs::ping_spec& out) {
  r.read("target", out.target);
  jobs::ping_options o = *out.options;
  r.read("count", o.count, 1, 10'000);
  // The floor is checked in check_ping, with its own message.
  r.read("interval", o.interval, 0s, 1h);
  r.read_size("payload_size", o.payload_size, 0, 65'000);
  r.read("echo_timeout", o.echo_timeout, 1ms, 1h);
  read_ip_version(r, o.ip);
  read_bars(r, "degraded_if", [&](mapping_reader& b) { read_ping_bars(b, o.degraded_if); });
  read_bars(r, "failed_if", [&](mapping_reader& b) { read_ping_bars(b, o.failed_if); });
  out.options = std::move(o);  // the shared defaults again if nothing was set
}

void check_ping(mapping_reader& r, jobs::ping_spec const& spec, jobs::schedule_spec const& s) {
  jobs::duration const budget = run_budget(s);
  jobs::ping_options const& p = *spec.options;
  if (spec.target.empty()) r.error(r.mark_of("target"), "a ping job needs a 'target' (a host name or address)");
  if (p.count > 1 && p.interval < ping_interval_floor)
    r.error(r.mark_of("interval"), "'interval' (" + format_duration(p.interval) + ") is under the floor of " +
                                       format_duration(ping_interval_floor) + " between echoes");
  std::optional<jobs::duration> needed;
  if (auto echoes = jobs::checked_mul(p.interval, p.count - 1)) needed = jobs::checked_add(*echoes, p.echo_timeout);
  if (!needed || *needed > budget)
    r.error(r.mark_of("count"), std::to_string(p.count) + " echoes " + format_duration(p.interval) +
                                    " apart, each waiting up to " + format_duration(p.echo_timeout) + ", take " +
                                    (needed ? format_duration(*needed) : std::string("more than 292 years")) +
                                    ", more than the run may last (" + format_duration(budget) +
                                    "); lower count or interval, or raise " + (s.timeout ? "'timeout'" : "'every'"));
}

}  // namespace config::detail
