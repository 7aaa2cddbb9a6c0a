#include "tools/scoring/word_errors.h"

#include <gtest/gtest.h>

namespace earshot::scoring {
namespace {

TEST(WordErrors, WordsFoldCaseAndPunctuationButKeepApostrophes) {
  EXPECT_EQ(words_of("She's here, isn't she?  YES."),
            (std::vector<std::string>{"SHE'S", "HERE", "ISN'T", "SHE", "YES"}));
}

TEST(WordErrors, EditsCountSubstitutionsDeletionsAndInsertions) {
  const auto ref = words_of("the cat sat on the mat");
  EXPECT_EQ(word_edits(ref, ref), 0u);
  EXPECT_EQ(word_edits(ref, words_of("the cat sat on a mat")), 1u);
  EXPECT_EQ(word_edits(ref, words_of("the cat on the mat")), 1u);
  EXPECT_EQ(word_edits(ref, words_of("the black cat sat on the mat today")), 2u);
  EXPECT_DOUBLE_EQ(word_error_rate(ref, {}), 1.0);
  EXPECT_DOUBLE_EQ(word_error_rate({}, ref), 0.0);
}

TEST(WordErrors, MatchedWordsFindAStretchAnywhereInTheReference) {
  const auto ref = words_of("he remembered the day well because it was candlemas day");
  // A partial of the segment that holds the middle of the utterance.
  EXPECT_EQ(matched_words(ref, words_of("the day will because")), (std::vector<size_t>{2, 3, 5}));
  // The second "day" is matched where the hypothesis puts it, after "candlemas".
  EXPECT_EQ(matched_words(ref, words_of("candlemas day")), (std::vector<size_t>{8, 9}));
  EXPECT_TRUE(matched_words(ref, words_of("nothing like it")).size() <= 1);
  EXPECT_TRUE(matched_words(ref, {}).empty());
  EXPECT_TRUE(matched_words({}, words_of("words")).empty());
}

}  // namespace
}  // namespace earshot::scoring
