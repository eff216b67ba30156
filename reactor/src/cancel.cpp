#include "reactor/cancel.hpp"

namespace reactor {

cancel_node::cancel_node(cancel_node& parent) noexcept
    : loop_(parent.loop_), parent_(&parent), cancelled_(parent.cancelled_) {
  next_sibling_ = parent.first_child_;
  if (next_sibling_) next_sibling_->prev_sibling_ = this;
  parent.first_child_ = this;
}

cancel_node::~cancel_node() {
  // Children normally end (and unlink) before their parent; detach any that
  // remain so they never point at freed memory.
  for (cancel_node* c = first_child_; c; c = c->next_sibling_) c->parent_ = nullptr;
  if (!parent_) return;
  if (prev_sibling_)
    prev_sibling_->next_sibling_ = next_sibling_;
  else
    parent_->first_child_ = next_sibling_;
  if (next_sibling_) next_sibling_->prev_sibling_ = prev_sibling_;
}

void cancel_node::cancel() noexcept {
  if (cancelled_) return;
  cancelled_ = true;
  if (pending_) pending_->request_cancel();
  for (cancel_node* c = first_child_; c; c = c->next_sibling_) c->cancel();
}

}  // namespace reactor
