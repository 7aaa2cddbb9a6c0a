#include "stream/voice_activity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
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

// A word's decaying tail: noise from `start_dbfs` falling `db_per_s`, as a room's
// reverberation after the voice stops.
std::vector<float> decaying_tail(double seconds, double start_dbfs, double db_per_s) {
  std::vector<float> tail = noise(seconds, 0.0, 5);
  for (size_t i = 0; i < tail.size(); ++i) {
    const double t = static_cast<double>(i) / 16000.0;
    tail[i] *= static_cast<float>(std::pow(10.0, (start_dbfs - db_per_s * t) / 20.0));
  }
  return tail;
}

// First frame at or after `from` that is not speech (decisions.size() if none).
size_t first_quiet(const std::vector<bool>& d, size_t from) {
  while (from < d.size() && d[from]) ++from;
  return from;
}

TEST(VoiceActivity, SpeechEndsWithTheWordNotWithItsTail) {
  // 1 s of quiet room, a 1 s word at -10 dBFS, then its tail from -30 dBFS falling
  // 40 dB/s: 30 dB under the word after 1/4 s, under the -60 dBFS gate after 3/4 s.
  std::vector<float> s = noise(1.0, -95.0);
  append(s, voiced(1.0, -10.0));
  std::vector<float> tail = decaying_tail(1.5, -30.0, 40.0);
  const std::vector<float> room = noise(1.5, -95.0, 6);
  for (size_t i = 0; i < tail.size(); ++i) tail[i] += room[i];
  append(s, tail);
  VoiceActivity with_range;
  const auto d = decisions(s, with_range);
  const size_t word_end = 50;  // frames
  // about 6 tail frames within 30 dB, then the 8-frame hangover
  EXPECT_LE(first_quiet(d, word_end - 5), word_end + 8 + 8);

  VadConfig no_range;
  no_range.speech_range_db = 0;
  VoiceActivity floor_only(no_range);
  const auto old = decisions(s, floor_only);
  // measured against the floor and the gate alone, the tail holds speech open for
  // about 19 frames
  EXPECT_GE(first_quiet(old, word_end - 5), word_end + 16 + 8);
}

TEST(VoiceActivity, HearsAQuieterVoiceAfterAPause) {
  // a loud voice, 1.5 s of quiet, then a voice 30 dB softer: the peak has fallen
  // far enough by then that the softer voice is within range again
  std::vector<float> s = noise(1.0, -90.0);
  append(s, voiced(1.0, -15.0));
  append(s, noise(1.5, -90.0, 3));
  append(s, voiced(1.0, -45.0, 4));
  append(s, noise(0.5, -90.0, 7));
  VoiceActivity vad;
  const auto d = decisions(s, vad);
  ASSERT_EQ(d.size(), 125u);
  EXPECT_GE(count(d, 25, 50), 22);   // the loud voice
  EXPECT_GE(count(d, 90, 112), 20);  // the soft one, after its onset
}

// A second of a quiet room with a glitch of `n` equal samples 0.5 s in, a second
// more of room, a voice at -20 dBFS for a second, then room again: 87 frames, the
// voice in frames 50-75.
std::vector<float> voice_after_glitch(float glitch, std::size_t n) {
  std::vector<float> s = noise(1.0, -60.0);
  std::fill_n(s.begin() + 8000, n, glitch);
  append(s, noise(1.0, -60.0, 3));
  append(s, voiced(1.0, -20.0));
  append(s, noise(0.5, -60.0, 4));
  return s;
}

TEST(VoiceActivity, NonFiniteSamplesDoNotDeafenIt) {
  // One +Inf (or NaN) sample, as from a pipe of another format read as f32le,
  // then a quiet room and a voice: the voice is heard as if it had never come.
  for (const float bad : {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    VoiceActivity vad;
    const auto d = decisions(voice_after_glitch(bad, 1), vad);
    ASSERT_EQ(d.size(), 87u);
    EXPECT_EQ(count(d, 0, 50), 0) << "value " << bad;
    EXPECT_GE(count(d, 52, 75), 22) << "value " << bad;
    EXPECT_TRUE(std::isfinite(vad.noise_floor_dbfs())) << "value " << bad;
  }
}

TEST(VoiceActivity, LoudGarbageCountsAsFullScale) {
  // A frame of finite but absurd floats (1e30, +600 dBFS) holds the peak no higher
  // than full scale, so a voice 20 dB below it a second later is still in range.
  VoiceActivity vad;
  const auto d = decisions(voice_after_glitch(1e30f, 640), vad);
  ASSERT_EQ(d.size(), 87u);
  EXPECT_GE(count(d, 52, 75), 22);
}

}  // namespace
}  // namespace earshot::stream
