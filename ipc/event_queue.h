// Bounded hand-off of events from the session threads to the publisher thread.
// push() never waits for the consumer: it takes a short lock (no I/O, no
// allocation: the event's strings are moved into a preallocated slot) and
// reports a full queue instead of waiting.
// Thread-safe: any number of producers, one consumer (take_all()).
#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "ipc/transcript_event.h"

namespace earshot::ipc {

class EventQueue {
 public:
  enum class PushResult {
    kQueued,          // there were already events waiting
    kQueuedWasEmpty,  // the queue was empty: the consumer may be asleep, wake it
    kFull,            // nothing queued; the event is left untouched
  };

  explicit EventQueue(size_t capacity);  // capacity >= 1

  PushResult push(TranscriptEvent&& event) noexcept;

  // Moves every waiting event, oldest first, to the end of `out`; returns how many.
  size_t take_all(std::vector<TranscriptEvent>& out);

  size_t capacity() const { return slots_.size(); }

 private:
  std::mutex mutex_;
  std::vector<TranscriptEvent> slots_;  // ring: [head_, head_ + n_waiting_)
  size_t head_ = 0;
  size_t n_waiting_ = 0;
};

}  // namespace earshot::ipc
