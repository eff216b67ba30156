// The command line (CLI11):
//   reactord [--config FILE] [--check] [--once] [--backend auto|io_uring|epoll]
//            [--log-format text|json] [--log-file PATH] [--log-level LEVEL]
//            [--print-schedule N] [--version] [--help] [FILE]
// A bare FILE is the same as --config FILE, so `reactord --check FILE` works.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <variant>

#include "log.hpp"
#include "reactor/loop.hpp"

namespace reactord {

struct command_line {
  std::optional<std::string> config;
  bool check = false;
  bool once = false;
  reactor::backend_kind backend = reactor::backend_kind::automatic;
  log_format format = log_format::text;
  std::string log_file;
  std::string log_level = "info";
  std::optional<std::size_t> print_schedule;
};

// The options, or the exit status to leave with (after --help, --version,
// or a usage error, which CLI11 has already printed).
std::variant<command_line, int> parse_command_line(int argc, char** argv);

}  // namespace reactord
