#include "audio/sample_ring.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

namespace earshot::audio {
namespace {

TEST(SpscRing, RoundsCapacityToPowerOfTwo) {
  SpscRing<float> ring(5);
  EXPECT_EQ(ring.capacity(), 8u);
}

TEST(SpscRing, WriteStopsWhenFullAndReportsCount) {
  SpscRing<int> ring(4);
  std::vector<int> in{1, 2, 3, 4, 5, 6};
  EXPECT_EQ(ring.write(in), 4u);
  EXPECT_EQ(ring.available(), 4u);
  std::vector<int> out(6, 0);
  EXPECT_EQ(ring.read(out), 4u);
  EXPECT_EQ((std::vector<int>{1, 2, 3, 4}), std::vector<int>(out.begin(), out.begin() + 4));
  EXPECT_EQ(ring.available(), 0u);
}

TEST(SpscRing, WrapsAroundATinyBufferManyTimes) {
  SpscRing<int> ring(4);
  int next_in = 0, next_out = 0;
  for (int round = 0; round < 1000; ++round) {
    std::vector<int> in(static_cast<size_t>(round % 3 + 1));
    for (auto& v : in) v = next_in++;
    ASSERT_EQ(ring.write(in), in.size());
    std::vector<int> out(in.size());
    ASSERT_EQ(ring.read(out), out.size());
    for (int v : out) ASSERT_EQ(v, next_out++);
  }
}

// Two threads, a small ring: every item arrives once, in order. Run under
// -DEARSHOT_SANITIZE=thread to check the memory ordering.
TEST(SpscRing, TwoThreadStressKeepsOrder) {
  constexpr uint32_t kItems = 2'000'000;
  SpscRing<uint32_t> ring(64);
  std::thread producer([&] {
    uint32_t next = 0;
    std::vector<uint32_t> block(7);
    while (next < kItems) {
      const size_t n = std::min<size_t>(block.size(), kItems - next);
      for (size_t i = 0; i < n; ++i) block[i] = next + static_cast<uint32_t>(i);
      next += static_cast<uint32_t>(ring.write(std::span<const uint32_t>(block.data(), n)));
    }
  });
  uint32_t expected = 0;
  bool in_order = true;
  std::vector<uint32_t> out(5);
  while (expected < kItems) {
    const size_t n = ring.read(out);
    for (size_t i = 0; i < n; ++i) in_order = in_order && out[i] == expected++;
  }
  producer.join();
  EXPECT_TRUE(in_order);
  EXPECT_EQ(ring.available(), 0u);
}

}  // namespace
}  // namespace earshot::audio
