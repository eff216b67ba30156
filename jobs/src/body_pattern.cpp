#include "jobs/body_pattern.hpp"

#include <re2/re2.h>

#include <stdexcept>
#include <utility>

namespace jobs {

std::variant<body_pattern, std::string> body_pattern::compile(std::string source) {
  if (source.size() > max_source_bytes)
    return "the pattern is " + std::to_string(source.size()) + " bytes long, over the limit of " +
           std::to_string(max_source_bytes);
  RE2::Options options;
  options.set_log_errors(false);  // the error is returned, not printed to stderr
  options.set_max_mem(max_memory_bytes);
  options.set_never_capture(true);  // only "does it match" is asked
  auto compiled = std::make_shared<RE2 const>(source, options);
  if (!compiled->ok()) {
    // RE2 says "pattern too large - compile failed" when max_mem is passed.
    if (compiled->error_code() == RE2::ErrorPatternTooLarge)
      return "the pattern compiles to more than the limit of " + std::to_string(max_memory_bytes >> 20) + " MiB (" +
             compiled->error() + ")";
    return compiled->error();
  }
  if (int size = compiled->ProgramSize(); size > max_program_size)
    return "the pattern compiles to " + std::to_string(size) + " instructions, over the limit of " +
           std::to_string(max_program_size);
  return body_pattern(std::move(source), std::move(compiled));
}

body_pattern::body_pattern(std::string source) {
  auto p = compile(std::move(source));
  if (auto* why = std::get_if<std::string>(&p)) throw std::invalid_argument(*why);
  *this = std::move(std::get<body_pattern>(p));
}

body_pattern::body_pattern(std::string source, std::shared_ptr<RE2 const> compiled)
    : source_(std::move(source)), compiled_(std::move(compiled)), busy_(std::make_shared<std::atomic<bool>>(false)) {}

std::optional<body_pattern::claim> body_pattern::try_claim() const {
  if (busy_->exchange(true)) return std::nullopt;
  return claim(busy_);
}

bool body_pattern::found_in(std::string_view text) const {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *compiled_);
}

}  // namespace jobs
