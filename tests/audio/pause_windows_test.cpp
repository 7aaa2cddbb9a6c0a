#include "audio/pause_windows.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <vector>

namespace earshot::audio {
namespace {

constexpr size_t kRate = 16000;

// Loud "speech": a tone with a slow warble; `gaps` lists [start, end) seconds of silence.
std::vector<float> speech_with_gaps(double seconds, const std::vector<std::pair<double, double>>& gaps,
                                    size_t extra_samples = 0) {
  std::vector<float> x(static_cast<size_t>(seconds * kRate) + extra_samples);
  for (size_t i = 0; i < x.size(); ++i) {
    const double t = static_cast<double>(i) / kRate;
    bool quiet = false;
    for (const auto& [a, b] : gaps) quiet = quiet || (t >= a && t < b);
    x[i] = quiet ? 0.0f : static_cast<float>(0.3 * std::sin(2 * M_PI * 220 * t) * (1.2 + std::sin(2 * M_PI * 3 * t)));
  }
  return x;
}

// The windows follow each other without a gap or overlap and cover every sample.
void expect_tiling(const std::vector<float>& x, const std::vector<std::span<const float>>& windows) {
  ASSERT_FALSE(windows.empty());
  const float* next = x.data();
  for (const auto& w : windows) {
    EXPECT_EQ(w.data(), next);
    next = w.data() + w.size();
  }
  EXPECT_EQ(next, x.data() + x.size());
}

TEST(PauseWindows, AudioWithinTheLimitIsOneWindow) {
  const std::vector<float> x = speech_with_gaps(3.9, {{1.0, 1.5}});
  const auto windows = pause_windows(x, 4.0);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_EQ(windows[0].size(), x.size());
}

TEST(PauseWindows, CutsInsideThePause) {
  // One 240 ms pause in the second half of the first 4 s window, one in the next.
  const std::vector<float> x = speech_with_gaps(9.0, {{3.0, 3.24}, {6.2, 6.44}}, 123);
  const auto windows = pause_windows(x, 4.0);
  expect_tiling(x, windows);
  ASSERT_EQ(windows.size(), 3u);
  const double first_cut = static_cast<double>(windows[0].size()) / kRate;
  EXPECT_GE(first_cut, 3.0);
  EXPECT_LE(first_cut, 3.24);
  const double second_cut = first_cut + static_cast<double>(windows[1].size()) / kRate;
  EXPECT_GE(second_cut, 6.2);
  EXPECT_LE(second_cut, 6.44);
}

TEST(PauseWindows, PrefersAPauseToAStopClosure) {
  // A 40 ms drop (like a stop consonant's closure) late in the window, and a
  // real 200 ms pause earlier: the cut goes to the pause.
  const std::vector<float> x = speech_with_gaps(6.0, {{2.4, 2.6}, {3.8, 3.84}});
  const auto windows = pause_windows(x, 4.0);
  expect_tiling(x, windows);
  const double cut = static_cast<double>(windows[0].size()) / kRate;
  EXPECT_GE(cut, 2.4);
  EXPECT_LE(cut, 2.6);
}

TEST(PauseWindows, WithoutPausesWindowsStayWithinHalfAndAllOfTheLimit) {
  const std::vector<float> x = speech_with_gaps(21.0, {}, 77);
  const auto windows = pause_windows(x, 4.0);
  expect_tiling(x, windows);
  for (size_t i = 0; i + 1 < windows.size(); ++i) {
    EXPECT_LE(windows[i].size(), 4 * kRate) << "window " << i;
    EXPECT_GE(windows[i].size(), 2 * kRate) << "window " << i;
    EXPECT_EQ(windows[i].size() % 640, 0u) << "window " << i;
  }
  EXPECT_LE(windows.back().size(), 4 * kRate);
}

TEST(PauseWindows, ALimitBelowOneFrameGivesOneFrameWindows) {
  const std::vector<float> x = speech_with_gaps(0.2, {}, 10);
  const auto windows = pause_windows(x, 0.001);
  expect_tiling(x, windows);
  ASSERT_EQ(windows.size(), 6u);  // five whole frames, then the 10 samples left
  EXPECT_EQ(windows.back().size(), 10u);
}

TEST(PauseWindows, EmptyAudioIsOneEmptyWindow) {
  const std::vector<float> x;
  const auto windows = pause_windows(x, 4.0);
  ASSERT_EQ(windows.size(), 1u);
  EXPECT_TRUE(windows[0].empty());
}

}  // namespace
}  // namespace earshot::audio
