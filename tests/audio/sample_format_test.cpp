#include "audio/sample_format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <vector>

namespace earshot::audio {
namespace {

TEST(SampleFormat, ParsesNamesAndRejectsOthersWithTheAcceptedList) {
  EXPECT_EQ(parse_sample_format("s16le"), SampleFormat::kS16);
  EXPECT_EQ(parse_sample_format("s32le"), SampleFormat::kS32);
  EXPECT_EQ(parse_sample_format("f32le"), SampleFormat::kF32);
  EXPECT_EQ(parse_sample_format("float32le"), SampleFormat::kF32);
  try {
    parse_sample_format("u8");
    FAIL() << "u8 accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'u8'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("s16le, s32le or f32le"), std::string::npos) << e.what();
  }
}

TEST(SampleFormat, ScalesS16ToUnitRange) {
  const std::vector<int16_t> in{0, 16384, -32768, 32767};
  std::vector<float> out(in.size());
  to_mono_float(in.data(), {SampleFormat::kS16, 16000, 1}, in.size(), out.data());
  EXPECT_FLOAT_EQ(out[0], 0.0f);
  EXPECT_FLOAT_EQ(out[1], 0.5f);
  EXPECT_FLOAT_EQ(out[2], -1.0f);
  EXPECT_NEAR(out[3], 1.0f, 1e-4);
}

TEST(SampleFormat, ScalesS32ToUnitRange) {
  const std::vector<int32_t> in{1 << 30, -(1 << 30), INT32_MIN};
  std::vector<float> out(in.size());
  to_mono_float(in.data(), {SampleFormat::kS32, 16000, 1}, in.size(), out.data());
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_FLOAT_EQ(out[1], -0.5f);
  EXPECT_FLOAT_EQ(out[2], -1.0f);
}

TEST(SampleFormat, AveragesChannels) {
  // Stereo frames (L, R): the mono value is their mean.
  const std::vector<float> stereo{1.0f, 0.0f, 0.5f, -0.5f, 0.25f, 0.75f};
  std::vector<float> out(3);
  to_mono_float(stereo.data(), {SampleFormat::kF32, 48000, 2}, 3, out.data());
  EXPECT_FLOAT_EQ(out[0], 0.5f);
  EXPECT_FLOAT_EQ(out[1], 0.0f);
  EXPECT_FLOAT_EQ(out[2], 0.5f);

  const std::vector<int16_t> six_channels{600, 600, 600, 600, 600, 0};
  std::vector<float> one(1);
  to_mono_float(six_channels.data(), {SampleFormat::kS16, 48000, 6}, 1, one.data());
  EXPECT_FLOAT_EQ(one[0], 500.0f / 32768.0f);
}

TEST(SampleFormat, ReadsUnalignedFrames) {
  // A device buffer need not be aligned for the sample type.
  std::vector<unsigned char> bytes(1 + 2 * sizeof(int16_t));
  const int16_t values[2] = {8192, -8192};
  std::memcpy(bytes.data() + 1, values, sizeof(values));
  std::vector<float> out(2);
  to_mono_float(bytes.data() + 1, {SampleFormat::kS16, 16000, 1}, 2, out.data());
  EXPECT_FLOAT_EQ(out[0], 0.25f);
  EXPECT_FLOAT_EQ(out[1], -0.25f);
}

TEST(SampleFormat, NonFiniteFloatsBecomeSilenceAndAreCounted) {
  // A stream declared f32le that is not (or a damaged float file): NaN and
  // infinities must not reach the resampler, the voice activity or the model.
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const std::vector<float> mono{0.5f, kInf, -kInf, std::numeric_limits<float>::quiet_NaN(), -0.25f};
  std::vector<float> out(mono.size());
  EXPECT_EQ(to_mono_float(mono.data(), {SampleFormat::kF32, 16000, 1}, mono.size(), out.data()), 3u);
  EXPECT_EQ(out, (std::vector<float>{0.5f, 0.0f, 0.0f, 0.0f, -0.25f}));

  // Stereo: one bad channel, and two finite channels whose sum overflows.
  const std::vector<float> stereo{kInf, 0.5f, 3e38f, 3e38f, 0.25f, 0.75f};
  std::vector<float> mixed(3);
  EXPECT_EQ(to_mono_float(stereo.data(), {SampleFormat::kF32, 48000, 2}, 3, mixed.data()), 2u);
  EXPECT_EQ(mixed, (std::vector<float>{0.0f, 0.0f, 0.5f}));

  const std::vector<int16_t> s16{1, 2, 3};
  std::vector<float> ints(s16.size());
  EXPECT_EQ(to_mono_float(s16.data(), {SampleFormat::kS16, 16000, 1}, s16.size(), ints.data()), 0u);
}

TEST(SampleFormat, DescribesAStreamFormat) {
  EXPECT_EQ(describe(StreamFormat{SampleFormat::kS16, 48000, 2}), "s16le 2ch 48000 Hz");
}

}  // namespace
}  // namespace earshot::audio
