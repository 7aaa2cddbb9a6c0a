#include "wav_writer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>
#include <stdexcept>
#include <vector>

namespace earshot::daemon::testing {
namespace {

void put_u32(std::ofstream& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 24)};
  out.write(b, 4);
}

void put_u16(std::ofstream& out, uint16_t v) {
  const char b[2] = {static_cast<char>(v), static_cast<char>(v >> 8)};
  out.write(b, 2);
}

}  // namespace

void write_wav(const std::string& path, std::span<const float> samples, int rate) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw std::runtime_error("cannot write " + path);
  const uint32_t data_bytes = static_cast<uint32_t>(samples.size() * 2);
  out.write("RIFF", 4);
  put_u32(out, 36 + data_bytes);
  out.write("WAVEfmt ", 8);
  put_u32(out, 16);
  put_u16(out, 1);  // PCM
  put_u16(out, 1);  // mono
  put_u32(out, static_cast<uint32_t>(rate));
  put_u32(out, static_cast<uint32_t>(rate) * 2);
  put_u16(out, 2);
  put_u16(out, 16);
  out.write("data", 4);
  put_u32(out, data_bytes);
  for (const float s : samples) {
    const auto v = static_cast<int16_t>(std::lround(std::clamp(s, -1.0f, 1.0f) * 32767.0f));
    put_u16(out, static_cast<uint16_t>(v));
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

void write_silence_wav(const std::string& path, double seconds, int rate) {
  const std::vector<float> zeros(static_cast<size_t>(seconds * rate), 0.0f);
  write_wav(path, zeros, rate);
}

void write_noise_bursts_wav(const std::string& path, double seconds) {
  constexpr int kRate = 16000;
  std::mt19937 random(7);
  std::uniform_real_distribution<float> noise(-0.3f, 0.3f);
  const size_t n_burst = static_cast<size_t>(0.6 * kRate);
  std::vector<float> samples(static_cast<size_t>(seconds * kRate), 0.0f);
  for (size_t i = 0; i < samples.size(); ++i) {
    if ((i / n_burst) % 2 == 0) samples[i] = noise(random);
  }
  write_wav(path, samples, kRate);
}

}  // namespace earshot::daemon::testing
