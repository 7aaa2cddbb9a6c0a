#include "tools/scoring/word_errors.h"

#include <algorithm>
#include <cctype>

namespace earshot::scoring {

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  std::string word;
  for (const char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'') {
      word += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (!word.empty()) {
      words.push_back(word);
      word.clear();
    }
  }
  return words;
}

size_t word_edits(const std::vector<std::string>& ref, const std::vector<std::string>& hyp) {
  std::vector<size_t> prev(hyp.size() + 1), cur(hyp.size() + 1);
  for (size_t j = 0; j <= hyp.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= ref.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= hyp.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ref[i - 1] == hyp[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[hyp.size()];
}

double word_error_rate(const std::vector<std::string>& ref, const std::vector<std::string>& hyp) {
  return ref.empty() ? 0.0 : static_cast<double>(word_edits(ref, hyp)) / static_cast<double>(ref.size());
}

std::vector<size_t> matched_words(const std::vector<std::string>& ref, const std::vector<std::string>& hyp) {
  const size_t n = ref.size(), m = hyp.size();
  // cost[i][j]: hyp[0, j) against ref words ending at i, any ref prefix skipped for free.
  std::vector<std::vector<size_t>> cost(n + 1, std::vector<size_t>(m + 1));
  for (size_t j = 0; j <= m; ++j) cost[0][j] = j;
  for (size_t i = 1; i <= n; ++i) {
    cost[i][0] = 0;
    for (size_t j = 1; j <= m; ++j) {
      cost[i][j] = std::min({cost[i - 1][j] + 1, cost[i][j - 1] + 1,
                             cost[i - 1][j - 1] + (ref[i - 1] == hyp[j - 1] ? 0 : 1)});
    }
  }
  size_t i = 0;  // any ref suffix is skipped for free: end where the whole hyp costs least
  for (size_t k = 1; k <= n; ++k) {
    if (cost[k][m] < cost[i][m]) i = k;
  }
  std::vector<size_t> matched;
  for (size_t j = m; i > 0 && j > 0;) {
    if (ref[i - 1] == hyp[j - 1] && cost[i][j] == cost[i - 1][j - 1]) {
      matched.push_back(i - 1);
      --i, --j;
    } else if (cost[i][j] == cost[i - 1][j - 1] + 1) {
      --i, --j;
    } else if (cost[i][j] == cost[i][j - 1] + 1) {
      --j;
    } else {
      --i;
    }
  }
  std::reverse(matched.begin(), matched.end());
  return matched;
}

}  // namespace earshot::scoring
