// Cancellation: a tree of cancel_nodes, one per running coroutine chain;
// cancelling a node cancels its subtree. A cancelled chain's pending
// operation is asked to stop, its coroutine resumes from the loop (for
// kernel I/O only after the kernel let go of it) and sees cancelled_error,
// and every later await in that chain throws it again (sticky). The rules
// in full: DESIGN.md, "Cancellation".
#pragma once

namespace reactor {

class loop;

// An operation a chain is suspended on, that can be asked to end early.
class cancellable {
 public:
  virtual void request_cancel() noexcept = 0;

 protected:
  ~cancellable() = default;
};

class cancel_node {
 public:
  explicit cancel_node(loop& owner) noexcept : loop_(&owner) {}
  // A child node: cancelled when `parent` is, and born cancelled if it is.
  explicit cancel_node(cancel_node& parent) noexcept;
  ~cancel_node();
  cancel_node(cancel_node const&) = delete;
  cancel_node& operator=(cancel_node const&) = delete;

  void cancel() noexcept;
  bool cancelled() const noexcept { return cancelled_; }
  loop& owner() const noexcept { return *loop_; }

  // Called by operations around their suspension.
  void set_pending(cancellable* op) noexcept { pending_ = op; }

 private:
  loop* loop_;
  cancel_node* parent_ = nullptr;
  cancel_node* first_child_ = nullptr;
  cancel_node* next_sibling_ = nullptr;
  cancel_node* prev_sibling_ = nullptr;
  cancellable* pending_ = nullptr;
  bool cancelled_ = false;
};

}  // namespace reactor
