// Writes test recordings with libsndfile, so the readers are checked against
// files made by another code path.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace earshot::audio::testing {

// major_format: SF_FORMAT_WAV, SF_FORMAT_FLAC, SF_FORMAT_OGG; subtype e.g.
// SF_FORMAT_PCM_16, SF_FORMAT_FLOAT, SF_FORMAT_VORBIS, SF_FORMAT_OPUS.
void write_sound_file(const std::string& path, const std::vector<float>& interleaved, uint32_t rate,
                      uint32_t n_channels, int major_format, int subtype);

}  // namespace earshot::audio::testing
