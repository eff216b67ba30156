// run_ping: one ping run. Resolves the target, sends spec.count echoes
// spec.interval apart over the loop's shared ICMP endpoint, and waits until
// every echo is answered (or failed) or the last one's timeout has passed.
// The endpoint's reader tells the run about replies and ICMP errors through
// echo_listener; the run only counts.
//
// Counting, per echo: a reply within echo_timeout is received (its RTT
// kept); a reply after it is late (counted, not received); a second reply is
// a duplicate; an ICMP error or a failed send fails the echo, and its text
// is kept (once per distinct text, with a count). Loss is 1 - received/sent.
// Outcome: success if every echo was answered in time, degraded if some
// were, failure if none were or the run could not ping at all.
#if defined(_WIN32)
#include <ws2tcpip.h>  // getaddrinfo; POLLOUT comes with winsock2.h
#else
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#endif

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "bars.hpp"
#include "icmp_endpoint.hpp"
#include "icmp_service.hpp"
#include "jobs/ping.hpp"
#include "reactor/event.hpp"
#include "reactor/io.hpp"
#include "reactor/loop.hpp"
#include "reactor/sleep.hpp"
#include "reactor/timer.hpp"
#include "reactor/to_thread.hpp"

namespace jobs {

namespace {

// The largest payload an IPv4 echo can carry (65535 - 20 - 8).
constexpr std::size_t max_payload = 65507;

// `target` as one address of the wanted version, or why not.
struct resolution {
  std::optional<reactor::socket_address> address;
  std::string error;
  bool is_name = false;  // not a numeric address: it needs a lookup
};

// getaddrinfo: with AI_NUMERICHOST it answers at once, without the network;
// otherwise it may ask DNS and take seconds, so run_ping calls that on a
// thread of its own (reactor::to_thread) rather than stall every job on the
// loop. Thread-safe.
resolution resolve(std::string const& target, ip_version ip, bool numeric_only) {
  resolution r;
  if (numeric_only) {
    // A plain dotted quad or IPv6 address, the usual target: inet_pton
    // gives the same address as getaddrinfo without its allocations and
    // lookups of the process's settings, on every run of every ping job.
    // Anything else (a name, "127.1", a scope id) goes to getaddrinfo.
    if (ip != ip_version::v6) {
      sockaddr_in a{};
      if (::inet_pton(AF_INET, target.c_str(), &a.sin_addr) == 1) {
        a.sin_family = AF_INET;
        r.address.emplace(reinterpret_cast<sockaddr const*>(&a), static_cast<socklen_t>(sizeof a));
        return r;
      }
    }
    if (ip != ip_version::v4) {
      sockaddr_in6 a{};
      if (::inet_pton(AF_INET6, target.c_str(), &a.sin6_addr) == 1) {
        a.sin6_family = AF_INET6;
        r.address.emplace(reinterpret_cast<sockaddr const*>(&a), static_cast<socklen_t>(sizeof a));
        return r;
      }
    }
  }
  addrinfo hints{};
  hints.ai_family = ip == ip_version::v4 ? AF_INET : ip == ip_version::v6 ? AF_INET6 : AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;  // one answer per address, not one per socket type
  hints.ai_flags = numeric_only ? AI_NUMERICHOST : 0;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(target.c_str(), nullptr, &hints, &found);
  if (rc == EAI_NONAME && numeric_only) {
    r.is_name = true;
    return r;
  }
  if (rc != 0) {
    r.error = "cannot resolve \"" + target + "\"";
    if (ip != ip_version::any) r.error += ip == ip_version::v4 ? " to an IPv4 address" : " to an IPv6 address";
#if defined(EAI_SYSTEM)  // POSIX; Winsock's codes are all covered by gai_strerror
    if (rc == EAI_SYSTEM) {
      r.error += std::string(": ") + std::strerror(errno);
      return r;
    }
#endif
    r.error += std::string(": ") + ::gai_strerror(rc);
    return r;
  }
  r.address.emplace(found->ai_addr, found->ai_addrlen);
  ::freeaddrinfo(found);
  return r;
}

// Name lookups in progress in this process, each on a thread of its own. A
// resolver that does not answer holds each for its whole timeout while runs
// keep coming; past the limit a run fails at once rather than add a thread.
constexpr int most_lookups_at_once = 64;
std::atomic<int> lookups_in_progress{0};

// One of those lookups, counted from before its thread starts until the
// thread has finished (or was never started).
struct lookup_slot {
  lookup_slot() noexcept { ++lookups_in_progress; }
  lookup_slot(lookup_slot&& other) noexcept : held(std::exchange(other.held, false)) {}
  lookup_slot(lookup_slot const&) = delete;
  ~lookup_slot() {
    if (held) --lookups_in_progress;
  }
  bool held = true;
};

bool same_host(sockaddr_storage const& a, reactor::socket_address const& b) {
  if (a.ss_family != b.family()) return false;
  if (a.ss_family == AF_INET)
    return reinterpret_cast<sockaddr_in const&>(a).sin_addr.s_addr ==
           reinterpret_cast<sockaddr_in const*>(b.data())->sin_addr.s_addr;
  return std::memcmp(&reinterpret_cast<sockaddr_in6 const&>(a).sin6_addr,
                     &reinterpret_cast<sockaddr_in6 const*>(b.data())->sin6_addr, 16) == 0;
}

std::string milliseconds(duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f ms", std::chrono::duration<double, std::milli>(d).count());
  return text;
}

class ping_run final : public icmp::echo_listener {
 public:
  ping_run(icmp::endpoint& endpoint, ping_spec const& spec, reactor::socket_address target)
      : endpoint_(endpoint),
        options_(*spec.options),
        target_(target),
        echoes_(static_cast<std::size_t>(spec.options->count)),
        request_(icmp::echo_header_size + spec.options->payload_size) {
    all_settled_.run = this;
    all_settled_.on_fire = [](reactor::timer_node& t) { static_cast<settle_timer&>(t).run->settled_.set(); };
  }

