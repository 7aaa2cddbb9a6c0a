// The interface every capture source shares (PulseAudio, ALSA, file, raw PCM
// pipe): start/stop, a label, and a ring of 16 kHz mono AudioBlocks with
// timestamps, counters and a status line for the consumer.
//
//   auto mic = std::make_unique<PulseSource>(PulseSource::Options{.label = "mic"});
//   mic->start();                        // throws, naming device and format
//   AudioBlock block;
//   while (running) {
//     if (mic->wait_pop(block, 100ms)) use(block.view(), block.wall_ns, block.gap_ns);
//     else if (mic->ended()) break;      // file finished, source failed or stopped
//   }
//   mic->stop();
//
// Thread contract: start(), stop() and the destructor from one controlling
// thread; pop()/wait_pop()/ended() from one consumer thread; status(),
// counters() and label() from any thread. Each source runs its own capture
// thread, which is the only producer of its ring.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include "audio/audio_block.h"
#include "audio/block_assembler.h"
#include "audio/block_queue.h"
#include "audio/capture_counters.h"
#include "audio/capture_options.h"
#include "audio/source_status.h"

namespace earshot::audio {

class AudioSource {
 public:
  virtual ~AudioSource() = default;
  AudioSource(const AudioSource&) = delete;
  AudioSource& operator=(const AudioSource&) = delete;

  // Opens the device and starts the capture thread. Throws std::runtime_error
  // with the device and the format asked when it cannot.
  virtual void start() = 0;
  // Stops and joins the capture thread; queued blocks stay readable. Idempotent.
  virtual void stop() = 0;
  // What this source captures, e.g. "pulse source 'vsink.monitor' (f32le 2ch 44100 Hz)".
  virtual std::string describe() const = 0;

  const std::string& label() const { return label_; }

  // Consumer: takes the oldest block without blocking; false when none is ready.
  bool pop(AudioBlock& out) { return queue_.pop(out); }
  // Consumer: waits up to timeout for a block; false on timeout or when the
  // source changed state without a block (check ended()).
  bool wait_pop(AudioBlock& out, std::chrono::milliseconds timeout) {
    return queue_.wait_pop(out, timeout);
  }
  // Consumer: readable when blocks may be ready, for the consumer's own poll
  // loop; after waking call clear_wake(), then pop() until false.
  int wake_fd() const { return queue_.wake_fd(); }
  void clear_wake() { queue_.clear_wake(); }
  size_t n_ready() const { return queue_.n_ready(); }
  // Consumer: no block will come any more (ended, failed or stopped) and every
  // queued block has been taken.
  bool ended() const { return is_final(state()) && queue_.n_ready() == 0; }

  SourceState state() const { return state_.load(std::memory_order_acquire); }
  SourceStatus status() const;
  SourceCounters counters() const { return counters_.snapshot(); }

 protected:
  AudioSource(std::string label, const CaptureOptions& options, OverrunPolicy policy);

  // Capture thread: the producer side of the ring.
  BlockAssembler& assembler() { return assembler_; }
  CaptureCounters& capture_counters() { return counters_; }
  // Stop flag the capture thread polls; request_stop() sets it.
  bool stop_requested() const { return stop_requested_.load(std::memory_order_acquire); }
  void request_stop() { stop_requested_.store(true, std::memory_order_release); }
  void clear_stop_request() { stop_requested_.store(false, std::memory_order_release); }
  // Any thread, never on the per-sample path: records a state change and its
  // message (takes a short lock, may allocate) and wakes the consumer.
  void set_status(SourceState state, std::string_view message);

  const CaptureOptions options_;

 private:
  const std::string label_;
  CaptureCounters counters_;
  BlockQueue queue_;
  std::atomic<bool> stop_requested_{false};
  BlockAssembler assembler_;
  std::atomic<SourceState> state_{SourceState::kIdle};
  mutable std::mutex message_mutex_;
  std::string message_;  // guarded by message_mutex_
};

}  // namespace earshot::audio
