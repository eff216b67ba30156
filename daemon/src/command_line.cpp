#include "command_line.hpp"

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "system_paths.hpp"

#ifndef REACTORD_VERSION
#define REACTORD_VERSION "unknown"
#endif

namespace reactord {

std::variant<command_line, int> parse_command_line(int argc, char** argv) {
  command_line c;
  CLI::App app("reactord: periodic ping, fetch and countdown jobs on an io_uring/epoll reactor", "reactord");
  app.set_version_flag("--version", std::string("reactord ") + REACTORD_VERSION);

  std::string config, positional;
  app.add_option("--config,-c", config,
                 "The YAML job file (default: " + system_job_file() + " if it exists, else a built-in one)");
  app.add_option("file", positional, "Same as --config FILE");
  app.add_flag("--check", c.check, "Validate the job file, print every error, exit 0 or 2");
  app.add_flag("--once", c.once, "Run every job once, log the results, exit 0 if all succeeded, else 1");

  std::string backend = "auto", format = "text";
  std::vector<std::string> backends{"auto"};
  for (auto kind : reactor::available_backends()) backends.emplace_back(reactor::to_string(kind));
  app.add_option("--backend", backend, "Reactor backend: auto or one this build has")
      ->check(CLI::IsMember(backends))
      ->default_str("auto");
  app.add_option("--log-format", format, "Log lines as text or as JSON objects")
      ->check(CLI::IsMember({"text", "json"}))
      ->default_str("text");
  app.add_option("--log-file", c.log_file, "Log to this file (rotated at 10 MiB, 5 kept) instead of stdout")
      ->check(CLI::Validator(
          [](std::string& file) -> std::string {
            // A typo in the directory is an error, not a directory made
            // somewhere unexpected (spdlog would create it).
            std::filesystem::path dir = std::filesystem::path(file).parent_path();
            if (dir.empty()) dir = ".";
            std::error_code ec;
            if (!std::filesystem::is_directory(dir, ec))
              return "the directory " + dir.string() + " does not exist (reactord does not create it)";
            return {};
          },
          "FILE in an existing directory"));
  app.add_option("--log-level", c.log_level, "trace, debug, info, warn, error, critical or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->default_str("info");
#if defined(_WIN32)
  app.add_flag("--service", c.service,
               "Run as a Windows service (the Service Control Manager starts it so; logs go to " + service_log_file() +
                   " unless --log-file says otherwise)");
#endif
  std::size_t n = 0;
  auto* schedule = app.add_option("--print-schedule", n, "Print the next N run instants of each job, then exit")
                       ->check(CLI::Range(std::size_t(1), std::size_t(10000)));
  int reload_pid = 0;
  auto* reload = app.add_option("--reload", reload_pid,
                                "Signal the daemon PID to reload its job file and wait for its verdict: exit 0 "
                                "if applied, 1 if rejected (the reason on stderr). The unit's ExecReload");
  app.add_option("--runtime-dir", c.runtime_dir,
                 "Where the daemon writes its reload verdicts (default: $RUNTIME_DIRECTORY, set by systemd)");
  try {
    app.parse(argc, argv);
  } catch (CLI::ParseError const& e) {
    return app.exit(e) == 0 ? exit_ok : exit_usage;
  }
  if (!config.empty() && !positional.empty()) {
    std::cerr << "reactord: give the job file once, either as --config FILE or as FILE\n";
    return exit_usage;
  }
  if (!config.empty()) c.config = config;
  if (!positional.empty()) c.config = positional;
  if (*schedule) c.print_schedule = n;
  if (*reload) c.reload_pid = reload_pid;
  if (c.runtime_dir.empty())
    if (char const* d = std::getenv("RUNTIME_DIRECTORY"); d && *d) {
      // systemd sets a colon-separated list when RuntimeDirectory= names several.
      std::string all = d;
      c.runtime_dir = all.substr(0, all.find(':'));
    }
  c.backend = backend == "auto" ? reactor::backend_kind::automatic : *reactor::parse_backend_kind(backend);
  c.format = format == "json" ? log_format::json : log_format::text;
  return c;
}

}  // namespace reactord