  ~ping_run() {
    if (loop_) loop_->disarm(all_settled_);
    for (echo const& e : echoes_)
      if (e.claimed) endpoint_.release(e.sequence);
  }
  ping_run(ping_run const&) = delete;

  // Sends the echoes on schedule, then waits for the answers.
  reactor::task<void> run(reactor::loop& loop) {
    loop_ = &loop;
    reactor::deadline start = reactor::clock::now();
    for (int k = 0; k < options_.count; ++k) {
      if (k > 0) co_await reactor::sleep_until(start + k * options_.interval);
      auto index = static_cast<std::uint32_t>(k);
      if (!claim(index)) continue;
      while (!send(index)) {
        co_await reactor::poll(endpoint_.fd(), POLLOUT);
        echoes_[index].sent = reactor::clock::now();
      }
    }
    if (unsettled_ > 0) {
      loop.arm(all_settled_, echoes_.back().sent + options_.echo_timeout);
      co_await settled_.wait();
    }
  }

  void on_reply(std::uint32_t index, reactor::deadline received) override {
    echo& e = echoes_[index];
    switch (e.state) {
      case echo_state::pending:
        e.rtt = std::max(received - e.sent, reactor::clock::duration::zero());
        if (e.rtt > options_.echo_timeout) {
          e.state = echo_state::late;
          ++late_;
        } else {
          e.state = echo_state::answered;
          ++received_;
        }
        settle_one();
        break;
      case echo_state::answered:
      case echo_state::late:
      case echo_state::failed:
      case echo_state::send_failed: ++duplicates_; break;
      case echo_state::unsent: break;
    }
  }

  void on_error(std::uint32_t index, std::string const& what, sockaddr_storage const& quoted_destination) override {
    // Another run may ping another host with a sequence this one once used;
    // the quoted destination tells errors meant for it apart.
    if (quoted_destination.ss_family != AF_UNSPEC && !same_host(quoted_destination, target_)) return;
    echo& e = echoes_[index];
    if (e.state == echo_state::send_failed) {
      // The ICMP error says more than the send's errno did: a firewall's
      // reject on the output hook makes sendmsg fail with EPERM and also
      // sends us the error it rejected with.
      forget_error(e.send_error);
      e.state = echo_state::failed;
      note_error(what);
      settle_one();
      return;
    }
    if (e.state != echo_state::pending) return;
    e.state = echo_state::failed;
    note_error(what);
    settle_one();
  }

