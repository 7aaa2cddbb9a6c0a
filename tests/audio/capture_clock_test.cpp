#include "audio/capture_clock.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>

#include "audio/audio_block.h"

namespace earshot::audio {
namespace {

constexpr uint32_t kRate = 48000;
constexpr uint64_t kRead = 960;  // 20 ms reads
constexpr int64_t kReadNs = 20'000'000;
constexpr int64_t kStart = 1'700'000'000'000'000'000;

TEST(CaptureClock, TheFirstEstimateAnchorsIt) {
  CaptureClock clock(kRate);
  EXPECT_EQ(clock.wall_ns(0, kStart), kStart);
}

TEST(CaptureClock, SmoothsJitteryEstimatesIntoMonotonicTimes) {
  CaptureClock clock(kRate);
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> jitter(-5'000'000, 5'000'000);  // +-5 ms
  int64_t previous = 0;
  double worst_late_ms = 0;
  for (int i = 0; i < 2000; ++i) {
    const int64_t truth = kStart + i * kReadNs;
    const int64_t got = clock.wall_ns(i * kRead, truth + jitter(rng));
    if (i > 0) {
      ASSERT_GT(got, previous) << i;
    }
    if (i > 100) worst_late_ms = std::max(worst_late_ms, std::fabs((got - truth) / 1e6));
    previous = got;
  }
  EXPECT_LT(worst_late_ms, 3.0);
}

TEST(CaptureClock, ConvergesOnAConstantOffsetAndFollowsDrift) {
  CaptureClock clock(kRate);
  clock.wall_ns(0, kStart);
  // The device runs 200 ppm fast against the system clock, and the first
  // estimate was 40 ms early.
  int64_t error_ns = 0;
  for (int i = 1; i < 1000; ++i) {
    const int64_t truth = kStart + 40'000'000 + static_cast<int64_t>(i * kReadNs * (1.0 - 200e-6));
    error_ns = clock.wall_ns(i * kRead, truth) - truth;
  }
  EXPECT_LT(std::llabs(error_ns), 200'000);  // 0.2 ms
}

TEST(CaptureClock, AJumpReanchorsAtOnce) {
  CaptureClock clock(kRate);
  clock.wall_ns(0, kStart);
  clock.wall_ns(kRead, kStart + kReadNs);
  // A stall: the next read's first frame was captured 2 s later than predicted.
  const int64_t late = kStart + 2 * kReadNs + 2'000'000'000;
  EXPECT_EQ(clock.wall_ns(2 * kRead, late), late);
}

TEST(CaptureClock, EarlierEstimatesNeverMakeTimeRunBackwards) {
  CaptureClock clock(kRate);
  int64_t previous = clock.wall_ns(0, kStart);
  for (int i = 1; i < 200; ++i) {
    // The device suddenly claims its audio is 2 s older than predicted.
    const int64_t got = clock.wall_ns(i * kRead, kStart + i * kReadNs - 2'000'000'000);
    ASSERT_GT(got, previous) << i;
    previous = got;
  }
}

TEST(CaptureClock, ResetForgetsTheAnchor) {
  CaptureClock clock(kRate);
  clock.wall_ns(0, kStart);
  clock.reset();
  EXPECT_EQ(clock.wall_ns(kRead, kStart + 100'000'000), kStart + 100'000'000);
}

}  // namespace
}  // namespace earshot::audio

namespace earshot::audio {
namespace {

// Frame counts turn into times without overflow, also for days of 192 kHz
// audio, where n * 1e9 no longer fits in 64 bits.
TEST(FramesToNs, IsExactAndDoesNotOverflowForDaysOfAudio) {
  EXPECT_EQ(frames_to_ns(48000, 48000), kNsPerSecond);
  EXPECT_EQ(frames_to_ns(1, 48000), 20833);  // 20.833 us, truncated
  EXPECT_EQ(samples_to_ns(16000), frames_to_ns(16000, 16000));
  const uint64_t two_days_at_192k = 2ull * 86400 * 192000 + 96000;  // and half a second
  ASSERT_GT(two_days_at_192k, static_cast<uint64_t>(INT64_MAX) / kNsPerSecond);
  EXPECT_EQ(frames_to_ns(two_days_at_192k, 192000), 2ll * 86400 * kNsPerSecond + kNsPerSecond / 2);
}

}  // namespace
}  // namespace earshot::audio
