// Plays an audio file (WAV, FLAC, Ogg, ... via libsndfile) into the pipeline as
// if it were a device: paced at real time (a block is queued when its audio
// would have been captured; a slow consumer loses audio like with a device),
// or as fast as the consumer takes it (lossless; the capture thread waits for
// room in the ring). Block wall times are the start time plus file position.
//
// Thread contract: AudioSource's; the capture thread is its own std::thread.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "audio/audio_source.h"

namespace earshot::audio {

class CaptureConverter;
class SoundFile;

class FileSource final : public AudioSource {
 public:
  enum class Pacing { kRealTime, kAsFastAsPossible };
  struct Options {
    std::string label = "file";
    std::string path{};
    Pacing pacing = Pacing::kRealTime;
    CaptureOptions capture{};
  };

  explicit FileSource(Options options);
  ~FileSource() override;

  // Opens the file; throws naming the path when it is missing or not audio.
  void start() override;
  void stop() override;
  std::string describe() const override;

 private:
  void run() noexcept;

  const Options opts_;
  std::unique_ptr<SoundFile> file_;
  std::unique_ptr<CaptureConverter> converter_;
  std::thread thread_;
};

}  // namespace earshot::audio
