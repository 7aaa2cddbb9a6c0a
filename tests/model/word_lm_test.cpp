// The word language model (ARPA reading, back-off scoring, prefixes) and its
// shallow fusion into decoding: hand-made models whose scores are known.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <zlib.h>

#include "model/lm_fusion.h"
#include "model/word_lm.h"

namespace earshot::model {
namespace {

constexpr double kLn10 = 2.302585092994046;

const char* const kArpa = R"(Made by hand for the test.

\data\
ngram 1=5
ngram 2=3
ngram 3=1

\1-grams:
-1.0	<unk>	0
-99	<s>	-0.5
-0.5	</s>
-0.3	the	-0.2
-0.6	cat	-0.1

\2-grams:
-0.2	<s> the	-0.1
-0.4	the cat	-0.05
-0.3	cat </s>

\3-grams:
-0.1	<s> the cat

\end\
)";

WordLm test_lm() { return WordLm::parse_arpa(kArpa, "test.arpa"); }

TEST(WordLm, ReadsTheSectionsAndTheMarkers) {
  const WordLm lm = test_lm();
  EXPECT_EQ(lm.order(), 3);
  EXPECT_EQ(lm.n_words(), 5u);
  EXPECT_EQ(lm.n_ngrams(2), 3u);
  EXPECT_EQ(lm.n_ngrams(3), 1u);
  EXPECT_NE(lm.bos_id(), lm.eos_id());
  EXPECT_EQ(lm.word_id("dog"), lm.unk_id());
  EXPECT_TRUE(lm.known("cat"));
  EXPECT_FALSE(lm.known("Cat"));
}

TEST(WordLm, ScoresTheLongestListedNgramAndBacksOffOtherwise) {
  const WordLm lm = test_lm();
  const int32_t s = lm.bos_id(), the = lm.word_id("the"), cat = lm.word_id("cat");
  EXPECT_NEAR(lm.log_prob(std::vector<int32_t>{s, the}, cat), -0.1 * kLn10, 1e-5);
  // "the cat </s>" is not listed: back-off of "the cat", then "cat </s>".
  EXPECT_NEAR(lm.log_prob(std::vector<int32_t>{the, cat}, lm.eos_id()), (-0.05 - 0.3) * kLn10, 1e-5);
  // Neither "cat the the" nor "the the": back-off of "the" alone, then the 1-gram.
  EXPECT_NEAR(lm.log_prob(std::vector<int32_t>{cat, the}, the), (-0.2 - 0.3) * kLn10, 1e-5);
  // Only the last two words of a longer context count.
  EXPECT_NEAR(lm.log_prob(std::vector<int32_t>{cat, cat, s, the}, cat), -0.1 * kLn10, 1e-5);
  EXPECT_NEAR(lm.log_prob({}, lm.word_id("dog")), -1.0 * kLn10, 1e-5);
}

TEST(WordLm, KnowsWhichSpellingsCanStillBecomeAWord) {
  const WordLm lm = test_lm();
  EXPECT_TRUE(lm.has_prefix(""));
  EXPECT_TRUE(lm.has_prefix("ca"));
  EXPECT_TRUE(lm.has_prefix("the"));
  EXPECT_FALSE(lm.has_prefix("thex"));
  EXPECT_FALSE(lm.has_prefix("cb"));
  EXPECT_FALSE(lm.has_prefix("<s"));  // markers are not words
}

TEST(WordLm, AModelWithoutUnkGetsAFloorForUnknownWords) {
  const WordLm lm = WordLm::parse_arpa("\\data\\\nngram 1=3\n\\1-grams:\n-99 <s>\n-0.5 </s>\n-0.3 a\n\\end\\\n", "x");
  EXPECT_EQ(lm.word_id("b"), lm.unk_id());
  EXPECT_NEAR(lm.log_prob({}, lm.unk_id()), -7.0 * kLn10, 1e-4);
}

void expect_error(const std::string& text, const std::string& expected) {
  try {
    WordLm::parse_arpa(text, "bad.arpa");
    ADD_FAILURE() << "no error for:\n" << text;
  } catch (const WordLmError& e) {
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.arpa"), std::string::npos) << e.what();
  }
}

TEST(WordLm, RefusesFilesItCannotReadAndSaysWhere) {
  expect_error("hello\n", "no \\data\\ section");
  expect_error("\\data\\\nngram 1=2\n\\1-grams:\n-99 <s>\n-0.5 </s>\n-0.3 a\n\\end\\\n", "promises 2 1-grams");
  expect_error("\\data\\\nngram 1=2\nngram 2=1\n\\1-grams:\n-99 <s>\n-0.5 </s>\n\\2-grams:\n-0.1 <s> zebra\n\\end\\\n",
               ":8: the word 'zebra' is not among the 1-grams");
  expect_error("\\data\\\nngram 1=1\nngram 2=1\nngram 3=1\nngram 4=1\n", "order 4 is above");
  expect_error("\\data\\\nngram 1=2\n\\1-grams:\n-99 <s>\nx </s>\n\\end\\\n", "expected a number, found 'x'");
  expect_error("\\data\\\nngram 1=2\n\\1-grams:\n-99 <s>\n-0.5 </s>\n", "expected \\end\\");
  expect_error("\\data\\\nngram 1=2\n\\1-grams:\n-99 a\n-0.5 b\n\\end\\\n", "lacks the <s> or </s>");
  EXPECT_THROW(WordLm::load_arpa("/nonexistent/words.arpa"), WordLmError);
}

// Writes text gzip-compressed (as `gzip` does) to a file under the test's temp folder.
std::string write_gzip(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::temp_directory_path() / name).string();
  gzFile f = gzopen(path.c_str(), "wb9");
  EXPECT_NE(f, nullptr);
  EXPECT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(f);
  return path;
}

