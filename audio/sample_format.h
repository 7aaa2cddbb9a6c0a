// Interleaved PCM sample formats a device or pipe may deliver, and their
// conversion to mono float: each frame's channels are averaged.
//
// Thread contract: pure functions; to_mono_float() is safe on the capture path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace earshot::audio {

enum class SampleFormat { kS16, kS32, kF32 };  // all little-endian

size_t bytes_per_sample(SampleFormat format);
// "s16le", "s32le", "f32le".
std::string_view to_string(SampleFormat format);
// Parses the names above (also "float32le"); throws std::invalid_argument
// naming the accepted ones.
SampleFormat parse_sample_format(std::string_view name);

// Layout of an interleaved stream.
struct StreamFormat {
  SampleFormat sample_format = SampleFormat::kF32;
  uint32_t rate = 16000;
  uint32_t n_channels = 1;

  size_t bytes_per_frame() const { return bytes_per_sample(sample_format) * n_channels; }
};

// "s16le 2ch 48000 Hz".
std::string describe(const StreamFormat& format);

// Converts n_frames interleaved frames to mono float in [-1, 1]: integers are
// scaled by 1/2^(bits-1), channels averaged. out holds n_frames floats.
// Float frames that come out NaN or infinite (a pipe fed the wrong format, a
// damaged file) are written as 0: one such value would stay in the
// resampler's and the voice activity's state and deafen the source. Returns
// how many frames were zeroed.
size_t to_mono_float(const void* frames, const StreamFormat& format, size_t n_frames, float* out);

}  // namespace earshot::audio
