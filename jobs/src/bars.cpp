#include "bars.hpp"

#include <cstdio>
#include <string>

namespace jobs {

namespace {

std::string ms_text(duration d) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.3fms", std::chrono::duration<double, std::milli>(d).count());
  return buf;
}

std::string bar_text(duration d) {
  char buf[40];
  double ms = std::chrono::duration<double, std::milli>(d).count();
  if (d >= std::chrono::hours(24) && d % std::chrono::hours(24) == duration::zero())
    std::snprintf(buf, sizeof buf, "%gd", ms / 86'400'000);
  else if (ms >= 1000)
    std::snprintf(buf, sizeof buf, "%gs", ms / 1000);
  else
    std::snprintf(buf, sizeof buf, "%gms", ms);
  return buf;
}

std::string percent_text(double p) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%g%%", p);
  return buf;
}

// Marks `r` with the crossed bar.
void crossed(run_result& r, outcome o, char const* level, char const* key, std::string const& what) {
  r.result = o;
  r.condition = std::string(level) + "." + key;
  r.message = what + " (" + r.condition + ")" + (r.message.empty() ? "" : "; " + r.message);
}

// The first crossed bar of `bars` on a ping result, or false.
bool check_ping(ping_bars const& bars, ping_result const& p, run_result& r, outcome o, char const* level) {
  if (bars.loss_over_percent && p.loss_percent > *bars.loss_over_percent) {
    crossed(r, o, level, "loss_over",
            "loss " + percent_text(p.loss_percent) + " is over " + percent_text(*bars.loss_over_percent));
    return true;
  }
  if (p.received == 0) return false;
  if (bars.rtt_avg_over && p.rtt_avg > *bars.rtt_avg_over) {
    crossed(r, o, level, "rtt_avg_over", "rtt avg " + ms_text(p.rtt_avg) + " is over " + bar_text(*bars.rtt_avg_over));
    return true;
  }
  if (bars.rtt_max_over && p.rtt_max > *bars.rtt_max_over) {
    crossed(r, o, level, "rtt_max_over",
            "an echo took " + ms_text(p.rtt_max) + ", over " + bar_text(*bars.rtt_max_over));
    return true;
  }
  return false;
}

bool check_fetch(fetch_bars const& bars, fetch_result const& f, run_result& r, outcome o, char const* level,
                 std::chrono::system_clock::time_point now) {
  if (bars.total_over && f.total > *bars.total_over) {
    crossed(r, o, level, "total_over", "total " + ms_text(f.total) + " is over " + bar_text(*bars.total_over));
    return true;
  }
  if (bars.first_byte_over && f.first_byte > *bars.first_byte_over) {
    crossed(r, o, level, "first_byte_over",
            "first byte after " + ms_text(f.first_byte) + ", over " + bar_text(*bars.first_byte_over));
    return true;
  }
  if (bars.cert_expires_within && f.cert_expiry) {
    auto left = std::chrono::duration_cast<duration>(*f.cert_expiry - now);
    if (left < *bars.cert_expires_within) {
      char days[40];
      std::snprintf(days, sizeof days, "%.1f", std::chrono::duration<double, std::ratio<86400>>(left).count());
      crossed(r, o, level, "cert_expires_within",
              left < duration::zero() ? std::string("the certificate expired ") + (days + 1) + " days ago, within " +
                                            bar_text(*bars.cert_expires_within)
                                      : std::string("the certificate expires in ") + days + " days, within " +
                                            bar_text(*bars.cert_expires_within));
      return true;
    }
  }
  return false;
}

}  // namespace

void apply_bars(ping_spec const& spec, run_result& r) {
  auto const* p = std::get_if<ping_result>(&r.details);
  if (!p) return;
  // With a loss bar of its own, the job's bar decides partial loss: within
  // it is not a degradation, over it the run names the bar.
  bool loss_bar_decides = r.result == outcome::degraded && spec.degraded_if.loss_over_percent && p->received > 0;
  if (loss_bar_decides && p->loss_percent <= *spec.degraded_if.loss_over_percent) {
    r.result = outcome::success;
    r.message.clear();
  }
  if (r.result != outcome::success && r.result != outcome::degraded) return;
  if (check_ping(spec.failed_if, *p, r, outcome::failure, "failed_if")) return;
  if (r.result == outcome::success || loss_bar_decides)
    check_ping(spec.degraded_if, *p, r, outcome::degraded, "degraded_if");
}

void apply_bars(fetch_spec const& spec, run_result& r, std::chrono::system_clock::time_point now) {
  auto const* f = std::get_if<fetch_result>(&r.details);
  if (!f || r.result != outcome::success) return;
  if (check_fetch(spec.failed_if, *f, r, outcome::failure, "failed_if", now)) return;
  check_fetch(spec.degraded_if, *f, r, outcome::degraded, "degraded_if", now);
}

}  // namespace jobs
