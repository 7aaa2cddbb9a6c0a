#include "audio/sample_format.h"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace earshot::audio {

namespace {

// Reads sample i of type T from a possibly unaligned byte buffer.
template <typename T>
T load(const unsigned char* bytes, size_t i) {
  T value;
  std::memcpy(&value, bytes + i * sizeof(T), sizeof(T));
  return value;
}

template <typename T>
void average_channels(const unsigned char* bytes, uint32_t n_channels, size_t n_frames, float scale,
                      float* out) {
  if (n_channels == 1) {
    for (size_t f = 0; f < n_frames; ++f) out[f] = static_cast<float>(load<T>(bytes, f)) * scale;
    return;
  }
  const float frame_scale = scale / static_cast<float>(n_channels);
  for (size_t f = 0; f < n_frames; ++f) {
    float sum = 0.0f;
    for (uint32_t c = 0; c < n_channels; ++c) {
      sum += static_cast<float>(load<T>(bytes, f * n_channels + c));
    }
    out[f] = sum * frame_scale;
  }
}

// Zeroes the non-finite values (a NaN or infinite input sample, or huge ones
// whose sum overflowed); returns how many there were.
size_t zero_nonfinite(float* samples, size_t n) {
  size_t n_nonfinite = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(samples[i])) {
      samples[i] = 0.0f;
      ++n_nonfinite;
    }
  }
  return n_nonfinite;
}

}  // namespace

size_t bytes_per_sample(SampleFormat format) {
  switch (format) {
    case SampleFormat::kS16:
      return 2;
    case SampleFormat::kS32:
      return 4;
    case SampleFormat::kF32:
      return 4;
  }
  return 0;
}

std::string_view to_string(SampleFormat format) {
  switch (format) {
    case SampleFormat::kS16:
      return "s16le";
    case SampleFormat::kS32:
      return "s32le";
    case SampleFormat::kF32:
      return "f32le";
  }
  return "?";
}

SampleFormat parse_sample_format(std::string_view name) {
  if (name == "s16le" || name == "s16") return SampleFormat::kS16;
  if (name == "s32le" || name == "s32") return SampleFormat::kS32;
  if (name == "f32le" || name == "float32le" || name == "f32") return SampleFormat::kF32;
  throw std::invalid_argument("unknown sample format '" + std::string(name) +
                              "' (expected s16le, s32le or f32le)");
}

std::string describe(const StreamFormat& format) {
  return std::string(to_string(format.sample_format)) + " " + std::to_string(format.n_channels) +
         "ch " + std::to_string(format.rate) + " Hz";
}

size_t to_mono_float(const void* frames, const StreamFormat& format, size_t n_frames, float* out) {
  const auto* bytes = static_cast<const unsigned char*>(frames);
  switch (format.sample_format) {
    case SampleFormat::kS16:
      average_channels<int16_t>(bytes, format.n_channels, n_frames, 1.0f / 32768.0f, out);
      return 0;
    case SampleFormat::kS32:
      average_channels<int32_t>(bytes, format.n_channels, n_frames, 1.0f / 2147483648.0f, out);
      return 0;
    case SampleFormat::kF32:
      average_channels<float>(bytes, format.n_channels, n_frames, 1.0f, out);
      return zero_nonfinite(out, n_frames);
  }
  return 0;
}

}  // namespace earshot::audio
