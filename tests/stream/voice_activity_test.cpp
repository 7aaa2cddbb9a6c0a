#include "stream/voice_activity.h"

#include <gtest/gtest.h>

#include <span>
#include <vector>

#include "test_signals.h"

namespace earshot::stream {
namespace {

using testing::append;
using testing::noise;
using testing::voiced;

// Frame-by-frame speech decisions over a signal (40 ms frames).
std::vector<bool> decisions(const std::vector<float>& signal, VoiceActivity& vad) {
  std::vector<bool> out;
  for (size_t i = 0; i + 640 <= signal.size(); i += 640) {
    out.push_back(vad.push_frame(std::span<const float>(signal.data() + i, 640), 0.04));
  }
  return out;
}

int count(const std::vector<bool>& d, size_t from, size_t to) {
  int n = 0;
  for (size_t i = from; i < to && i < d.size(); ++i) n += d[i] ? 1 : 0;
  return n;
}

TEST(VoiceActivity, DigitalSilenceIsNeverSpeech) {
  VoiceActivity vad;
  const std::vector<float> silence(16000 * 5, 0.0f);
  EXPECT_EQ(count(decisions(silence, vad), 0, 1000), 0);
  EXPECT_LT(vad.noise_floor_dbfs(), -100);
}

TEST(VoiceActivity, SteadyNoiseAloneIsNotSpeech) {
  VoiceActivity vad;
  const auto d = decisions(noise(10.0, -35.0), vad);
  EXPECT_EQ(count(d, 0, d.size()), 0);
}

TEST(VoiceActivity, FindsSpeechInQuietNoiseAndEndsAfterTheHangover) {
  std::vector<float> s = noise(2.0, -60.0);
  append(s, voiced(2.0, -20.0));
  append(s, noise(2.0, -60.0, 3));
  VoiceActivity vad;
  const auto d = decisions(s, vad);
  ASSERT_EQ(d.size(), 150u);
  EXPECT_EQ(count(d, 0, 50), 0);            // leading noise
  EXPECT_GE(count(d, 52, 100), 47);         // the burst, after a 2-frame onset
  EXPECT_EQ(count(d, 100 + 8, 150), 0);     // quiet again after the 8-frame hangover
}

TEST(VoiceActivity, FindsSpeechOverLouderBackgroundNoise) {
  std::vector<float> s = noise(3.0, -40.0);
  std::vector<float> speech = voiced(2.0, -15.0);
  const std::vector<float> bed = noise(2.0, -40.0, 9);
  for (size_t i = 0; i < speech.size(); ++i) speech[i] += bed[i];
  append(s, speech);
  append(s, noise(1.0, -40.0, 4));
  VoiceActivity vad;
  const auto d = decisions(s, vad);
  EXPECT_EQ(count(d, 0, 75), 0);
  EXPECT_GE(count(d, 77, 125), 45);
}

}  // namespace
}  // namespace earshot::stream
