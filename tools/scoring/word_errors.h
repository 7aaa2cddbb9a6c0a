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

// Which words of ref a hypothesis got right when it may cover only a stretch
// of ref (a partial of one segment of a longer utterance): the alignment with
// the fewest edits that may skip any words before and after the stretch for
// free. Returns the indices of the ref words the hypothesis matches exactly.
std::vector<size_t> matched_words(const std::vector<std::string>& ref, const std::vector<std::string>& hyp);

}  // namespace earshot::scoring
