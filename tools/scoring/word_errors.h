// Word errors of recognised text against what was said (tests, benchmarks):
// words compared with case and punctuation folded, apostrophes kept, as
// tools/wer.py scores them.
#pragma once
#include <string>
#include <vector>

namespace earshot::scoring {

std::vector<std::string> words_of(const std::string& text);

// Substitutions + deletions + insertions turning ref into hyp.
size_t word_edits(const std::vector<std::string>& ref, const std::vector<std::string>& hyp);

// word_edits / words of ref (0 for an empty ref).
double word_error_rate(const std::vector<std::string>& ref, const std::vector<std::string>& hyp);

}  // namespace earshot::scoring
