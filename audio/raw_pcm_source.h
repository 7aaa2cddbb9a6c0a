// Raw interleaved PCM read from a file descriptor (stdin by default), e.g.
//   parec --raw --format=s16le --rate=48000 --channels=2 | earshot ... --source stdin:s16le:48000:2
// The writer paces the stream; when the ring is full the capture thread stops
// reading (the pipe then blocks the writer), so nothing is lost. End of input
// ends the source. Block wall times are the time each read returned, less the
// length of the audio it carried.
//
// Thread contract: AudioSource's; the capture thread is its own std::thread.
// The descriptor is borrowed, not closed.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "audio/audio_source.h"
#include "audio/sample_format.h"

namespace earshot::audio {

class CaptureConverter;

class RawPcmSource final : public AudioSource {
 public:
  struct Options {
    std::string label = "stdin";
    int fd = 0;
    StreamFormat format{SampleFormat::kS16, 16000, 1};
    CaptureOptions capture{};
  };

  explicit RawPcmSource(Options options);
  ~RawPcmSource() override;

  void start() override;
  void stop() override;
  std::string describe() const override;

 private:
  void run() noexcept;

  const Options opts_;
  std::unique_ptr<CaptureConverter> converter_;
  std::thread thread_;
};

// Parses "FORMAT:RATE:CHANNELS", e.g. "s16le:48000:2"; throws
// std::invalid_argument saying what is wrong.
StreamFormat parse_raw_pcm_format(std::string_view text);

}  // namespace earshot::audio
