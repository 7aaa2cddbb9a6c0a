// Cuts a 16 kHz mono stream into the model's fixed frames (640 samples, 40 ms),
// keeping the remainder between calls; flush() zero-pads the last partial frame.
//
// Thread contract: thread-compatible (one owner at a time).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

namespace earshot::audio {

constexpr size_t kModelSampleRate = 16000;
constexpr size_t kFrameSamples = 640;

class FrameChunker {
 public:
  explicit FrameChunker(size_t frame_samples = kFrameSamples);

  // Appends samples and returns every complete frame now available,
  // concatenated: [n_frames * frame_samples].
  std::vector<float> push(std::span<const float> samples);

  // Returns the pending partial frame zero-padded to a whole frame, or nothing
  // when no samples are pending.
  std::vector<float> flush();

  size_t pending() const { return pending_.size(); }
  size_t frame_samples() const { return frame_samples_; }

 private:
  size_t frame_samples_;
  std::vector<float> pending_;
};

}  // namespace earshot::audio
