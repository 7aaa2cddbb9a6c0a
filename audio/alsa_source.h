// Records from an ALSA PCM device ("default", "hw:X,Y", "plughw:X,Y", "pulse",
// ...) for machines without a sound server. The device's own rate, channel count
// and sample format (f32, s32 or s16) are taken as they are and converted by
// earshot's path (average channels, speexdsp to 16 kHz). After an overrun the
// stream is restarted and the missing time reported as a gap; when the device
// disappears (unplugged) the source retries opening it, every retry_interval at
// first, then less often (retry_backoff.h).
//
// Thread contract: AudioSource's; the capture thread is its own std::thread and
// is the only user of the PCM handle after start().
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "audio/audio_source.h"
#include "audio/retry_backoff.h"
#include "audio/sample_format.h"

namespace earshot::audio {

class AlsaPcm;
class CaptureConverter;

class AlsaSource final : public AudioSource {
 public:
  struct Options {
    std::string label = "mic";
    std::string device = "default";
    uint32_t rate = 0;            // 0: 48000 Hz or the nearest the device offers
    uint32_t n_channels = 0;      // 0: 2 or the nearest the device offers
    std::string sample_format{};  // "" = first of f32le, s32le, s16le the device takes
    uint32_t period_ms = 10;
    std::chrono::milliseconds retry_interval{500};  // the first wait; longer ones follow
    CaptureOptions capture{};
  };

  explicit AlsaSource(Options options);
  ~AlsaSource() override;

  // Opens and configures the device. Throws std::runtime_error naming the
  // device and the format asked when it is missing, busy, or refuses it.
  void start() override;
  void stop() override;
  // e.g. "alsa device 'hw:0,0' (s16le 2ch 48000 Hz)".
  std::string describe() const override;

 private:
  void run() noexcept;
  // Capture thread: reopens the device after it vanished; true on success.
  bool reopen();
  void wait_unless_stopped(std::chrono::milliseconds wait) const;

  const Options opts_;
  RetryBackoff backoff_{opts_.retry_interval};  // capture thread
  std::unique_ptr<AlsaPcm> pcm_;
  std::unique_ptr<CaptureConverter> converter_;
  std::thread thread_;
  mutable std::mutex description_mutex_;
  std::string description_;  // guarded by description_mutex_
};

}  // namespace earshot::audio
