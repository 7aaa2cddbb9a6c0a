#include "audio/block_assembler.h"

#include <time.h>

#include <algorithm>

namespace earshot::audio {

namespace {

constexpr int64_t kNsPerSample = kNsPerSecond / kCaptureSampleRate;  // 62500, exact
constexpr timespec kWaitForRoom{0, 2'000'000};

}  // namespace

BlockAssembler::BlockAssembler(BlockQueue& queue, CaptureCounters& counters, OverrunPolicy policy,
                               const std::atomic<bool>* stop_requested)
    : queue_(queue), counters_(counters), policy_(policy), stop_requested_(stop_requested) {}

void BlockAssembler::append(std::span<const float> samples, int64_t wall_ns) {
  for (size_t i = 0; i < samples.size();) {
    if (block_.n_samples == 0) {
      block_.device_ns = samples_to_ns(n_samples_seen_) + total_gap_ns_;
      block_.wall_ns = wall_ns + static_cast<int64_t>(i) * kNsPerSample;
    }
    const size_t n_copy = std::min(kBlockSamples - block_.n_samples, samples.size() - i);
    std::copy_n(samples.data() + i, n_copy, block_.samples + block_.n_samples);
    block_.n_samples += static_cast<uint32_t>(n_copy);
    n_samples_seen_ += n_copy;
    i += n_copy;
    if (block_.n_samples == kBlockSamples) queue_block();
  }
  next_wall_ns_ = wall_ns + static_cast<int64_t>(samples.size()) * kNsPerSample;
}

void BlockAssembler::add_gap(int64_t gap_ns) {
  if (gap_ns <= 0) return;
  flush();
  total_gap_ns_ += gap_ns;
  pending_gap_ns_ += gap_ns;
  if (next_wall_ns_ != 0) next_wall_ns_ += gap_ns;
}

void BlockAssembler::flush() {
  if (block_.n_samples > 0) queue_block();
}

void BlockAssembler::queue_block() {
  block_.first_sample = n_samples_queued_;
  block_.gap_ns = pending_gap_ns_;
  bool queued = queue_.push(block_);
  while (!queued && policy_ == OverrunPolicy::kWait &&
         !(stop_requested_ && stop_requested_->load(std::memory_order_relaxed))) {
    nanosleep(&kWaitForRoom, nullptr);
    queued = queue_.push(block_);
  }
  if (queued) {
    counters_.add_samples(block_.n_samples);
    if (block_.gap_ns > 0) counters_.add_gap(block_.gap_ns);
    n_samples_queued_ += block_.n_samples;
    pending_gap_ns_ = 0;
  } else {
    // The consumer fell behind: these samples are lost and the next block says so.
    counters_.add_overrun_samples(block_.n_samples);
    pending_gap_ns_ += samples_to_ns(block_.n_samples);
  }
  block_.n_samples = 0;
}

}  // namespace earshot::audio
