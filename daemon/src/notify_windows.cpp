// service_notifier on Windows: no systemd, no sd_notify. Under the Service
// Control Manager (`reactord --service`) readiness and stopping become the
// service's states (windows_service.hpp); in a console nothing is sent. The
// SCM has no watchdog and no free-text status, so those do nothing.
#include "notify.hpp"
#include "reactor/event.hpp"
#include "windows_service.hpp"

namespace reactord {

void service_notifier::send(std::string const&) {}
void service_notifier::ready(std::string const&) {
  windows_service::report_running();
}
void service_notifier::reloading(std::uint64_t) {}
void service_notifier::stopping(std::string const&) {
  windows_service::report_stopping();
}
void service_notifier::status(std::string const&) {}
void service_notifier::watchdog() {}
void service_notifier::shutdown_grace(reactor::clock::duration grace) {
  windows_service::set_shutdown_grace(std::chrono::duration_cast<std::chrono::milliseconds>(grace));
}

std::optional<reactor::clock::duration> service_notifier::watchdog_period() {
  return std::nullopt;
}

reactor::task<void> watchdog_loop(service_notifier&, reactor::clock::duration) {
  reactor::event never;  // watchdog_period() is empty, so this never runs
  co_await never.wait();
}

}  // namespace reactord
