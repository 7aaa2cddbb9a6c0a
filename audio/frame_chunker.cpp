#include "audio/frame_chunker.h"

#include <stdexcept>

namespace earshot::audio {

FrameChunker::FrameChunker(size_t frame_samples) : frame_samples_(frame_samples) {
  if (frame_samples_ == 0) throw std::invalid_argument("FrameChunker: frame size must be > 0");
  pending_.reserve(frame_samples_);
}

std::vector<float> FrameChunker::push(std::span<const float> samples) {
  std::vector<float> frames;
  const size_t total = pending_.size() + samples.size();
  frames.reserve(total - total % frame_samples_);
  for (float s : samples) {
    pending_.push_back(s);
    if (pending_.size() == frame_samples_) {
      frames.insert(frames.end(), pending_.begin(), pending_.end());
      pending_.clear();
    }
  }
  return frames;
}

std::vector<float> FrameChunker::flush() {
  if (pending_.empty()) return {};
  std::vector<float> frame(pending_);
  frame.resize(frame_samples_, 0.0f);
  pending_.clear();
  return frame;
}

}  // namespace earshot::audio
