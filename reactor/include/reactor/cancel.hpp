// Cancellation: a tree of cancel_nodes, one per running coroutine chain.
//
// Every coroutine started by the reactor runs "in" a cancel_node: a task
// awaited by another inherits its awaiter's node; a child started by a scope,
// when_all, when_any or with_timeout gets a node of its own below the
// starter's. Cancelling a node cancels its whole subtree.
//
// Rules, and what happens on cancel:
//  - A chain is suspended on at most one operation at a time; that operation
//    registers itself as the node's `pending` entry while suspended.
//  - cancel() marks the subtree and asks each pending operation to stop. It
//    never resumes a coroutine inline: the operation's coroutine is resumed
//    from the loop, and for kernel I/O only after the kernel's own completion
//    for it has arrived, so no buffer or frame is freed under the kernel.
//  - The resumed coroutine sees cancelled_error. Cancellation is sticky:
//    each later await in that chain throws it again at once.
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
