// Every test that drives a loop runs once per backend this machine can run
// (reactor, jobs and daemon suites alike):
//   class X : public on_each_backend {};  TEST_P(X, ...) { loop& l = this->l(); }
//   REACTORD_ON_EACH_BACKEND(X);
// The test names end in the backend's name: backend/X.Case/epoll.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "reactor/loop.hpp"

class on_each_backend : public ::testing::TestWithParam<reactor::backend_kind> {
 protected:
  void SetUp() override { loop_ = std::make_unique<reactor::loop>(reactor::loop_options{GetParam()}); }
  reactor::loop& l() { return *loop_; }
  std::unique_ptr<reactor::loop> loop_;
};

inline std::string backend_test_name(::testing::TestParamInfo<reactor::backend_kind> const& info) {
  return std::string(reactor::to_string(info.param));
}

#define REACTORD_ON_EACH_BACKEND(fixture) \
  INSTANTIATE_TEST_SUITE_P(backend, fixture, ::testing::ValuesIn(reactor::available_backends()), backend_test_name)
