#include "job_record.hpp"

#include <array>
#include <optional>
#include <utility>
#include <variant>

namespace jobs {

namespace {

// The record of a job of the kind at `Kind` in kind_spec: exactly that
// kind's result and histograms.
template <std::size_t Kind>
struct record_of final : job_record {
  using spec = std::variant_alternative_t<Kind, kind_spec>;
  static constexpr std::size_t details_index = Kind + 1;  // kind_result: monostate first
  static_assert(std::is_same_v<std::variant_alternative_t<details_index, kind_result>, typename spec::result>);

  std::optional<typename spec::result> details_;  // none: the run timed out or was cancelled before its kind said
  std::array<histogram, histogram_count<spec>()> h_{};

  std::size_t kind() const noexcept override { return Kind; }
  std::span<histogram> histograms() noexcept override { return h_; }
  std::span<histogram const> histograms() const noexcept override { return h_; }
  void keep_details(kind_result&& d) noexcept override {
    if (auto* mine = std::get_if<details_index>(&d))
      details_ = std::move(*mine);
    else
      details_.reset();
  }
  kind_result details() const override {
    kind_result out;
    if (details_) out.template emplace<details_index>(*details_);
    return out;
  }
};

}  // namespace

std::unique_ptr<job_record> job_record::make(std::size_t kind) {
  std::unique_ptr<job_record> out;
  [&]<std::size_t... K>(std::index_sequence<K...>) {
    ((K == kind ? (out = std::make_unique<record_of<K>>(), true) : false) || ...);
  }
  (std::make_index_sequence<kind_count>{});
  return out;
}

void job_record::keep(run_result&& r) {
  scheduled_ = r.scheduled;
  started_ = r.started;
  took_ = r.took;
  result_ = r.result;
  message_size_ = static_cast<std::uint32_t>(r.message.size());
  if (r.condition.empty()) {
    text_ = std::move(r.message);
  } else {
    text_.assign(r.message);
    text_ += r.condition;
  }
  keep_details(std::move(r.details));
}

run_result job_record::last(job_spec const& job) const {
  std::string_view text = text_;
  return run_result{job.name,
                    kind_name(job.kind),
                    job.labels,
                    scheduled_,
                    started_,
                    started_ - scheduled_,
                    took_,
                    result_,
                    std::string(text.substr(0, message_size_)),
                    std::string(text.substr(message_size_)),
                    details()};
}

run_histograms job_record::histograms_copy() const {
  return run_histograms(kind(), histograms());
}

}  // namespace jobs
