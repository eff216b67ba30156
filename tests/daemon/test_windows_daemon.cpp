// reactord.exe end to end on Windows (under wine in CI): a real job file
// with one job of each kind (countdown, ping 127.0.0.1, a fetch from a
// server on loopback), its log lines, /metrics, and then the two ways a
// Windows daemon is stopped and reloaded: Ctrl-Break in a console, and the
// Service Control Manager's stop and parameter-change controls.
#include <random>

#include "support/loopback_http_server.hpp"
#include "windows_daemon.hpp"
#include "windows_service.hpp"

using namespace std::chrono_literals;

namespace {

std::string job_file_text(loopback_http_server const& server, std::string const& extra_jobs = "") {
  return R"(daemon:
  status_listen: 127.0.0.1:0
  shutdown_grace: 10s
jobs:
  - { name: count, kind: countdown, from: 2, tick: 50ms, every: 1s }
  - { name: ping4, kind: ping, target: 127.0.0.1, ip: 4, count: 2, interval: 50ms, every: 2s }
  - { name: fetch, kind: fetch, url: ")" +
         server.url("/") + R"(", body_contains: loopback, every: 1s }
)" + extra_jobs;
}

// Each kind ran and succeeded, in the log.
void expect_every_kind_succeeds(log_file_lines& log) {
  EXPECT_TRUE(log.wait_for("result job=count kind=countdown outcome=success")) << log.all();
  EXPECT_TRUE(log.wait_for("result job=ping4 kind=ping outcome=success")) << log.all();
  EXPECT_TRUE(log.wait_for("result job=fetch kind=fetch outcome=success")) << log.all();
}

}  // namespace

TEST(WindowsDaemon, Console_RunsEveryKind_ServesMetricsAndHealthz) {
  temp_dir dir;
  loopback_http_server server;
  auto jobs = dir.write("jobs.yaml", job_file_text(server));
  log_file_lines log(dir.file("reactord.log"));
  windows_daemon d({"--config", jobs, "--log-file", dir.file("reactord.log")});

  auto listening = log.wait_for("status endpoint listening");
  ASSERT_TRUE(listening) << log.all();
  std::uint16_t port = port_in(log.lines()[*listening]);
  ASSERT_NE(port, 0) << log.lines()[*listening];
  auto first = log.lines().at(0);
  EXPECT_NE(first.find("backend=iocp"), std::string::npos) << first;
  expect_every_kind_succeeds(log);

  std::string metrics = http_get(port, "/metrics");
  EXPECT_NE(metrics.find("200 OK"), std::string::npos) << metrics;
  for (char const* job : {"count", "ping4", "fetch"})
    EXPECT_NE(metrics.find(std::string("=\"") + job + "\""), std::string::npos) << job << "\n" << metrics;
  EXPECT_NE(metrics.find("reactord_process_resident_memory_bytes"), std::string::npos) << metrics;
  EXPECT_NE(http_get(port, "/healthz").find("200 OK"), std::string::npos);
}

TEST(WindowsDaemon, Console_CtrlBreakStopsGracefully) {
  temp_dir dir;
  auto jobs = dir.write("jobs.yaml", R"(daemon: { status_listen: off, shutdown_grace: 20s }
jobs:
  - { name: slow, kind: countdown, from: 3, tick: 200ms, every: 1h }
)");
  log_file_lines log(dir.file("reactord.log"));
  windows_daemon d({"--config", jobs, "--log-file", dir.file("reactord.log")});
  ASSERT_TRUE(log.wait_for("event job=slow event=T-3")) << log.all();
  if (!d.ctrl_break()) {
    DWORD e = ::GetLastError();
    if (e == ERROR_INVALID_ACCESS && ::GetProcAddress(::GetModuleHandleA("ntdll.dll"), "wine_get_version"))
      GTEST_SKIP() << "wine 8.0 refuses GenerateConsoleCtrlEvent (ERROR_INVALID_ACCESS: its console is not a real "
                      "one); the service test stops the daemon through the same signal_source and drain";
    FAIL() << "GenerateConsoleCtrlEvent: " << e;
  }
  EXPECT_EQ(d.wait_exit(), 0) << log.all();
  auto stopping = log.wait_for("stopping", 1s);
  auto result = log.wait_for("result job=slow kind=countdown outcome=success", 1s);
  ASSERT_TRUE(stopping && result) << log.all();
  EXPECT_LT(*stopping, *result);
  EXPECT_NE(log.lines()[*stopping].find("signal=TERM"), std::string::npos) << log.lines()[*stopping];
  EXPECT_TRUE(log.wait_for("stopped", 1s, *result)) << log.all();
}

