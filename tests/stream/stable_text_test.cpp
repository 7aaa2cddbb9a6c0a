#include "stream/stable_text.h"

#include <gtest/gtest.h>

namespace earshot::stream {
namespace {

// Token ids >= 100 start a word; ids below continue one.
StableText make() {
  return StableText([](TokenId t) { return t >= 100; });
}

TEST(StableText, NothingIsStableAfterOneDecode) {
  StableText s = make();
  const std::vector<TokenId> a{100, 101, 102};
  EXPECT_EQ(s.offer(a), 0u);
  EXPECT_TRUE(s.stable().empty());
  EXPECT_EQ(s.unstable(), a);
}

TEST(StableText, AgreedWholeWordsBecomeStable) {
  StableText s = make();
  s.offer(std::vector<TokenId>{100, 101, 102, 5});
  // Agree on 100 101 102; the next token (7) continues word 102, so 102 stays open.
  EXPECT_EQ(s.offer(std::vector<TokenId>{100, 101, 102, 7}), 2u);
  EXPECT_EQ(s.stable(), (std::vector<TokenId>{100, 101}));
  EXPECT_EQ(s.unstable(), (std::vector<TokenId>{102, 7}));
}

TEST(StableText, AgreementEndingBeforeAWordStartKeepsTheWholeRun) {
  StableText s = make();
  s.offer(std::vector<TokenId>{100, 3, 101, 104});
  EXPECT_EQ(s.offer(std::vector<TokenId>{100, 3, 105}), 2u);
  EXPECT_EQ(s.stable(), (std::vector<TokenId>{100, 3}));
}

TEST(StableText, LaterOffersAreRelativeToTheStablePrefix) {
  StableText s = make();
  s.offer(std::vector<TokenId>{100, 101, 102});
  s.offer(std::vector<TokenId>{100, 101, 102});  // 100 101 stable, 102 may be unfinished
  ASSERT_EQ(s.stable(), (std::vector<TokenId>{100, 101}));
  // The decoder now continues after the forced stable prefix: 102 agrees with
  // the open word of the last decode and is complete, since 103 starts a word.
  EXPECT_EQ(s.offer(std::vector<TokenId>{102, 103}), 1u);
  EXPECT_EQ(s.offer(std::vector<TokenId>{103, 104}), 1u);
  EXPECT_EQ(s.stable(), (std::vector<TokenId>{100, 101, 102, 103}));
  EXPECT_EQ(s.unstable(), (std::vector<TokenId>{104}));
}

TEST(StableText, DisagreementStabilisesNothingAndFinishTakesTheLast) {
  StableText s = make();
  s.offer(std::vector<TokenId>{100, 101});
  EXPECT_EQ(s.offer(std::vector<TokenId>{110, 111}), 0u);
  EXPECT_EQ(s.finish(std::vector<TokenId>{110, 111, 112}), (std::vector<TokenId>{110, 111, 112}));
  EXPECT_TRUE(s.stable().empty());
}

TEST(StableText, AHeldDecodeIsShownButNeverAgreedWith) {
  StableText s = make();
  const std::vector<TokenId> guess{100, 101, 102};
  s.hold(guess);
  EXPECT_TRUE(s.stable().empty());
  EXPECT_EQ(s.unstable(), guess);
  // The first decode after a held one has nothing to agree with yet.
  EXPECT_EQ(s.offer(guess), 0u);
  EXPECT_EQ(s.offer(guess), 2u);
}

}  // namespace
}  // namespace earshot::stream