TEST(WordLm, ReadsGzipCompressedFilesAsPlainOnes) {
  const WordLm plain = WordLm::parse_arpa(kArpa, "plain");
  const std::string path = write_gzip("earshot_words_test.arpa.gz", kArpa);
  const WordLm gz = WordLm::load_arpa(path);
  ASSERT_EQ(gz.n_words(), plain.n_words());
  const int32_t the = gz.word_id("the"), cat = gz.word_id("cat");
  const std::vector<int32_t> context{gz.bos_id(), the};
  EXPECT_EQ(gz.log_prob(context, cat), plain.log_prob(context, cat));

  // Cut short or damaged: refused, naming the file.
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string cut = path + ".cut";
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  try {
    WordLm::load_arpa(cut);
    ADD_FAILURE() << "read a truncated file";
  } catch (const WordLmError& e) {
    EXPECT_NE(std::string(e.what()).find("ends early"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(cut), std::string::npos) << e.what();
  }
  std::string damaged = bytes;
  for (size_t i = 12; i < 40 && i < damaged.size(); ++i) damaged[i] = static_cast<char>(damaged[i] ^ 0x5a);
  const std::string bad = path + ".bad";
  std::ofstream(bad, std::ios::binary) << damaged;
  EXPECT_THROW(WordLm::load_arpa(bad), WordLmError);
  for (const std::string& p : {path, cut, bad}) std::remove(p.c_str());
}

TEST(LmFusion, ACompletedWordPaysItsWeightedProbabilityAndEarnsTheBonus) {
  const WordLm lm = test_lm();
  const LmFusion fusion(lm, {.weight = 0.5, .word_bonus = 1.5, .oov_penalty = 2.0});
  LmState state = fusion.start();
  EXPECT_EQ(fusion.advance(state, "Th"), 0.0);  // still spelling a known word
  EXPECT_EQ(fusion.advance(state, "e"), 0.0);
  const double the = fusion.advance(state, " ca");  // the space ends "the"
  EXPECT_NEAR(the, 0.5 * -0.2 * kLn10 + 1.5, 1e-5);
  EXPECT_EQ(state.n_words, 1);
  EXPECT_EQ(fusion.advance(state, "t"), 0.0);
  const double end = fusion.finish(state);  // "cat", then </s> after "the cat"
  EXPECT_NEAR(end, 0.5 * -0.1 * kLn10 + 1.5 + 0.5 * (-0.05 - 0.3) * kLn10, 1e-5);
  EXPECT_EQ(state.n_words, 2);
}

TEST(LmFusion, PunctuationAndCaseAreFoldedAsTranscriptsAreScored) {
  const WordLm lm = test_lm();
  const LmFusion fusion(lm, {});
  LmState a = fusion.start(), b = fusion.start();
  const double plain = fusion.advance(a, "the cat") + fusion.finish(a);
  const double written = fusion.advance(b, "The, CAT.") + fusion.finish(b);
  EXPECT_NEAR(plain, written, 1e-9);
}

TEST(LmFusion, AMisspellingPaysOnceWhenItLeavesTheVocabulary) {
  const WordLm lm = test_lm();
  const LmFusion fusion(lm, {.weight = 0.5, .word_bonus = 1.0, .oov_penalty = 2.0});
  LmState state = fusion.start();
  EXPECT_EQ(fusion.advance(state, "ca"), 0.0);
  const double left = fusion.advance(state, "x");  // "cax" starts no word
  EXPECT_NEAR(left, 0.5 * (-0.5 - 1.0) * kLn10 - 2.0, 1e-5);  // back-off of <s>, then <unk>
  EXPECT_TRUE(state.partial_charged);
  EXPECT_EQ(fusion.advance(state, "yz"), 0.0);  // no second charge
  EXPECT_NEAR(fusion.advance(state, " "), 1.0, 1e-9);  // the word ends: only the bonus
  // A whole unknown word that was a prefix all along pays at its end.
  LmState short_word = fusion.start();
  fusion.advance(short_word, "ca");
  EXPECT_NEAR(fusion.advance(short_word, " "), 0.5 * (-0.5 - 1.0) * kLn10 - 2.0 + 1.0, 1e-5);
}

TEST(LmFusion, AnAnswerAfterEarlierTextIsScoredInItsContext) {
  const WordLm lm = test_lm();
  const LmFusion fusion(lm, {});
  LmState after = fusion.start_after("the ca");  // "ca" is still open
  EXPECT_EQ(after.partial, "ca");
  LmState whole = fusion.start();
  fusion.advance(whole, "the ca");
  const double rest = fusion.advance(after, "t") + fusion.finish(after);
  EXPECT_NEAR(rest, fusion.advance(whole, "t") + fusion.finish(whole), 1e-12);
  // "cat" after "the" scores as the model's trigram, not as a sentence's first word.
  LmState fresh = fusion.start();
  EXPECT_GT(rest, fusion.advance(fresh, "cat") + fusion.finish(fresh));
}

}  // namespace
}  // namespace earshot::model
