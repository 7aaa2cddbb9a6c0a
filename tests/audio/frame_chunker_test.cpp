#include "audio/frame_chunker.h"

#include <gtest/gtest.h>

#include <vector>

namespace earshot::audio {
namespace {

TEST(FrameChunker, EmitsWholeFramesAcrossCalls) {
  FrameChunker chunker(4);
  std::vector<float> a{1, 2, 3};
  EXPECT_TRUE(chunker.push(a).empty());
  std::vector<float> b{4, 5, 6, 7, 8, 9};
  EXPECT_EQ(chunker.push(b), (std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(chunker.pending(), 1u);
}

TEST(FrameChunker, FlushZeroPadsTheLastFrame) {
  FrameChunker chunker(4);
  std::vector<float> a{1, 2, 3, 4, 5};
  EXPECT_EQ(chunker.push(a).size(), 4u);
  EXPECT_EQ(chunker.flush(), (std::vector<float>{5, 0, 0, 0}));
  EXPECT_TRUE(chunker.flush().empty());
}

TEST(FrameChunker, DefaultFrameIsFortyMilliseconds) {
  FrameChunker chunker;
  EXPECT_EQ(chunker.frame_samples() * 1000 / kModelSampleRate, 40u);
}

}  // namespace
}  // namespace earshot::audio
