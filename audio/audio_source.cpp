#include "audio/audio_source.h"

#include <cmath>
#include <stdexcept>

namespace earshot::audio {

namespace {

size_t ring_blocks(const CaptureOptions& options) {
  if (!(options.ring_seconds > 0.0) || options.ring_seconds > 3600.0) {
    throw std::invalid_argument("capture ring must hold between 0 and 3600 s, not " +
                                std::to_string(options.ring_seconds) + " s");
  }
  const double block_seconds = static_cast<double>(kBlockSamples) / kCaptureSampleRate;
  return static_cast<size_t>(std::ceil(options.ring_seconds / block_seconds));
}

}  // namespace

AudioSource::AudioSource(std::string label, const CaptureOptions& options, OverrunPolicy policy)
    : options_(options),
      label_(std::move(label)),
      queue_(ring_blocks(options)),
      assembler_(queue_, counters_, policy, &stop_requested_) {}

SourceStatus AudioSource::status() const {
  std::lock_guard lock(message_mutex_);
  return {state_.load(std::memory_order_acquire), message_};
}

void AudioSource::set_status(SourceState state, std::string_view message) {
  {
    std::lock_guard lock(message_mutex_);
    message_.assign(message);
    state_.store(state, std::memory_order_release);
  }
  queue_.wake();
}

std::string_view to_string(SourceState state) {
  switch (state) {
    case SourceState::kIdle:
      return "idle";
    case SourceState::kRunning:
      return "running";
    case SourceState::kReconnecting:
      return "reconnecting";
    case SourceState::kEnded:
      return "ended";
    case SourceState::kFailed:
      return "failed";
    case SourceState::kStopped:
      return "stopped";
  }
  return "?";
}

}  // namespace earshot::audio
