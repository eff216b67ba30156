// The io_uring backend: a completion backend. Each operation becomes one SQE
// whose user_data is the operation's address; its CQE completes it.
//
// Choices, and why:
//  - Setup flags are probed from the best down: SINGLE_ISSUER|DEFER_TASKRUN
//    (6.1+) keeps completion work on our thread and out of interrupts;
//    COOP_TASKRUN (5.19+) is the fallback; older kernels get plain setup.
//    EINVAL means "flag unknown", so we retry with fewer; ENOSYS / EPERM
//    (seccomp, kernel.io_uring_disabled) mean "no io_uring here", and the
//    loop falls back to epoll.
//  - No SQPOLL: a polling kernel thread burns a core on an idle daemon.
//  - The wait carries its own timeout (IORING_ENTER_EXT_ARG, 5.11+), never a
//    timeout SQE per wait: one io_uring_enter per pass.
//  - That timeout is the deadline plus the thread's timer slack (50 us by
//    default, PR_GET_TIMERSLACK). epoll_pwait2 and kevent get the slack from
//    the kernel, which may end their sleep anywhere inside it, so deadlines
//    that close share one wake-up; io_uring's wait has none, and on a busy
//    loop it woke about twice as often as epoll for the same timers
//    (bench/timers' loop_iterations). A timer still never fires early.
//  - With DEFER_TASKRUN completions are only posted inside io_uring_enter
//    with GETEVENTS; a non-blocking pass therefore calls
//    io_uring_submit_and_get_events(), never a bare peek, or it would fall
//    seconds behind under load.
//  - A full SQ is flushed and retried; the CQ is sized 16x the SQ, and if it
//    overflows anyway the kernel (IORING_FEAT_NODROP, 5.5+) keeps the CQEs,
//    which we flush with io_uring_get_events when IORING_SQ_CQ_OVERFLOW shows.
//  - Cross-thread wake: an eventfd with a read kept armed in the ring.
#include <liburing.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "backend/backend.hpp"

namespace reactor::detail {
namespace {

constexpr unsigned sq_entries = 256;
constexpr unsigned cq_entries = sq_entries * 16;
constexpr std::uint64_t ignore_cqe = 0;  // user_data of SQEs whose CQE nobody awaits

std::system_error error_from(int negative_errno, char const* what) {
  return std::system_error(-negative_errno, std::system_category(), what);
}

class io_uring_backend final : public backend {
 public:
  explicit io_uring_backend(loop& owner) : loop_(owner) {
    static constexpr unsigned flag_sets[] = {
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_COOP_TASKRUN,
        IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_COOP_TASKRUN,
        0,
    };
    int rc = -EINVAL;
    for (unsigned flags : flag_sets) {
      io_uring_params params{};
      params.flags = flags | IORING_SETUP_CQSIZE;
      params.cq_entries = cq_entries;
      rc = io_uring_queue_init_params(sq_entries, &ring_, &params);
      if (rc != -EINVAL) break;
    }
    if (rc < 0) throw error_from(rc, "io_uring_setup");
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) {
      int e = errno;
      io_uring_queue_exit(&ring_);
      throw std::system_error(e, std::system_category(), "eventfd");
    }
    arm_wake();
  }

  // Tearing a ring down has a side effect elsewhere in the thread: the
  // kernel's io_ring_exit_work detaches the ring from each task that used it
  // with task_work_add(TWA_SIGNAL), which interrupts a blocking syscall of
  // that task. Most restart unseen, but recv() on a socket with SO_RCVTIMEO
  // fails with EINTR though no signal was sent (seen on 6.18). Code that
  // destroys loops and makes blocking calls must retry on EINTR, as the
  // daemon tests' HTTP client does.
  ~io_uring_backend() override {
    io_uring_queue_exit(&ring_);
    ::close(wake_fd_);
  }

