// Reads a whole audio file (WAV, FLAC, Ogg Vorbis/Opus, anything libsndfile
// reads) as 16 kHz mono float in [-1, 1]: channels averaged, resampled with
// speexdsp. For `earshot transcribe` and tests.
//
// Thread contract: a pure function; safe from any thread.
#pragma once

#include <string>
#include <vector>

namespace earshot::audio {

struct LoadedAudio {
  std::vector<float> samples;
  // Float samples that were not numbers (NaN, infinite), read as silence: a
  // damaged file, or a float format it does not have.
  size_t n_nonfinite = 0;
};

// Throws std::runtime_error naming the path: missing file, not an audio file,
// unsupported format, read error.
LoadedAudio load_audio(const std::string& path, int resample_quality = 5);

// load_audio()'s samples alone.
std::vector<float> load_audio_16k(const std::string& path, int resample_quality = 5);

}  // namespace earshot::audio