  ping_result result() const {
    ping_result r;
    r.resolved_address = target_.ip();
    r.sent = sent_;
    r.received = received_;
    r.duplicates = duplicates_;
    r.late = late_;
    r.loss_percent = sent_ ? 100.0 * (sent_ - received_) / sent_ : 100.0;
    for (echo const& e : echoes_)
      if (e.state == echo_state::answered) r.rtts.push_back(e.rtt);
    if (!r.rtts.empty()) {
      auto [low, high] = std::minmax_element(r.rtts.begin(), r.rtts.end());
      r.rtt_min = *low;
      r.rtt_max = *high;
      double sum = 0, squares = 0;
      for (duration d : r.rtts) {
        double ns = static_cast<double>(d.count());
        sum += ns;
        squares += ns * ns;
      }
      double n = static_cast<double>(r.rtts.size());
      double mean = sum / n;
      r.rtt_avg = duration(static_cast<duration::rep>(mean));
      r.rtt_stddev = duration(static_cast<duration::rep>(std::sqrt(std::max(0.0, squares / n - mean * mean))));
    }
    for (auto const& [text, count] : errors_)
      r.errors.push_back(count == 1 ? text : text + " (" + std::to_string(count) + " times)");
    return r;
  }

 private:
  enum class echo_state : std::uint8_t { unsent, pending, answered, late, failed, send_failed };
  struct echo {
    reactor::deadline sent{};
    duration rtt{};
    std::uint64_t cookie = 0;
    std::uint16_t sequence = 0;
    bool claimed = false;
    std::string send_error;  // while state is send_failed
    echo_state state = echo_state::unsent;
  };
  struct settle_timer : reactor::timer_node {
    ping_run* run = nullptr;
  };

  // Claims a sequence number for echo `index`; false if none is left
  // (the echo then counts as failed).
  bool claim(std::uint32_t index) {
    echo& e = echoes_[index];
    // A reply counts until the last echo's timeout; one interval more
    // covers a late wake-up for the sends still to come.
    auto claimed =
        endpoint_.claim(*this, index, options_.payload_size,
                        options_.echo_timeout + (options_.count - static_cast<int>(index)) * options_.interval);
    ++sent_;
    e.sent = reactor::clock::now();
    if (!claimed) {
      // fping refuses the same way past 65,535 outstanding pings.
      e.state = echo_state::failed;
      note_error("not sent: 65,536 echoes already outstanding on the shared ICMP socket");
      return false;
    }
    e.sequence = claimed->sequence;
    e.cookie = claimed->cookie;
    e.claimed = true;
    // Before the send: on loopback the reply can be dispatched from inside it.
    e.state = echo_state::pending;
    ++unsettled_;
    return true;
  }

  // Sends the claimed echo `index`. False when the socket's send buffer is
  // full: wait for POLLOUT and call again. A plain function, not a
  // coroutine: a frame allocated and resumed per echo cost more than the
  // rare wait it was for.
  bool send(std::uint32_t index) {
    echo& e = echoes_[index];
    int rc = endpoint_.send(request_, icmp::endpoint::claimed{e.sequence, e.cookie}, target_);
    if (rc == -EAGAIN || rc == -EWOULDBLOCK) return false;
    if (rc < 0 && e.state == echo_state::pending) {
      // Not sent (EPERM is what a firewall's drop on the output hook looks
      // like). An ICMP error for it may still come and say more, so the
      // echo stays open until its timeout like an unanswered one.
      e.state = echo_state::send_failed;
      e.send_error = "send failed: " + std::system_category().message(-rc);
      note_error(e.send_error);
    }
    return true;
  }

  void settle_one() {
    if (--unsettled_ == 0 && sent_ == options_.count) settled_.set();
  }

  void forget_error(std::string const& text) {
    for (auto it = errors_.begin(); it != errors_.end(); ++it)
      if (it->first == text) {
        if (--it->second == 0) errors_.erase(it);
        return;
      }
  }

  void note_error(std::string const& text) {
    for (auto& [known, count] : errors_)
      if (known == text) {
        ++count;
        return;
      }
    errors_.emplace_back(text, 1);
  }

