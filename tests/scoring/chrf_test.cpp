#include "tools/scoring/chrf.h"

#include <gtest/gtest.h>

namespace earshot::scoring {
namespace {

// The cases of training/metrics.py's self-test, worked out by hand there
// (F2 = 5PR / (4P + R) of the averaged precision and recall).
TEST(Chrf, MatchesTheTrainingScorerOnHandWorkedCases) {
  EXPECT_DOUBLE_EQ(chrf({"abc"}, {"abc"}), 100.0);
  EXPECT_DOUBLE_EQ(chrf({"a b"}, {"ab"}), 100.0);
  EXPECT_DOUBLE_EQ(chrf({"ab"}, {"cd"}), 0.0);
  EXPECT_DOUBLE_EQ(chrf({"abc"}, {""}), 0.0);
  EXPECT_NEAR(chrf({"abc"}, {"ab"}), 100.0 * 7 / 11, 1e-9);
  EXPECT_NEAR(chrf({"a"}, {"aaa"}), 100.0 * 5 / 7, 1e-9);
  EXPECT_NEAR(chrf({"abc", "abc"}, {"ab", "abc"}), 100.0 * 125 / 169, 1e-9);
}

TEST(Chrf, CountsAccentedLettersAsOneCharacterAndFoldsTheirCase) {
  // "ñ" is two bytes but one character: "año" against "ano" shares 2 of 3
  // 1-grams, none of the 2 2-grams and not the 3-gram; P = R = (2/3 + 0 + 0) / 3
  // (training/metrics.py gives the same 22.2).
  EXPECT_NEAR(chrf({"año"}, {"ano"}), 100.0 * 2 / 9, 1e-9);
  EXPECT_DOUBLE_EQ(chrf({"Él dijo SÍ"}, {"él dijo sí"}), 100.0);
}

}  // namespace
}  // namespace earshot::scoring
