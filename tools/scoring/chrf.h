// chrF of translations (tests, benchmarks): the character n-gram F-score that
// sacrebleu's CHRF() computes by default (orders 1-6, beta 2, whitespace
// dropped), as training/metrics.py scores the translation task. Text is UTF-8;
// n-grams are of code points, after case folding (ASCII and Latin-1 letters,
// enough for the Western European target languages).
#pragma once

#include <string>
#include <vector>

namespace earshot::scoring {

// Corpus chrF, 0-100: the n-gram counts of all pairs summed, then one score.
double chrf(const std::vector<std::string>& refs, const std::vector<std::string>& hyps);

}  // namespace earshot::scoring
