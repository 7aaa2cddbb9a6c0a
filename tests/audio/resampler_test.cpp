// Accuracy of the conversion path: sines in at the common device rates, mono
// and stereo, through CaptureConverter (average channels, speexdsp) to 16 kHz.
#include "audio/resampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <tuple>
#include <vector>

#include "audio/capture_converter.h"
#include "signal_analysis.h"

namespace earshot::audio {
namespace {

using testing::dominant_frequency;
using testing::make_sine;
using testing::rms;
using testing::sine_snr_db;

constexpr uint32_t kOut = 16000;

// Converts a whole sine in pieces the size of a device period (10 ms), as a
// capture thread does, and returns the 16 kHz output.
std::vector<float> convert_in_periods(const std::vector<float>& interleaved, uint32_t rate,
                                      uint32_t n_channels, int quality) {
  CaptureConverter converter({SampleFormat::kF32, rate, n_channels}, quality);
  std::vector<float> out;
  const auto sink = [&](std::span<const float> s, int64_t) {
    out.insert(out.end(), s.begin(), s.end());
  };
  const size_t n_frames = interleaved.size() / n_channels;
  const size_t period = rate / 100;
  for (size_t f = 0; f < n_frames; f += period) {
    const size_t n = std::min(period, n_frames - f);
    converter.convert(interleaved.data() + f * n_channels, n, sink);
  }
  converter.flush(sink);
  return out;
}

class ResamplerAccuracy : public ::testing::TestWithParam<std::tuple<uint32_t, uint32_t>> {};

TEST_P(ResamplerAccuracy, KeepsAToneBelow8kHzClean) {
  const auto [rate, n_channels] = GetParam();
  const double tone_hz = 1000.0;
  const std::vector<float> in = make_sine(tone_hz, rate, rate * 2, n_channels, 0.5);
  const std::vector<float> out = convert_in_periods(in, rate, n_channels, 5);

  // Length: exactly the input's duration at 16 kHz.
  EXPECT_EQ(out.size(), 2u * kOut);
  // Skip the filter's start-up edge and measure the middle.
  const std::span<const float> middle(out.data() + kOut / 10, out.size() - kOut / 5);
  EXPECT_NEAR(dominant_frequency(middle, kOut), tone_hz, 1.0);
  EXPECT_NEAR(rms(middle), 0.5 / std::sqrt(2.0), 0.01);
  const double snr = sine_snr_db(middle, kOut, tone_hz);
  EXPECT_GT(snr, 40.0) << rate << " Hz, " << n_channels << " ch";
  RecordProperty("snr_db_" + std::to_string(rate) + "_" + std::to_string(n_channels),
                 std::to_string(snr));
}

TEST_P(ResamplerAccuracy, KeepsTimeAlignedWithTheInput) {
  // A click at t = 0.5 s comes out at t = 0.5 s (the filter delay is skipped).
  const auto [rate, n_channels] = GetParam();
  std::vector<float> in(rate * n_channels, 0.0f);
  for (uint32_t c = 0; c < n_channels; ++c) in[(rate / 2) * n_channels + c] = 1.0f;
  const std::vector<float> out = convert_in_periods(in, rate, n_channels, 5);
  size_t peak = 0;
  for (size_t i = 1; i < out.size(); ++i) {
    if (std::fabs(out[i]) > std::fabs(out[peak])) peak = i;
  }
  EXPECT_NEAR(static_cast<double>(peak), kOut / 2.0, 1.0);
}

INSTANTIATE_TEST_SUITE_P(DeviceRates, ResamplerAccuracy,
                         ::testing::Combine(::testing::Values(8000u, 22050u, 44100u, 48000u),
                                            ::testing::Values(1u, 2u)),
                         [](const auto& info) {
                           return std::to_string(std::get<0>(info.param)) + "Hz_" +
                                  std::to_string(std::get<1>(info.param)) + "ch";
                         });

class ResamplerStopband : public ::testing::TestWithParam<uint32_t> {};

TEST_P(ResamplerStopband, AttenuatesAToneAbove8kHz) {
  const uint32_t rate = GetParam();
  const std::vector<float> in = make_sine(11000.0, rate, rate, 2, 0.5);
  const std::vector<float> out = convert_in_periods(in, rate, 2, 5);
  const std::span<const float> middle(out.data() + kOut / 10, out.size() - kOut / 5);
  const double attenuation_db = 20.0 * std::log10(rms(middle) / (0.5 / std::sqrt(2.0)));
  EXPECT_LT(attenuation_db, -40.0) << rate << " Hz";
}

INSTANTIATE_TEST_SUITE_P(DeviceRates, ResamplerStopband, ::testing::Values(44100u, 48000u),
                         [](const auto& info) { return std::to_string(info.param) + "Hz"; });

TEST(Resampler, OppositeChannelsCancelInTheDownmix) {
  std::vector<float> in = make_sine(440.0, 48000, 4800, 2, 0.5);
  for (size_t i = 1; i < in.size(); i += 2) in[i] = -in[i];
  const std::vector<float> out = convert_in_periods(in, 48000, 2, 5);
  EXPECT_LT(rms(out), 1e-6);
}

TEST(Resampler, PassesThrough16kHzUnchanged) {
  const std::vector<float> in = make_sine(440.0, kOut, 1600, 1, 0.5);
  const std::vector<float> out = convert_in_periods(in, kOut, 1, 5);
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) ASSERT_EQ(out[i], in[i]);
}

TEST(Resampler, HigherQualityIsCleaner) {
  const std::vector<float> in = make_sine(3000.0, 44100, 44100, 1, 0.5);
  const auto snr_at = [&](int quality) {
    const std::vector<float> out = convert_in_periods(in, 44100, 1, quality);
    return sine_snr_db(std::span<const float>(out.data() + 1600, out.size() - 3200), kOut, 3000.0);
  };
  EXPECT_GE(snr_at(10), snr_at(1));
  EXPECT_GT(snr_at(10), 60.0);
}

TEST(Resampler, RejectsBadSettingsWithTheValues) {
  EXPECT_THROW(Resampler(0, 16000, 5), std::invalid_argument);
  try {
    Resampler r(48000, 16000, 11);
    FAIL() << "quality 11 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("11"), std::string::npos) << e.what();
  }
}

TEST(Resampler, ConvertsAWholeRecordingToTheExactLength) {
  for (const uint32_t rate : {8000u, 11025u, 22050u, 44100u, 48000u, 96000u}) {
    const std::vector<float> in = make_sine(500.0, rate, rate * 3 / 2 + 7, 1, 0.5);
    const std::vector<float> out = convert_to_16k_mono(in, rate, 1, 5);
    const size_t expected =
        static_cast<size_t>((static_cast<uint64_t>(rate * 3 / 2 + 7) * kOut + rate / 2) / rate);
    EXPECT_EQ(out.size(), expected) << rate << " Hz";
  }
}

}  // namespace
}  // namespace earshot::audio