  icmp::endpoint& endpoint_;
  ping_options const& options_;
  reactor::socket_address target_;
  std::vector<echo> echoes_;
  std::vector<std::byte> request_;
  reactor::loop* loop_ = nullptr;
  reactor::event settled_;
  settle_timer all_settled_;
  int sent_ = 0, received_ = 0, duplicates_ = 0, late_ = 0, unsettled_ = 0;
  std::vector<std::pair<std::string, int>> errors_;
};

std::string check_spec(ping_spec const& spec) {
  ping_options const& o = *spec.options;
  if (spec.target.empty()) return "no target";
  if (o.count < 1) return "count must be at least 1";
  if (o.interval < duration::zero()) return "interval must not be negative";
  if (o.echo_timeout <= duration::zero()) return "timeout must be positive";
  if (o.payload_size > max_payload)
    return "payload size " + std::to_string(o.payload_size) + " exceeds " + std::to_string(max_payload);
  return {};
}

}  // namespace

reactor::task<run_result> run_ping(ping_spec const& spec, job_context& ctx) {
  run_result out;
  out.kind = "ping";
  ping_result& details = out.details.emplace<ping_result>();
  out.result = outcome::failure;

  if (std::string bad = check_spec(spec); !bad.empty()) {
    out.message = "ping " + spec.target + ": " + bad;
    co_return out;
  }
  resolution found = resolve(spec.target, spec.options->ip, /*numeric_only=*/true);
  if (found.is_name && lookups_in_progress.load() >= most_lookups_at_once) {
    out.message = "cannot resolve \"" + spec.target + "\": " + std::to_string(most_lookups_at_once) +
                  " name lookups are already waiting for the resolver";
    co_return out;
  }
  if (found.is_name) {
    auto look_up = [name = spec.target, ip = spec.options->ip, slot = lookup_slot()] {
      return resolve(name, ip, false);
    };
    found = co_await reactor::to_thread(std::move(look_up));  // named: see to_thread.hpp
  }
  auto const& target = found.address;
  if (!target) {
    out.message = found.error;
    co_return out;
  }
  icmp_service::impl& service = *ctx.icmp.impl_;
  auto endpoint = service.endpoint_for(target->family());
  if (!endpoint) {
    details.resolved_address = target->ip();  // otherwise the run's result() writes it
    out.message = std::move(endpoint.error());
    co_return out;
  }

  ping_run run(**endpoint, spec, *target);
  co_await run.run(ctx.loop);
  details = run.result();

  // Written only for a run that did not succeed (a success has no message):
  // a dozen allocations and four printf calls per run otherwise.
  auto summary = [&details, &service] {
    std::string s = std::to_string(details.received) + "/" + std::to_string(details.sent) + " replies from " +
                    details.resolved_address;
    if (details.late) s += ", " + std::to_string(details.late) + " late";
    if (details.duplicates) s += ", " + std::to_string(details.duplicates) + " duplicates";
    for (std::string const& e : details.errors) s += "; " + e;
    if (!details.rtts.empty())
      s += "; rtt min/avg/max/stddev " + milliseconds(details.rtt_min) + " / " + milliseconds(details.rtt_avg) + " / " +
           milliseconds(details.rtt_max) + " / " + milliseconds(details.rtt_stddev);
    // Checked at the end, not the start: the owner may spawn serve() and the
    // first runs in the same pass, and serve() starts a pass later.
    if (!service.serving && details.received == 0 && details.late == 0)
      s += "; icmp_service::serve() is not running, so no reply could be read";
    return s;
  };
  if (details.sent > 0 && details.received == details.sent)
    out.result = outcome::success;
  else if (details.received > 0)
    out.result = outcome::degraded;
  else
    out.result = outcome::failure;
  if (out.result != outcome::success) out.message = summary();
  apply_bars(spec, out);
  co_return out;
}

namespace {

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

}  // namespace

void apply_bars(ping_spec const& spec, run_result& r) {
  auto const* p = std::get_if<ping_result>(&r.details);
  if (!p) return;
  // With a loss bar of its own, the job's bar decides partial loss: within
  // it is not a degradation, over it the run names the bar.
  bool loss_bar_decides =
      r.result == outcome::degraded && spec.options->degraded_if.loss_over_percent && p->received > 0;
  if (loss_bar_decides && p->loss_percent <= *spec.options->degraded_if.loss_over_percent) {
    r.result = outcome::success;
    r.message.clear();
  }
  if (r.result != outcome::success && r.result != outcome::degraded) return;
  if (check_ping(spec.options->failed_if, *p, r, outcome::failure, "failed_if")) return;
  if (r.result == outcome::success || loss_bar_decides)
    check_ping(spec.options->degraded_if, *p, r, outcome::degraded, "degraded_if");
}

void observe_ping(ping_result const& r, std::span<histogram> own) noexcept {
  for (duration rtt : r.rtts) own[0].observe(rtt);
}

}  // namespace jobs
