#include "audio/load_audio.h"

#include "audio/audio_block.h"
#include "audio/capture_converter.h"
#include "audio/sound_file.h"

namespace earshot::audio {

LoadedAudio load_audio(const std::string& path, int resample_quality) {
  SoundFile file(path);
  const StreamFormat format{SampleFormat::kF32, file.rate(), file.n_channels()};
  CaptureConverter converter(format, resample_quality);
  LoadedAudio loaded;
  std::vector<float>& out = loaded.samples;
  if (file.n_frames() > 0) {
    out.reserve(static_cast<size_t>(static_cast<uint64_t>(file.n_frames()) * kCaptureSampleRate /
                                    file.rate()) +
                1);
  }
  const auto append = [&out](std::span<const float> samples, int64_t) {
    out.insert(out.end(), samples.begin(), samples.end());
  };
  constexpr size_t kChunkFrames = 16384;
  std::vector<float> chunk(kChunkFrames * file.n_channels());
  while (const size_t n = file.read(chunk.data(), kChunkFrames)) {
    loaded.n_nonfinite += converter.convert(chunk.data(), n, append);
  }
  converter.flush(append);
  return loaded;
}

std::vector<float> load_audio_16k(const std::string& path, int resample_quality) {
  return load_audio(path, resample_quality).samples;
}

}  // namespace earshot::audio
