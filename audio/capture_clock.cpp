#include "audio/capture_clock.h"

#include <algorithm>

namespace earshot::audio {

int64_t CaptureClock::wall_ns(uint64_t frame_index, int64_t estimate_ns) {
  int64_t result = estimate_ns;
  if (anchored_ && frame_index >= anchor_frame_) {
    const uint64_t n_frames = frame_index - anchor_frame_;
    const int64_t predicted_ns = anchor_wall_ns_ +
                                 static_cast<int64_t>(n_frames / rate_) * 1'000'000'000 +
                                 static_cast<int64_t>((n_frames % rate_) * 1'000'000'000 / rate_);
    const int64_t error_ns = estimate_ns - predicted_ns;
    if (error_ns <= kJumpNs) {
      // Follow slowly; a step back never undoes more than half the time
      // since the last read, so times keep increasing.
      const int64_t step_ns = static_cast<int64_t>(kGain * static_cast<double>(error_ns));
      result = predicted_ns + std::max(step_ns, -(predicted_ns - anchor_wall_ns_) / 2);
    }
  }
  // Anchoring at every read keeps the frame distance, and so the arithmetic, small.
  anchored_ = true;
  anchor_frame_ = frame_index;
  anchor_wall_ns_ = result;
  return result;
}

}  // namespace earshot::audio
