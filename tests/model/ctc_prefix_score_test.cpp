// CTC prefix scoring against the definition: the probability that the frames'
// labels begin with (or are exactly) a label sequence is the sum over every
// frame-level path that collapses to such a sequence, which a small case can
// enumerate.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "model/ctc_prefix_score.h"

namespace earshot::model {
namespace {

constexpr int kFrames = 5;
const std::string kLabels = " ab";  // labels 1..3; 0 is the blank

// Random rows of log probabilities over the blank and kLabels.
std::vector<float> random_log_probs(int n_frames, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> logit(-2.0f, 2.0f);
  const size_t n = kLabels.size() + 1;
  std::vector<float> out(static_cast<size_t>(n_frames) * n);
  for (int t = 0; t < n_frames; ++t) {
    float* row = out.data() + static_cast<size_t>(t) * n;
    double sum = 0;
    for (size_t k = 0; k < n; ++k) sum += std::exp(row[k] = logit(rng));
    for (size_t k = 0; k < n; ++k) row[k] -= static_cast<float>(std::log(sum));
  }
  return out;
}

// Probability of every collapsed label string (as characters), summed over all
// (n_labels)^T frame paths.
std::map<std::string, double> enumerate_paths(const std::vector<float>& log_probs) {
  const size_t n = kLabels.size() + 1;
  std::map<std::string, double> out;
  std::vector<size_t> path(kFrames, 0);
  for (;;) {
    double log_p = 0;
    std::string text;
    size_t previous = 0;
    for (int t = 0; t < kFrames; ++t) {
      const size_t k = path[static_cast<size_t>(t)];
      log_p += log_probs[static_cast<size_t>(t) * n + k];
      if (k != 0 && k != previous) text += kLabels[k - 1];
      previous = k;
    }
    out[text] += std::exp(log_p);
    size_t t = 0;
    while (t < path.size() && ++path[t] == n) path[t++] = 0;
    if (t == path.size()) return out;
  }
}

double begins_with(const std::map<std::string, double>& paths, const std::string& prefix) {
  double p = 0;
  for (const auto& [text, prob] : paths) {
    if (text.compare(0, prefix.size(), prefix) == 0) p += prob;
  }
  return p;
}

TEST(CtcPrefixScore, ScoresAreTheSumsOverEveryFramePath) {
  const std::vector<float> log_probs = random_log_probs(kFrames, 3);
  const std::map<std::string, double> paths = enumerate_paths(log_probs);
  const CtcPrefixScorer scorer(kLabels, log_probs, 1.0);
  // Repeated letters (which need a blank between them) and spaces included.
  for (const std::string text : {"a", "b", "aa", "ab", "ba", "a b", "aab", "abab", "a a", "bab"}) {
    SCOPED_TRACE(text);
    CtcPrefixState state = scorer.start();
    double score = 0;
    for (const char c : text) score += scorer.advance(state, std::string(1, c));
    // The recursion takes each row's probabilities to sum to 1; in float
    // they miss it by about 1e-7, which the enumeration's sums keep.
    EXPECT_NEAR(score, std::log(begins_with(paths, text)), 1e-6);
    score += scorer.finish(state);
    EXPECT_NEAR(score, std::log(paths.at(text)), 1e-9);
  }
}

TEST(CtcPrefixScore, APieceOfSeveralLettersScoresAsTheLettersOneByOne) {
  const std::vector<float> log_probs = random_log_probs(kFrames, 5);
  const CtcPrefixScorer scorer(kLabels, log_probs, 0.5);
  CtcPrefixState whole = scorer.start();
  CtcPrefixState letters = scorer.start();
  const double at_once = scorer.advance(whole, "ab") + scorer.advance(whole, " b");
  double one_by_one = 0;
  for (const char* piece : {"a", "b", " ", "b"}) one_by_one += scorer.advance(letters, piece);
  EXPECT_NEAR(at_once, one_by_one, 1e-12);
  EXPECT_NEAR(scorer.finish(whole), scorer.finish(letters), 1e-12);
}

TEST(CtcPrefixScore, TextIsSpelledAsTheHeadWasTrained) {
  const std::vector<float> log_probs = random_log_probs(kFrames, 7);
  const CtcPrefixScorer scorer(kLabels, log_probs, 1.0);
  auto score = [&](const std::vector<std::string>& pieces) {
    CtcPrefixState state = scorer.start();
    double s = 0;
    for (const std::string& p : pieces) s += scorer.advance(state, p);
    return s + scorer.finish(state);
  };
  const double plain = score({"a", " b"});
  // Case folded, no space first or last, runs of spaces and newlines as one,
  // characters without a label skipped.
  EXPECT_NEAR(score({" A", "  B "}), plain, 1e-12);
  EXPECT_NEAR(score({"a.", "\n", "b!"}), plain, 1e-12);
  EXPECT_NEAR(score({"a", "b"}), std::log(enumerate_paths(log_probs).at("ab")), 1e-9);
}

TEST(CtcPrefixScore, ScoresGoOnAfterTheTextAnswersBeginWith) {
  const std::vector<float> log_probs = random_log_probs(kFrames, 11);
  CtcPrefixScorer committed(kLabels, log_probs, 1.0);
  committed.begin_with("a b");
  const CtcPrefixScorer fresh(kLabels, log_probs, 1.0);
  CtcPrefixState after = committed.start();
  CtcPrefixState whole = fresh.start();
  const double before = fresh.advance(whole, "a b");
  EXPECT_NEAR(committed.advance(after, "a"), fresh.advance(whole, "a"), 1e-12);
  EXPECT_NEAR(after.prefix, whole.prefix, 1e-12);
  EXPECT_LT(before, 0.0);
}

TEST(CtcPrefixScore, TheWeightScalesEveryTerm) {
  const std::vector<float> log_probs = random_log_probs(kFrames, 9);
  const CtcPrefixScorer one(kLabels, log_probs, 1.0);
  const CtcPrefixScorer third(kLabels, log_probs, 1.0 / 3);
  CtcPrefixState a = one.start(), b = third.start();
  EXPECT_NEAR(third.advance(b, "ab"), one.advance(a, "ab") / 3, 1e-12);
  EXPECT_NEAR(third.finish(b), one.finish(a) / 3, 1e-12);
}

TEST(CtcPrefixScore, NoFramesScoreNothing) {
  const CtcPrefixScorer scorer(kLabels, {}, 1.0);
  CtcPrefixState state = scorer.start();
  EXPECT_EQ(scorer.advance(state, "ab"), 0.0);
  EXPECT_EQ(scorer.finish(state), 0.0);
}

}  // namespace
}  // namespace earshot::model
