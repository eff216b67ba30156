#include "job_record.hpp"

#include <array>
#include <optional>
#include <utility>
#include <variant>

#include "kinds_detail.hpp"

namespace jobs {

namespace {

// The record of a job of the kind at `Kind` in kind_spec: exactly that
// kind's result and histograms, after the common fields.
template <std::size_t Kind>
struct record_of final : job_record {
  using spec = std::variant_alternative_t<Kind, kind_spec>;
  static constexpr std::size_t details_index = Kind + 1;  // kind_result: monostate first
  static_assert(std::is_same_v<std::variant_alternative_t<details_index, kind_result>, typename spec::result>);

  record_of() noexcept : job_record(static_cast<std::uint8_t>(Kind)) {}

  std::optional<typename spec::result> details_;  // none: the run timed out or was cancelled before its kind said
  std::array<histogram, histogram_count<spec>()> h_{};

  void keep_details(kind_result&& d) noexcept {
    if (auto* mine = std::get_if<details_index>(&d))
      details_ = std::move(*mine);
    else
      details_.reset();
  }
  kind_result details() const {
    kind_result out;
    if (details_) out.template emplace<details_index>(*details_);
    return out;
  }
};

// Calls f(std::integral_constant<std::size_t, K>) for K == kind.
template <class F>
void with_kind(std::size_t kind, F&& f) {
  detail::with_index<kind_count>(kind, std::forward<F>(f));
}

}  // namespace

static_assert(kind_count <= 256, "job_record keeps the kind in a byte");

void job_record::deleter::operator()(job_record* r) const noexcept {
  with_kind(r->kind_, [r](auto k) { delete static_cast<record_of<decltype(k)::value>*>(r); });
}

job_record::pointer job_record::make(std::size_t kind) {
  pointer out;
  with_kind(kind, [&out](auto k) { out.reset(new record_of<decltype(k)::value>()); });
  return out;
}

void job_record::observe(run_result const& r) noexcept {
  with_kind(kind_, [&](auto k) { observe_run(k(), r, static_cast<record_of<decltype(k)::value>&>(*this).h_); });
}

void job_record::keep(run_result&& r) {
  scheduled_ = r.scheduled;
  started_ = r.started;
  took_ = r.took;
  result_ = static_cast<std::uint8_t>(r.result);
  message_size_ = static_cast<std::uint32_t>(r.message.size());
  if (r.condition.empty()) {
    text_ = std::move(r.message);
  } else {
    text_.assign(r.message);
    text_ += r.condition;
  }
  with_kind(kind_,
            [&](auto k) { static_cast<record_of<decltype(k)::value>&>(*this).keep_details(std::move(r.details)); });
}

run_result job_record::last(job_spec const& job) const {
  std::string_view text = text_;
  kind_result details;
  with_kind(kind_, [&](auto k) { details = static_cast<record_of<decltype(k)::value> const&>(*this).details(); });
  return run_result{job.name,
                    kind_name(job.kind),
                    job.labels,
                    scheduled_,
                    started_,
                    started_ - scheduled_,
                    took_,
                    static_cast<outcome>(result_),
                    std::string(text.substr(0, message_size_)),
                    std::string(text.substr(message_size_)),
                    std::move(details)};
}

run_histograms job_record::histograms_copy() const {
  run_histograms out;
  with_kind(kind_,
            [&](auto k) { out = run_histograms(k(), static_cast<record_of<decltype(k)::value> const&>(*this).h_); });
  return out;
}

}  // namespace jobs