  bool submit(operation& op) override {
    io_uring_sqe* sqe = get_sqe();
    switch (op.code) {
      case op_code::recv: io_uring_prep_recv(sqe, op.fd, op.buf, op.len, op.flags); break;
      case op_code::send: io_uring_prep_send(sqe, op.fd, op.buf, op.len, op.flags | MSG_NOSIGNAL); break;
      case op_code::recvmsg: io_uring_prep_recvmsg(sqe, op.fd, op.msg, op.flags); break;
      case op_code::sendmsg: io_uring_prep_sendmsg(sqe, op.fd, op.msg, op.flags | MSG_NOSIGNAL); break;
      case op_code::connect: io_uring_prep_connect(sqe, op.fd, op.addr, op.addrlen); break;
      case op_code::accept:
        op.addrlen = sizeof(sockaddr_storage);
        io_uring_prep_accept(sqe, op.fd, op.addr, op.addr ? &op.addrlen : nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        break;
      case op_code::read: io_uring_prep_read(sqe, op.fd, op.buf, static_cast<unsigned>(op.len), -1); break;
      case op_code::write: io_uring_prep_write(sqe, op.fd, op.buf, static_cast<unsigned>(op.len), -1); break;
      case op_code::poll: io_uring_prep_poll_add(sqe, op.fd, op.poll_mask); break;
      case op_code::cancel_fd:
        io_uring_prep_cancel_fd(sqe, op.fd, IORING_ASYNC_CANCEL_ALL);  // 5.19+
        break;
    }
    io_uring_sqe_set_data(sqe, &op);
    return false;
  }

  void cancel(operation& op) override {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel(sqe, &op, 0);
    io_uring_sqe_set_data64(sqe, ignore_cqe);
  }

  bool wait(deadline until) override {
    deadline now = clock::now();
    bool blocking = until > now;
    int rc;
    if (!blocking) {
      rc = io_uring_submit_and_get_events(&ring_);
    } else {
      io_uring_cqe* cqe = nullptr;
      __kernel_timespec ts{};
      deadline wake_by = until == never ? never : until + slack_;
      rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, wait_timeout(wake_by, now, ts), nullptr);
    }
    // -ETIME: the timeout passed; -EINTR: a signal; -EBUSY/-EAGAIN: the CQ
    // is backed up, and reaping below makes room. Anything else is a bug.
    if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EBUSY && rc != -EAGAIN) throw error_from(rc, "io_uring_enter");
    reap();
    if (io_uring_cq_has_overflow(&ring_)) {
      io_uring_get_events(&ring_);
      reap();
    }
    return blocking;
  }

  void wake() override {
    std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd_, &one, sizeof one);
  }

 private:
  io_uring_sqe* get_sqe() {
    io_uring_sqe* sqe;
    while (!(sqe = io_uring_get_sqe(&ring_))) {
      // SQ full: hand what we have to the kernel and try again.
      int rc = io_uring_submit(&ring_);
      if (rc == -EBUSY || rc == -EAGAIN) reap();
    }
    return sqe;
  }

  void reap() {
    io_uring_cqe* cqe;
    unsigned head;
    unsigned seen = 0;
    bool rearm_wake = false;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      std::uint64_t data = io_uring_cqe_get_data64(cqe);
      if (data == ignore_cqe) continue;
      if (data == reinterpret_cast<std::uint64_t>(&wake_op_)) {
        rearm_wake = true;
        continue;
      }
      auto* op = reinterpret_cast<operation*>(data);
      loop_.complete(*op, cqe->res);
    }
    io_uring_cq_advance(&ring_, seen);
    if (rearm_wake) arm_wake();  // after the advance: it may need SQ room
  }

  void arm_wake() {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_read(sqe, wake_fd_, &wake_buffer_, sizeof wake_buffer_, -1);
    io_uring_sqe_set_data(sqe, &wake_op_);
  }

  loop& loop_;
  std::chrono::nanoseconds const slack_{std::max(0, ::prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0))};  // -1: no slack
  io_uring ring_{};
  int wake_fd_ = -1;
  std::uint64_t wake_buffer_ = 0;
  char wake_op_ = 0;  // its address tags the wake read's CQE
};

}  // namespace

std::unique_ptr<backend> make_io_uring_backend(loop& owner) {
  return std::make_unique<io_uring_backend>(owner);
}

}  // namespace reactor::detail
