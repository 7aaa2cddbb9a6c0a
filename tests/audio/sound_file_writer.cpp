#include "sound_file_writer.h"

#include <sndfile.h>

#include <stdexcept>

namespace earshot::audio::testing {

void write_sound_file(const std::string& path, const std::vector<float>& interleaved, uint32_t rate,
                      uint32_t n_channels, int major_format, int subtype) {
  SF_INFO info{};
  info.samplerate = static_cast<int>(rate);
  info.channels = static_cast<int>(n_channels);
  info.format = major_format | subtype;
  SNDFILE* file = sf_open(path.c_str(), SFM_WRITE, &info);
  if (!file) throw std::runtime_error("cannot write " + path + ": " + sf_strerror(nullptr));
  const sf_count_t n_frames = static_cast<sf_count_t>(interleaved.size() / n_channels);
  const sf_count_t written = sf_writef_float(file, interleaved.data(), n_frames);
  sf_close(file);
  if (written != n_frames) throw std::runtime_error("short write to " + path);
}

}  // namespace earshot::audio::testing