// The service mode through the real Service Control Manager: installed,
// started, reloaded by SERVICE_CONTROL_PARAMCHANGE and by the named control
// (128), stopped with a graceful drain (the SCM told to wait for the
// grace), removed.
class WindowsService : public ::testing::Test {
 protected:
  void SetUp() override {
    scm_ = ::OpenSCManagerA(nullptr, nullptr, SC_MANAGER_ALL_ACCESS);
    ASSERT_NE(scm_, nullptr) << "OpenSCManager: " << ::GetLastError();
  }
  void TearDown() override {
    if (service_) {
      SERVICE_STATUS s;
      ::ControlService(service_, SERVICE_CONTROL_STOP, &s);
      wait_state(SERVICE_STOPPED, 30s);
      ::DeleteService(service_);
      ::CloseServiceHandle(service_);
    }
    if (scm_) ::CloseServiceHandle(scm_);
  }
  void install(std::string const& command_line) {
    std::random_device random;
    std::string name = "reactord-test-" + std::to_string(random() % 1000000);
    service_ = ::CreateServiceA(scm_, name.c_str(), name.c_str(), SERVICE_ALL_ACCESS, SERVICE_WIN32_OWN_PROCESS,
                                SERVICE_DEMAND_START, SERVICE_ERROR_NORMAL, command_line.c_str(), nullptr, nullptr,
                                nullptr, nullptr, nullptr);
    ASSERT_NE(service_, nullptr) << "CreateService: " << ::GetLastError();
  }
  // The service's state once it is `wanted` or `timeout` passed.
  SERVICE_STATUS wait_state(DWORD wanted, std::chrono::milliseconds timeout) {
    SERVICE_STATUS s{};
    auto until = std::chrono::steady_clock::now() + timeout;
    while (::QueryServiceStatus(service_, &s) && s.dwCurrentState != wanted && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(50ms);
    return s;
  }
  bool control(DWORD code) {
    SERVICE_STATUS s;
    return ::ControlService(service_, code, &s);
  }

  SC_HANDLE scm_ = nullptr;
  SC_HANDLE service_ = nullptr;
};

TEST_F(WindowsService, StartsReloadsOnParamChangeAndNamedControl_DrainsOnStop) {
  temp_dir dir;
  loopback_http_server server;
  auto jobs = dir.write("jobs.yaml", job_file_text(server));
  auto log_path = dir.file("service.log");
  log_file_lines log(log_path);
  install("\"" + std::string(REACTORD_BINARY) + "\" --service --config \"" + jobs + "\" --log-file \"" + log_path +
          "\"");
  ASSERT_TRUE(::StartServiceA(service_, 0, nullptr)) << "StartService: " << ::GetLastError();
  EXPECT_EQ(wait_state(SERVICE_RUNNING, 30s).dwCurrentState, DWORD{SERVICE_RUNNING});
  ASSERT_TRUE(log.wait_for("ready")) << log.all();
  expect_every_kind_succeeds(log);

  // A job more, then a reload by parameter change; one more, by control 128.
  dir.write("jobs.yaml", job_file_text(server, "  - { name: later, kind: countdown, from: 0, every: 1h }\n"));
  ASSERT_TRUE(control(SERVICE_CONTROL_PARAMCHANGE)) << ::GetLastError();
  auto first_reload = log.wait_for("reload: 1 added, 0 changed, 0 removed, 3 unchanged");
  ASSERT_TRUE(first_reload) << log.all();
  dir.write("jobs.yaml", job_file_text(server,
                                       "  - { name: later, kind: countdown, from: 0, every: 1h }\n"
                                       "  - { name: latest, kind: countdown, from: 5, tick: 200ms, every: 1h }\n"));
  ASSERT_TRUE(control(reactord::windows_service::reload_control)) << ::GetLastError();
  EXPECT_TRUE(log.wait_for("reload: 1 added, 0 changed, 0 removed, 4 unchanged", 30s, *first_reload)) << log.all();
  // Stopped with a run in flight: it finishes within the grace, then the
  // service stops.
  ASSERT_TRUE(log.wait_for("event job=latest event=T-5")) << log.all();
  // STOP_PENDING asks the SCM to wait for the job file's grace (10 s), and
  // the margin; the control handler says so at once.
  SERVICE_STATUS stop_pending{};
  ASSERT_TRUE(::ControlService(service_, SERVICE_CONTROL_STOP, &stop_pending)) << ::GetLastError();
  EXPECT_EQ(stop_pending.dwCurrentState, DWORD{SERVICE_STOP_PENDING});
  EXPECT_EQ(stop_pending.dwWaitHint,
            DWORD(std::chrono::milliseconds(10s + reactord::windows_service::stop_margin).count()));
  SERVICE_STATUS stopped = wait_state(SERVICE_STOPPED, 30s);
  EXPECT_EQ(stopped.dwCurrentState, DWORD{SERVICE_STOPPED});
  EXPECT_EQ(stopped.dwWin32ExitCode, DWORD{NO_ERROR});
  auto stopping = log.wait_for("stopping", 1s);
  auto result = log.wait_for("result job=latest kind=countdown outcome=success", 1s);
  ASSERT_TRUE(stopping && result) << log.all();
  EXPECT_LT(*stopping, *result);
  EXPECT_NE(log.lines()[*stopping].find("signal=TERM"), std::string::npos) << log.lines()[*stopping];
  EXPECT_TRUE(log.wait_for("stopped", 1s, *result)) << log.all();
}
