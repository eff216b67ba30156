// The Service Control Manager side of `reactord --service` (the rules are in
// windows_service.hpp).
//
// StartServiceCtrlDispatcherW connects this process to the SCM and calls
// service_main on a thread of its own; the control handler runs on the
// dispatcher's thread (the process's main thread), so it only hands a
// signal to the daemon and answers at once, as the SCM expects.
// First: it brings winsock2.h, which must come before windows.h.
#include "reactor/signal.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <utility>

#include "windows_service.hpp"

namespace reactord::windows_service {

namespace {

std::function<int()> service_body;
std::mutex status_mutex;  // service_main's thread and the handler's both report
SERVICE_STATUS_HANDLE status_handle = nullptr;
SERVICE_STATUS status{};
int exit_status = 1;
// STOP_PENDING's wait hint: set_shutdown_grace() from the daemon's thread,
// read by the control handler on the dispatcher's.
std::atomic<DWORD> stop_wait_hint_ms{30'000};

void report(DWORD state, DWORD wait_hint_ms = 0) {
  std::lock_guard lock(status_mutex);
  if (!status_handle) return;
  status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  status.dwCurrentState = state;
  status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN | SERVICE_ACCEPT_PARAMCHANGE : 0;
  status.dwWaitHint = wait_hint_ms;
  // The SCM reads a pending state that makes progress by its checkpoint.
  status.dwCheckPoint = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING ? status.dwCheckPoint + 1 : 0;
  ::SetServiceStatus(status_handle, &status);
}

DWORD WINAPI on_control(DWORD control, DWORD, void*, void*) {
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN:
      report(SERVICE_STOP_PENDING, stop_wait_hint_ms);
      reactor::signal_source::deliver(SIGTERM);
      return NO_ERROR;
    case SERVICE_CONTROL_PARAMCHANGE:
    case reload_control: reactor::signal_source::deliver(SIGHUP); return NO_ERROR;
    case SERVICE_CONTROL_INTERROGATE: return NO_ERROR;
    default: return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

void WINAPI service_main(DWORD, LPWSTR*) {
  {
    std::lock_guard lock(status_mutex);
    // The name is ignored for a service that has its process to itself.
    status_handle = ::RegisterServiceCtrlHandlerExW(L"reactord", on_control, nullptr);
  }
  if (!status_handle) return;
  report(SERVICE_START_PENDING, 30'000);
  exit_status = service_body();
  std::lock_guard lock(status_mutex);
  status.dwCurrentState = SERVICE_STOPPED;
  status.dwControlsAccepted = 0;
  status.dwCheckPoint = 0;
  status.dwWaitHint = 0;
  status.dwWin32ExitCode = exit_status == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  status.dwServiceSpecificExitCode = static_cast<DWORD>(exit_status);
  ::SetServiceStatus(status_handle, &status);
}

}  // namespace

int run(std::function<int()> body) {
  service_body = std::move(body);
  wchar_t name[] = L"reactord";
  SERVICE_TABLE_ENTRYW table[] = {{name, service_main}, {nullptr, nullptr}};
  if (!::StartServiceCtrlDispatcherW(table)) {
    DWORD e = ::GetLastError();
    if (e == ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
      std::fprintf(stderr, "reactord: --service is for the Service Control Manager; run without it in a console\n");
    else
      std::fprintf(stderr, "reactord: cannot connect to the Service Control Manager (error %lu)\n", e);
    return 1;
  }
  return exit_status;
}

void report_running() {
  report(SERVICE_RUNNING);
}
void report_stopping() {
  report(SERVICE_STOP_PENDING, stop_wait_hint_ms);
}

void set_shutdown_grace(std::chrono::milliseconds grace) {
  auto hint = grace + stop_margin;
  // DWORD milliseconds: about 49 days, far beyond any configured grace.
  stop_wait_hint_ms = static_cast<DWORD>(std::min<std::chrono::milliseconds::rep>(hint.count(), 0xFFFF'FFFF));
}

}  // namespace reactord::windows_service
