// One fixed-size block of captured audio, as it travels through a source's ring:
// 16 kHz mono float samples plus the times of the first sample.
//
// Thread contract: a plain value; the capture thread fills one, the ring copies
// it, the consumer reads its copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace earshot::audio {

constexpr uint32_t kCaptureSampleRate = 16000;
constexpr size_t kBlockSamples = 160;  // 10 ms at 16 kHz
constexpr int64_t kNsPerSecond = 1'000'000'000;

// Duration of n frames at `rate` Hz, in nanoseconds: whole seconds and the
// rest apart, so it is exact and does not overflow for centuries of audio.
constexpr int64_t frames_to_ns(uint64_t n_frames, uint64_t rate) {
  return static_cast<int64_t>(n_frames / rate) * kNsPerSecond +
         static_cast<int64_t>(n_frames % rate) * kNsPerSecond / static_cast<int64_t>(rate);
}

// Duration of n samples at 16 kHz.
constexpr int64_t samples_to_ns(uint64_t n_samples) { return frames_to_ns(n_samples, kCaptureSampleRate); }

struct AudioBlock {
  // Position of the first sample on the source's own clock, in ns since the
  // source started: every sample delivered or dropped before it, plus every gap.
  int64_t device_ns = 0;
  // CLOCK_REALTIME when the first sample was captured (the source's best
  // estimate: time of the read minus the latency reported by the device).
  int64_t wall_ns = 0;
  // Audio missing right before this block (reconnect, device overrun, full
  // ring); 0 when this block continues the previous one without a break.
  int64_t gap_ns = 0;
  // Index of the first sample among all samples this source has put in blocks.
  uint64_t first_sample = 0;
  uint32_t n_samples = 0;  // valid samples; kBlockSamples except at the end of a stream
  float samples[kBlockSamples] = {};

  std::span<const float> view() const { return {samples, n_samples}; }
  int64_t end_device_ns() const { return device_ns + samples_to_ns(n_samples); }
};

}  // namespace earshot::audio
