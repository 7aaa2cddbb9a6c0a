// The bounds of greedy decoding: repetition-loop detection and the length
// bound from the audio's duration.
#include <gtest/gtest.h>

#include <vector>

#include "model/greedy.h"

namespace earshot::model {
namespace {

TEST(RepeatedPattern, FindsAShortPatternRepeatedFourTimes) {
  GreedyLimits limits;  // 4 repeats, patterns up to 16, at least 8 tokens
  const std::vector<TokenId> loop = {9, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3};
  EXPECT_EQ(repeated_pattern(loop, limits), 3);
  const std::vector<TokenId> three_times = {9, 9, 1, 2, 3, 1, 2, 3, 1, 2, 3};
  EXPECT_EQ(repeated_pattern(three_times, limits), 0);
  const std::vector<TokenId> broken = {1, 2, 3, 1, 2, 3, 1, 2, 4, 1, 2, 3};
  EXPECT_EQ(repeated_pattern(broken, limits), 0);
}

TEST(RepeatedPattern, ShortPatternsNeedTheMinimumSpan) {
  GreedyLimits limits;
  // "0 0 0 0" is a number, not a loop: one-token patterns need 8 repeats.
  EXPECT_EQ(repeated_pattern(std::vector<TokenId>{5, 0, 0, 0, 0}, limits), 0);
  EXPECT_EQ(repeated_pattern(std::vector<TokenId>{5, 0, 0, 0, 0, 0, 0, 0, 0}, limits), 1);
  EXPECT_EQ(repeated_pattern(std::vector<TokenId>{7, 7, 7, 7, 7, 7, 7}, limits), 0);
}

TEST(RepeatedPattern, LongPatternsAreNotLoops) {
  GreedyLimits limits;
  limits.max_pattern = 2;
  const std::vector<TokenId> loop = {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3};
  EXPECT_EQ(repeated_pattern(loop, limits), 0);
}

TEST(MaxTokens, EightPlusSixPerSecond) {
  EXPECT_EQ(max_tokens_for_audio(0.0), 8);
  EXPECT_EQ(max_tokens_for_audio(1.0), 14);
  EXPECT_EQ(max_tokens_for_audio(0.1), 9);
  EXPECT_EQ(max_tokens_for_audio(30.0), 188);
}

TEST(MaxTokens, ATranslationGetsTheTranscriptionsBoundAndThreeTimesItsRate) {
  EXPECT_EQ(max_tokens_for_translation(0.0), 16);
  EXPECT_EQ(max_tokens_for_translation(1.0), 14 + 26);
  EXPECT_EQ(max_tokens_for_translation(10.0), 68 + 188);
}

}  // namespace
}  // namespace earshot::model
