#include "ipc/event_queue.h"

#include <stdexcept>

namespace earshot::ipc {

EventQueue::EventQueue(size_t capacity) {
  if (capacity == 0) throw std::invalid_argument("EventQueue capacity must be at least 1");
  slots_.resize(capacity);
}

EventQueue::PushResult EventQueue::push(TranscriptEvent&& event) noexcept {
  std::lock_guard lock(mutex_);
  if (n_waiting_ == slots_.size()) return PushResult::kFull;
  const bool was_empty = n_waiting_ == 0;
  slots_[(head_ + n_waiting_) % slots_.size()] = std::move(event);
  ++n_waiting_;
  return was_empty ? PushResult::kQueuedWasEmpty : PushResult::kQueued;
}

size_t EventQueue::take_all(std::vector<TranscriptEvent>& out) {
  std::lock_guard lock(mutex_);
  const size_t n_taken = n_waiting_;
  for (size_t i = 0; i < n_taken; ++i) {
    out.push_back(std::move(slots_[(head_ + i) % slots_.size()]));
  }
  head_ = (head_ + n_taken) % slots_.size();
  n_waiting_ = 0;
  return n_taken;
}

}  // namespace earshot::ipc
