#include "stream/stable_text.h"

#include <algorithm>

namespace earshot::stream {

size_t StableText::offer(std::span<const TokenId> continuation) {
  size_t agreed = 0;
  while (agreed < continuation.size() && agreed < previous_.size() &&
         continuation[agreed] == previous_[agreed]) {
    ++agreed;
  }
  // Keep only whole words: cut back to the last word start inside the agreed
  // run, unless the token after the run (in this decode) starts a word.
  const bool next_starts_word =
      agreed < continuation.size() && starts_word_(continuation[agreed]);
  if (!next_starts_word) {
    while (agreed > 0 && !starts_word_(continuation[agreed - 1])) --agreed;
    if (agreed > 0) --agreed;  // the token that starts the unfinished word
  }
  stable_.insert(stable_.end(), continuation.begin(), continuation.begin() + agreed);
  previous_.assign(continuation.begin() + agreed, continuation.end());
  unstable_ = previous_;
  return agreed;
}

void StableText::hold(std::span<const TokenId> continuation) {
  previous_.clear();
  unstable_.assign(continuation.begin(), continuation.end());
}

std::vector<TokenId> StableText::finish(std::span<const TokenId> final_continuation) {
  std::vector<TokenId> all = stable_;
  all.insert(all.end(), final_continuation.begin(), final_continuation.end());
  reset();
  return all;
}

void StableText::reset() {
  stable_.clear();
  previous_.clear();
  unstable_.clear();
}

}  // namespace earshot::stream
