// Records from a PulseAudio server (also PipeWire's pulse server) with the
// asynchronous API, a pa_mainloop running in the source's own thread:
// the default input, a named source, or the monitor of the default sink
// ("@DEFAULT_MONITOR@": what the computer plays). The source is recorded in its
// native rate and channel count as float32 and converted by earshot's own path
// (average channels, speexdsp to 16 kHz).
//
// When the server goes away (or the device vanishes) after start(), the source
// says so in its status, retries (every retry_interval at first, then less
// often: retry_backoff.h), and after it is back marks the missing time as a
// gap on the next block (counters: n_reconnects, n_gaps, gap_ns).
//
// Thread contract: AudioSource's. All libpulse calls happen on the capture
// thread; the read callback converts into preallocated buffers and never
// blocks, allocates, locks or logs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "audio/audio_source.h"

namespace earshot::audio {

class PulseSource final : public AudioSource {
 public:
  struct Options {
    std::string label = "mic";
    std::string server{};  // "" = $PULSE_SERVER or the user's default server
    // "" or "@DEFAULT_SOURCE@": the default input (follows it when it changes);
    // "@DEFAULT_MONITOR@": monitor of the default sink; otherwise a source name.
    std::string device{};
    uint32_t fragment_ms = 20;  // audio per hand-over from the server: latency vs wake-ups
    std::chrono::milliseconds start_timeout{5000};
    std::chrono::milliseconds retry_interval{250};  // the first wait; longer ones follow
    CaptureOptions capture{};
  };

  explicit PulseSource(Options options);
  ~PulseSource() override;

  // Connects and opens the stream. Throws std::runtime_error naming the
  // server, the device and the format asked when it cannot.
  void start() override;
  void stop() override;
  // e.g. "pulse source 'vsink.monitor' (f32le 2ch 44100 Hz)".
  std::string describe() const override;

 private:
  class Loop;  // the libpulse state machine, capture thread only
  friend class Loop;

  // Capture thread: publishes what is being recorded, for describe().
  void set_description(std::string text);

  const Options opts_;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  mutable std::mutex description_mutex_;
  std::string description_;  // guarded by description_mutex_
};

}  // namespace earshot::audio
