#include "cli/input_audio.h"

#include <cstdio>

#include "audio/load_audio.h"

namespace earshot::cli {

std::vector<float> load_input_audio(const std::string& path) {
  audio::LoadedAudio loaded = audio::load_audio(path);
  if (loaded.n_nonfinite > 0) {
    std::fprintf(stderr, "earshot transcribe: %s: %zu samples were not numbers (NaN or infinite); read as silence\n",
                 path.c_str(), loaded.n_nonfinite);
  }
  return std::move(loaded.samples);
}

}  // namespace earshot::cli
