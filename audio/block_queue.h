// The ring of AudioBlocks between one capture thread and its consumer, with an
// eventfd that becomes readable when blocks arrive, so the consumer can sleep in
// wait_pop() or add wake_fd() to its own poll loop.
//
// Thread contract: one producer thread calls push() and wake(); one consumer
// thread calls pop(), wait_pop() and n_ready(). push() never blocks, allocates or
// locks: it returns false when the ring is full and the caller counts the loss.
#pragma once

#include <chrono>
#include <cstddef>

#include "audio/audio_block.h"
#include "audio/sample_ring.h"

namespace earshot::audio {

class BlockQueue {
 public:
  explicit BlockQueue(size_t min_blocks);
  ~BlockQueue();
  BlockQueue(const BlockQueue&) = delete;
  BlockQueue& operator=(const BlockQueue&) = delete;

  size_t capacity() const { return ring_.capacity(); }

  // Producer: queues a copy of block and wakes the consumer; false when full.
  bool push(const AudioBlock& block);
  // Producer (or any thread): wakes the consumer without a block, e.g. at the
  // end of a stream, so a waiter can look at the source's state.
  void wake();

  // Consumer: takes the oldest block; false when none is ready.
  bool pop(AudioBlock& out);
  // Consumer: like pop(), but sleeps up to timeout for a block or a wake().
  bool wait_pop(AudioBlock& out, std::chrono::milliseconds timeout);
  size_t n_ready() const { return ring_.available(); }
  // Readable (POLLIN) when blocks may be ready. A consumer with its own poll
  // loop calls clear_wake() once it is woken, then pop() until it returns false.
  int wake_fd() const { return event_fd_; }
  void clear_wake();

 private:
  SpscRing<AudioBlock> ring_;
  int event_fd_ = -1;
};

}  // namespace earshot::audio
