// The producer/consumer halves of a source's ring: blocks, timestamps, gaps,
// overruns and the consumer's wait.
#include "audio/block_assembler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <numeric>
#include <thread>
#include <vector>

#include "audio/block_queue.h"
#include "audio/wall_clock.h"

namespace earshot::audio {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kSampleNs = 62500;  // one sample at 16 kHz

std::vector<float> ramp(size_t n, float start = 0.0f) {
  std::vector<float> v(n);
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST(BlockAssembler, CutsFixedBlocksAndStampsTheFirstSample) {
  BlockQueue queue(16);
  CaptureCounters counters;
  BlockAssembler assembler(queue, counters, OverrunPolicy::kDrop, nullptr);
  const int64_t t0 = 1'000'000'000;
  // 100 + 300 samples: the second block starts 60 samples into the second call.
  assembler.append(ramp(100), t0);
  assembler.append(ramp(300, 100.0f), t0 + 100 * kSampleNs + 7);

  AudioBlock a, b, c;
  ASSERT_TRUE(queue.pop(a));
  ASSERT_TRUE(queue.pop(b));
  EXPECT_FALSE(queue.pop(c));  // 80 samples still pending
  EXPECT_EQ(a.n_samples, kBlockSamples);
  EXPECT_EQ(a.first_sample, 0u);
  EXPECT_EQ(a.wall_ns, t0);
  EXPECT_EQ(a.device_ns, 0);
  EXPECT_EQ(a.samples[159], 159.0f);
  EXPECT_EQ(b.first_sample, 160u);
  EXPECT_EQ(b.samples[0], 160.0f);
  EXPECT_EQ(b.wall_ns, t0 + 100 * kSampleNs + 7 + 60 * kSampleNs);
  EXPECT_EQ(b.device_ns, 160 * kSampleNs);
  EXPECT_EQ(b.gap_ns, 0);

  assembler.flush();
  ASSERT_TRUE(queue.pop(c));
  EXPECT_EQ(c.n_samples, 80u);
  EXPECT_EQ(c.samples[79], 399.0f);
  EXPECT_EQ(counters.snapshot().n_samples, 400u);
}

TEST(BlockAssembler, AGapClosesThePartialBlockAndStampsTheNextOne) {
  BlockQueue queue(16);
  CaptureCounters counters;
  BlockAssembler assembler(queue, counters, OverrunPolicy::kDrop, nullptr);
  assembler.append(ramp(200), 0);
  EXPECT_EQ(assembler.expected_wall_ns(), 200 * kSampleNs);
  assembler.add_gap(1'500'000'000);
  assembler.append(ramp(160), 1'500'000'000 + 200 * kSampleNs);

  AudioBlock a, partial, after;
  ASSERT_TRUE(queue.pop(a));
  ASSERT_TRUE(queue.pop(partial));
  ASSERT_TRUE(queue.pop(after));
  EXPECT_EQ(partial.n_samples, 40u);
  EXPECT_EQ(partial.gap_ns, 0);
  EXPECT_EQ(after.gap_ns, 1'500'000'000);
  EXPECT_EQ(after.device_ns, 200 * kSampleNs + 1'500'000'000);
  EXPECT_EQ(after.first_sample, 200u);
  const SourceCounters c = counters.snapshot();
  EXPECT_EQ(c.n_gaps, 1u);
  EXPECT_EQ(c.gap_ns, 1'500'000'000);
}

TEST(BlockAssembler, AFullRingCountsOverrunAndReportsItAsAGap) {
  BlockQueue queue(2);  // two blocks
  CaptureCounters counters;
  BlockAssembler assembler(queue, counters, OverrunPolicy::kDrop, nullptr);
  assembler.append(ramp(kBlockSamples * 5), 0);  // 3 blocks do not fit
  const SourceCounters full = counters.snapshot();
  EXPECT_EQ(full.n_samples, 2 * kBlockSamples);
  EXPECT_EQ(full.n_overrun_samples, 3 * kBlockSamples);

  AudioBlock block;
  ASSERT_TRUE(queue.pop(block));
  ASSERT_TRUE(queue.pop(block));
  assembler.append(ramp(kBlockSamples, 5.0f * kBlockSamples), 5 * kBlockSamples * kSampleNs);
  ASSERT_TRUE(queue.pop(block));
  EXPECT_EQ(block.gap_ns, 3 * static_cast<int64_t>(kBlockSamples) * kSampleNs);
  EXPECT_EQ(block.device_ns, 5 * static_cast<int64_t>(kBlockSamples) * kSampleNs);
  EXPECT_EQ(block.samples[0], 5.0f * kBlockSamples);
  EXPECT_EQ(block.first_sample, 2 * kBlockSamples);
}

TEST(BlockAssembler, WaitPolicyLosesNothingWithASlowConsumer) {
  BlockQueue queue(4);
  CaptureCounters counters;
  std::atomic<bool> stop{false};
  constexpr size_t kTotal = kBlockSamples * 200;
  std::thread producer([&] {
    BlockAssembler assembler(queue, counters, OverrunPolicy::kWait, &stop);
    const std::vector<float> all = ramp(kTotal);
    for (size_t i = 0; i < kTotal; i += 333) {
      const size_t n = std::min<size_t>(333, kTotal - i);
      assembler.append(std::span<const float>(all.data() + i, n), 0);
    }
    assembler.flush();
  });
  size_t n_seen = 0;
  bool in_order = true;
  AudioBlock block;
  while (n_seen < kTotal) {
    if (!queue.wait_pop(block, 2s)) break;
    for (uint32_t i = 0; i < block.n_samples; ++i) {
      in_order = in_order && block.samples[i] == static_cast<float>(n_seen + i);
    }
    n_seen += block.n_samples;
  }
  producer.join();
  EXPECT_EQ(n_seen, kTotal);
  EXPECT_TRUE(in_order);
  EXPECT_EQ(counters.snapshot().n_overrun_samples, 0u);
}

TEST(BlockQueue, WaitPopWakesOnAPushFromAnotherThread) {
  BlockQueue queue(8);
  AudioBlock sent;
  sent.n_samples = 3;
  sent.wall_ns = 42;
  std::thread producer([&] {
    std::this_thread::sleep_for(50ms);
    queue.push(sent);
  });
  AudioBlock got;
  EXPECT_TRUE(queue.wait_pop(got, 5s));
  EXPECT_EQ(got.wall_ns, 42);
  producer.join();
}

TEST(BlockQueue, WaitPopTimesOutWhenNothingComes) {
  BlockQueue queue(8);
  AudioBlock got;
  const int64_t t0 = steady_now_ns();
  EXPECT_FALSE(queue.wait_pop(got, 30ms));
  EXPECT_GE(steady_now_ns() - t0, 25'000'000);
}

TEST(BlockQueue, AWakeWithoutABlockReturnsEarly) {
  BlockQueue queue(8);
  std::thread waker([&] {
    std::this_thread::sleep_for(20ms);
    queue.wake();
  });
  AudioBlock got;
  const int64_t t0 = steady_now_ns();
  EXPECT_FALSE(queue.wait_pop(got, 10s));
  EXPECT_LT(steady_now_ns() - t0, 5'000'000'000);
  waker.join();
}

}  // namespace
}  // namespace earshot::audio
