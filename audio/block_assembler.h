// The producer half of a source: cuts the 16 kHz stream into AudioBlocks, stamps
// each with its device and wall time, records gaps, and queues the blocks.
//
// Thread contract: used only by the source's capture thread. With
// OverrunPolicy::kDrop (live devices) append() never blocks, allocates, locks or
// throws: a block that does not fit in the ring is counted as overrun and shows
// up as a gap before the next block. kWait (files, pipes) sleeps until the
// consumer makes room or stop is requested: lossless back-pressure.
#pragma once

#include <atomic>
#include <cstdint>
#include <span>

#include "audio/audio_block.h"
#include "audio/block_queue.h"
#include "audio/capture_counters.h"

namespace earshot::audio {

enum class OverrunPolicy { kDrop, kWait };

class BlockAssembler {
 public:
  // stop_requested may be null; with kWait it ends the wait for room.
  BlockAssembler(BlockQueue& queue, CaptureCounters& counters, OverrunPolicy policy,
                 const std::atomic<bool>* stop_requested);

  // Appends 16 kHz mono samples; wall_ns is when samples[0] was captured.
  void append(std::span<const float> samples, int64_t wall_ns);
  // Declares gap_ns of audio missing before the next appended sample. A
  // partially filled block is queued first, so the gap falls on a block edge.
  void add_gap(int64_t gap_ns);
  // Queues the partially filled block, if any (end of stream).
  void flush();

  // Wall time the next sample would have if it follows without a break; 0
  // before the first sample.
  int64_t expected_wall_ns() const { return next_wall_ns_; }
  bool has_started() const { return n_samples_seen_ > 0; }

 private:
  void queue_block();

  BlockQueue& queue_;
  CaptureCounters& counters_;
  const OverrunPolicy policy_;
  const std::atomic<bool>* stop_requested_;

  AudioBlock block_;             // being filled
  uint64_t n_samples_seen_ = 0;  // samples appended: delivered or lost to overrun
  uint64_t n_samples_queued_ = 0;
  int64_t total_gap_ns_ = 0;    // every gap so far, for device_ns
  int64_t pending_gap_ns_ = 0;  // gap to stamp on the next queued block
  int64_t next_wall_ns_ = 0;
};

}  // namespace earshot::audio
