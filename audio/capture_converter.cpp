#include "audio/capture_converter.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "audio/audio_block.h"

namespace earshot::audio {

CaptureConverter::CaptureConverter(const StreamFormat& input, int resample_quality)
    : input_(input),
      resampler_(input.rate, kCaptureSampleRate, resample_quality),
      mono_(kMaxPieceFrames),
      output_(std::max(resampler_.max_output(kMaxPieceFrames),
                       resampler_.max_output(resampler_.input_latency()))) {
  if (input.n_channels == 0) {
    throw std::invalid_argument("capture converter: " + describe(input) + " has no channels");
  }
}

std::span<const float> CaptureConverter::convert_piece(const unsigned char* frames, size_t n_frames,
                                                       size_t& n_nonfinite) {
  n_nonfinite += to_mono_float(frames, input_, n_frames, mono_.data());
  const size_t n_out = resampler_.process(std::span<const float>(mono_.data(), n_frames), output_);
  n_frames_in_ += n_frames;
  n_samples_out_ += n_out;
  return {output_.data(), n_out};
}

std::span<const float> CaptureConverter::flush_tail() {
  size_t n_out = resampler_.flush(output_);
  // The filter's tail runs past the end of the input; keep the input's length.
  const uint64_t n_expected = (n_frames_in_ * kCaptureSampleRate + input_.rate / 2) / input_.rate;
  const uint64_t n_room = n_expected > n_samples_out_ ? n_expected - n_samples_out_ : 0;
  n_out = std::min<uint64_t>(n_out, n_room);
  n_frames_in_ = 0;
  n_samples_out_ = 0;
  return {output_.data(), n_out};
}

void CaptureConverter::reset() {
  resampler_.reset();
  n_frames_in_ = 0;
  n_samples_out_ = 0;
}

int64_t CaptureConverter::next_output_offset_ns(int64_t input_index) const {
  const double out_s = static_cast<double>(n_samples_out_) / kCaptureSampleRate;
  const double in_s = static_cast<double>(input_index) / input_.rate;
  return static_cast<int64_t>((out_s - in_s) * 1e9);
}

std::vector<float> convert_to_16k_mono(std::span<const float> interleaved, uint32_t rate,
                                       uint32_t n_channels, int resample_quality) {
  const StreamFormat format{SampleFormat::kF32, rate, n_channels};
  CaptureConverter converter(format, resample_quality);
  const size_t n_frames = interleaved.size() / n_channels;
  std::vector<float> out;
  out.reserve(static_cast<size_t>(static_cast<uint64_t>(n_frames) * kCaptureSampleRate / rate) + 1);
  const auto append = [&out](std::span<const float> samples, int64_t) {
    out.insert(out.end(), samples.begin(), samples.end());
  };
  converter.convert(interleaved.data(), n_frames, append);
  converter.flush(append);
  return out;
}

}  // namespace earshot::audio
