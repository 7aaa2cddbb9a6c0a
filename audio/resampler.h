// Sample-rate conversion of a mono float stream with the speexdsp resampler,
// aligned so that output sample k is input time k / out_rate (the filter delay is
// skipped at the start and pushed out by flush() at the end).
//
// Thread contract: thread-compatible (one owner at a time); process() and
// flush() allocate nothing and never throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

struct SpeexResamplerState_;

namespace earshot::audio {

class Resampler {
 public:
  // quality: 0 (fastest) .. 10 (best). Throws std::invalid_argument on bad
  // rates or quality. Equal rates pass samples through unchanged.
  Resampler(uint32_t in_rate, uint32_t out_rate, int quality);
  ~Resampler();
  Resampler(const Resampler&) = delete;
  Resampler& operator=(const Resampler&) = delete;

  uint32_t in_rate() const { return in_rate_; }
  uint32_t out_rate() const { return out_rate_; }
  int quality() const { return quality_; }

  // Output room that is always enough for n_in input samples.
  size_t max_output(size_t n_in) const;
  // Consumes all of in; returns the number of samples written to out, which
  // must hold max_output(in.size()).
  size_t process(std::span<const float> in, std::span<float> out);
  // Input samples held inside the filter (0 when passing through).
  size_t input_latency() const;
  // End of stream: writes out what the filter still holds (out must hold
  // max_output(input_latency())) and returns the count; the state is reset.
  size_t flush(std::span<float> out);
  // Forgets the history (after a discontinuity) and skips the delay again.
  void reset();

 private:
  uint32_t in_rate_;
  uint32_t out_rate_;
  int quality_;
  SpeexResamplerState_* state_ = nullptr;  // null when in_rate == out_rate
};

}  // namespace earshot::audio
