#include "audio/resampler.h"

#include <speex/speex_resampler.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace earshot::audio {

namespace {

constexpr size_t kFlushChunk = 256;
const float kZeros[kFlushChunk] = {};

}  // namespace

Resampler::Resampler(uint32_t in_rate, uint32_t out_rate, int quality)
    : in_rate_(in_rate), out_rate_(out_rate), quality_(quality) {
  if (in_rate == 0 || out_rate == 0) {
    throw std::invalid_argument("resampler: rates must be > 0 (asked " + std::to_string(in_rate) +
                                " -> " + std::to_string(out_rate) + " Hz)");
  }
  if (quality < SPEEX_RESAMPLER_QUALITY_MIN || quality > SPEEX_RESAMPLER_QUALITY_MAX) {
    throw std::invalid_argument("resampler: quality must be 0..10, not " + std::to_string(quality));
  }
  if (in_rate == out_rate) return;
  int err = RESAMPLER_ERR_SUCCESS;
  state_ = speex_resampler_init(1, in_rate, out_rate, quality, &err);
  if (state_ == nullptr || err != RESAMPLER_ERR_SUCCESS) {
    throw std::runtime_error("resampler: speexdsp cannot convert " + std::to_string(in_rate) +
                             " -> " + std::to_string(out_rate) +
                             " Hz: " + speex_resampler_strerror(err));
  }
  speex_resampler_skip_zeros(state_);
}

Resampler::~Resampler() {
  if (state_) speex_resampler_destroy(state_);
}

size_t Resampler::max_output(size_t n_in) const {
  return n_in * out_rate_ / in_rate_ + 2;
}

size_t Resampler::process(std::span<const float> in, std::span<float> out) {
  if (!state_) {
    const size_t n = std::min(in.size(), out.size());
    std::copy_n(in.data(), n, out.data());
    return n;
  }
  size_t n_in_done = 0, n_out_done = 0;
  // One call consumes everything when out is large enough; loop in case the
  // filter's phase leaves a sample behind.
  while (n_in_done < in.size() && n_out_done < out.size()) {
    spx_uint32_t n_in = static_cast<spx_uint32_t>(in.size() - n_in_done);
    spx_uint32_t n_out = static_cast<spx_uint32_t>(out.size() - n_out_done);
    speex_resampler_process_float(state_, 0, in.data() + n_in_done, &n_in, out.data() + n_out_done,
                                  &n_out);
    n_in_done += n_in;
    n_out_done += n_out;
    if (n_in == 0 && n_out == 0) break;
  }
  return n_out_done;
}

size_t Resampler::input_latency() const {
  return state_ ? static_cast<size_t>(speex_resampler_get_input_latency(state_)) : 0;
}

size_t Resampler::flush(std::span<float> out) {
  if (!state_) return 0;
  size_t n_zeros = input_latency();
  size_t n_out = 0;
  while (n_zeros > 0 && n_out < out.size()) {
    const size_t n = std::min(n_zeros, kFlushChunk);
    n_out += process(std::span<const float>(kZeros, n), out.subspan(n_out));
    n_zeros -= n;
  }
  reset();
  return n_out;
}

void Resampler::reset() {
  if (!state_) return;
  speex_resampler_reset_mem(state_);
  speex_resampler_skip_zeros(state_);
}

}  // namespace earshot::audio
