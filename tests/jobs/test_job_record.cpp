// job_record: what the scheduler keeps of a job's runs for status() (the
// last result and the histograms, in one block sized for the job's kind)
// gives back what it was given.
#include <gtest/gtest.h>

#include "job_record.hpp"
#include "jobs/histogram.hpp"

using namespace std::chrono_literals;
using jobs::outcome;
using jobs::run_result;

namespace {

jobs::job_spec spec_of(jobs::kind_spec kind) {
  jobs::job_spec j;
  j.name = "web";
  j.labels = {{"team", "ops"}};
  j.kind = std::move(kind);
  return j;
}

run_result failed_fetch() {
  run_result r;
  r.kind = "fetch";
  r.scheduled = reactor::deadline(10s);
  r.started = reactor::deadline(10s + 3ms);
  r.lateness = 3ms;
  r.took = 40ms;
  r.result = outcome::failure;
  r.message = "first byte after 35 ms, over 30 ms (failed_if.first_byte_over)";
  r.condition = "failed_if.first_byte_over";
  auto& f = r.details.emplace<jobs::fetch_result>();
  f.status = 200;
  f.connect = 1ms;
  f.first_byte = 35ms;
  return r;
}

}  // namespace

TEST(JobRecord, LastResultComesBackWithTheSpecsNameKindAndLabelsAndMessageAndConditionApart) {
  auto spec = spec_of(jobs::fetch_spec{"http://127.0.0.1:1/", {}});
  auto rec = jobs::job_record::make(spec.kind.index());
  run_result r = failed_fetch();
  run_result expected = r;
  rec->observe(r);
  rec->keep(std::move(r));

  run_result last = rec->last(spec);
  EXPECT_EQ(last.job, "web");
  EXPECT_EQ(last.kind, "fetch");
  EXPECT_EQ(last.labels, spec.labels);
  EXPECT_EQ(last.scheduled, expected.scheduled);
  EXPECT_EQ(last.started, expected.started);
  EXPECT_EQ(last.lateness, 3ms);
  EXPECT_EQ(last.took, 40ms);
  EXPECT_EQ(last.result, outcome::failure);
  EXPECT_EQ(last.message, expected.message);
  EXPECT_EQ(last.condition, "failed_if.first_byte_over");
  auto const* f = std::get_if<jobs::fetch_result>(&last.details);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->status, 200);
  EXPECT_EQ(f->first_byte, 35ms);

  auto h = rec->histograms_copy();
  ASSERT_NE(h.find(jobs::series::run_duration), nullptr);
  EXPECT_EQ(h.find(jobs::series::run_duration)->count(), 1u);
  ASSERT_NE(h.find(jobs::fetch_series::first_byte), nullptr);
  EXPECT_EQ(h.find(jobs::fetch_series::first_byte)->count(), 1u);
  EXPECT_EQ(h.find(jobs::ping_series::rtt), nullptr);
}

TEST(JobRecord, ARunWithoutDetailsOrConditionReplacesAllOfThePreviousOne) {
  auto spec = spec_of(jobs::fetch_spec{"http://127.0.0.1:1/", {}});
  auto rec = jobs::job_record::make(spec.kind.index());
  rec->keep(failed_fetch());
  run_result timed_out;
  timed_out.kind = "fetch";
  timed_out.result = outcome::timeout;
  timed_out.message = "no result within the 10 s deadline";
  rec->observe(timed_out);
  rec->keep(std::move(timed_out));

  run_result last = rec->last(spec);
  EXPECT_EQ(last.result, outcome::timeout);
  EXPECT_EQ(last.message, "no result within the 10 s deadline");
  EXPECT_EQ(last.condition, "");
  EXPECT_TRUE(std::holds_alternative<std::monostate>(last.details));
  auto h = rec->histograms_copy();
  EXPECT_EQ(h.find(jobs::series::run_duration)->count(), 1u) << "observed once: the first run only kept";
  EXPECT_EQ(h.find(jobs::fetch_series::first_byte)->count(), 0u);
}

TEST(JobRecord, ACountdownKeepsItsTicksAndOnlyTheTwoCommonHistograms) {
  auto spec = spec_of(jobs::countdown_spec{3, 10ms});
  auto rec = jobs::job_record::make(spec.kind.index());
  run_result r;
  r.kind = "countdown";
  r.took = 30ms;
  r.message = "";
  r.details.emplace<jobs::countdown_result>().ticks = 3;
  rec->observe(r);
  rec->keep(std::move(r));
  run_result last = rec->last(spec);
  ASSERT_TRUE(std::holds_alternative<jobs::countdown_result>(last.details));
  EXPECT_EQ(std::get<jobs::countdown_result>(last.details).ticks, 3);
  EXPECT_EQ(last.message, "");
  EXPECT_EQ(last.condition, "");
  auto h = rec->histograms_copy();
  EXPECT_EQ(h.find(jobs::series::lateness)->count(), 1u);
  EXPECT_EQ(h.find(jobs::fetch_series::connect), nullptr);
  EXPECT_EQ(h.find(jobs::ping_series::rtt), nullptr);
  EXPECT_LE(h.heap_bytes(), 2 * sizeof(jobs::histogram) + sizeof(void*));
}
