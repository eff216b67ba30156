#include "jobs/body_pattern.hpp"

#include <re2/re2.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace jobs {

struct body_pattern::compiled {
  compiled(std::string text, RE2::Options const& options) : source(std::move(text)), re(source, options) {}
  std::string const source;
  RE2 const re;
  std::atomic<bool> busy{false};  // a claim lives
};

expected<body_pattern> body_pattern::compile(std::string source) {
  if (source.size() > max_source_bytes)
    return unexpected("the pattern is " + std::to_string(source.size()) + " bytes long, over the limit of " +
                      std::to_string(max_source_bytes));
  RE2::Options options;
  options.set_log_errors(false);  // the error is returned, not printed to stderr
  options.set_max_mem(max_memory_bytes);
  options.set_never_capture(true);  // only "does it match" is asked
  auto c = std::make_shared<compiled>(std::move(source), options);
  if (!c->re.ok()) {
    // RE2 says "pattern too large - compile failed" when max_mem is passed.
    if (c->re.error_code() == RE2::ErrorPatternTooLarge)
      return unexpected("the pattern compiles to more than the limit of " + std::to_string(max_memory_bytes >> 20) +
                        " MiB (" + c->re.error() + ")");
    return unexpected(c->re.error());
  }
  if (int size = c->re.ProgramSize(); size > max_program_size)
    return unexpected("the pattern compiles to " + std::to_string(size) + " instructions, over the limit of " +
                      std::to_string(max_program_size));
  return body_pattern(std::move(c));
}

body_pattern::body_pattern(std::string source) {
  auto p = compile(std::move(source));
  if (!p) throw std::invalid_argument(p.error());
  *this = std::move(*p);
}

std::string const& body_pattern::source() const noexcept {
  static std::string const none;  // a moved-from pattern
  return compiled_ ? compiled_->source : none;
}

std::optional<body_pattern::claim> body_pattern::try_claim() const {
  if (compiled_->busy.exchange(true)) return std::nullopt;
  return claim(std::shared_ptr<std::atomic<bool>>(compiled_, &compiled_->busy));
}

bool body_pattern::found_in(std::string_view text) const {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), compiled_->re);
}

}  // namespace jobs
