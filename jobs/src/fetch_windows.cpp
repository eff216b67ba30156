// fetch on Windows: this build has no libcurl, so a fetch run fails at once
// and says why; the http_client exists only so that a job_context can be
// made the same way on every platform.
//
// Why no libcurl: the Windows build is a mingw-w64 cross build tested under
// wine, and Debian 12 has no mingw build of libcurl (nor of yaml-cpp, which
// the daemon needs). A native Windows build would take both from vcpkg
// (curl[schannel], yaml-cpp) or MSYS2 (mingw-w64-x86_64-curl) and compile
// fetch.cpp and curl_multi.cpp instead of this file; curl_multi's socket
// watchers already use the reactor's poll, which IOCP serves through
// IOCTL_AFD_POLL.
#include "jobs/fetch.hpp"

#include "reactor/event.hpp"

namespace jobs {

struct http_client::impl {};

http_client::http_client(reactor::loop&) : impl_(std::make_unique<impl>()) {}

http_client::~http_client() = default;

reactor::task<void> http_client::serve() {
  // Nothing to serve; like the real client's, this returns when cancelled.
  reactor::event never;
  co_await never.wait();
}

reactor::task<run_result> run_fetch(fetch_spec const& spec, job_context&) {
  run_result out;
  out.kind = "fetch";
  out.details.emplace<fetch_result>().failed_expectation = "fetch support";
  out.result = outcome::failure;
  out.message = "fetch " + spec.url +
                ": this Windows build has no libcurl, so fetch jobs cannot run (see "
                "jobs/src/fetch_windows.cpp for how to build with it)";
  co_return out;
}

}  // namespace jobs
