// The one conversion path every source uses: interleaved device frames (any
// rate, channel count, s16/s32/f32) -> mono float (channels averaged) ->
// speexdsp -> 16 kHz. Also tells where each output piece lies in time.
//
// Thread contract: owned by one capture thread. convert() and flush() never
// allocate, lock or throw; buffers are sized at construction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "audio/resampler.h"
#include "audio/sample_format.h"

namespace earshot::audio {

class CaptureConverter {
 public:
  // Largest number of frames converted in one piece; longer reads are split.
  static constexpr size_t kMaxPieceFrames = 2048;

  CaptureConverter(const StreamFormat& input, int resample_quality);

  const StreamFormat& input() const { return input_; }

  // Converts n_frames interleaved frames. For each output piece calls
  // sink(std::span<const float> samples_16k, int64_t offset_ns), where offset_ns
  // is the time of the piece's first sample relative to frames[0] (negative:
  // the resampler hands audio out slightly after it came in). Returns how many
  // frames were NaN or infinite and went in as silence (for the source's counters).
  template <typename Sink>
  size_t convert(const void* frames, size_t n_frames, Sink&& sink) {
    const auto* bytes = static_cast<const unsigned char*>(frames);
    const int64_t start_in = static_cast<int64_t>(n_frames_in_);
    size_t n_nonfinite = 0;
    for (size_t done = 0; done < n_frames;) {
      const size_t n = std::min(kMaxPieceFrames, n_frames - done);
      const int64_t offset_ns = next_output_offset_ns(start_in);
      const std::span<const float> out =
          convert_piece(bytes + done * input_.bytes_per_frame(), n, n_nonfinite);
      if (!out.empty()) sink(out, offset_ns);
      done += n;
    }
    return n_nonfinite;
  }

  // End of stream: hands out what the resampler still holds (same sink), so
  // that the total output is the input's length at 16 kHz. Then starts afresh.
  template <typename Sink>
  void flush(Sink&& sink) {
    const int64_t offset_ns = next_output_offset_ns(static_cast<int64_t>(n_frames_in_));
    const std::span<const float> out = flush_tail();
    if (!out.empty()) sink(out, offset_ns);
  }

  // Forgets the resampler history without output (after a discontinuity).
  void reset();

 private:
  std::span<const float> convert_piece(const unsigned char* frames, size_t n_frames,
                                       size_t& n_nonfinite);
  std::span<const float> flush_tail();
  // Time of the next output sample minus the time of input frame `input_index`.
  int64_t next_output_offset_ns(int64_t input_index) const;

  StreamFormat input_;
  Resampler resampler_;
  std::vector<float> mono_;    // [kMaxPieceFrames]
  std::vector<float> output_;  // [max_output(kMaxPieceFrames)]
  uint64_t n_frames_in_ = 0;   // since construction or reset
  uint64_t n_samples_out_ = 0;
};

// Converts a whole interleaved float recording to 16 kHz mono: exactly
// round(n_frames * 16000 / rate) samples.
std::vector<float> convert_to_16k_mono(std::span<const float> interleaved, uint32_t rate,
                                       uint32_t n_channels, int resample_quality);

}  // namespace earshot::audio
