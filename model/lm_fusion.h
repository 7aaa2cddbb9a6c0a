// Shallow fusion of a word language model into decoding: the words a
// hypothesis has completed are scored by the WordLm, weighted, and added to
// the speech model's own log-probability.
//
//   LmFusion fusion(lm, {.weight = 0.5, .word_bonus = 1.0});
//   LmState state = fusion.start();                      // per hypothesis
//   LmState after = fusion.start_after("so he said ");   // or after earlier text
//   double delta = fusion.advance(state, tok.piece_bytes(id));  // add to its score
//   double last = fusion.finish(state);                  // at the stop token
//
// Words: the decoded text split at spaces and newlines, lower-cased, keeping
// letters and apostrophes (how transcripts are scored). The piece that
// completes a word pays weight * ln P(word | two words before) plus the word
// bonus (which offsets the cost of saying anything at all, so the search does
// not favour short answers). A word still being spelled that no vocabulary
// word starts with pays the unknown word's cost at once, with the OOV
// penalty, so the beam drops misspellings before they finish; the word then
// costs nothing more when it ends.
//
// Thread contract: LmFusion is immutable and shareable; an LmState belongs to
// one hypothesis.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/word_lm.h"

namespace earshot::model {

// The defaults were chosen for the bundled model and its word model, on top of
// the CTC head's score, with a beam of 4 (experiments.md, d09).
struct LmFusionParams {
  double weight = 0.3;        // scale of the LM's natural-log probabilities
  double word_bonus = 1.5;    // added for every completed word
  double oov_penalty = 5.0;   // added (as a cost) to a word the LM does not know
};

struct LmState {
  std::array<int32_t, WordLm::kMaxOrder - 1> history{};  // the last words (<s> first), oldest first
  int n_history = 0;
  std::string partial;        // the word being spelled, normalised
  bool partial_charged = false;  // an unknown partial word has paid already
  int n_words = 0;
};

class LmFusion {
 public:
  LmFusion(const WordLm& lm, const LmFusionParams& params);

  // A hypothesis with no words yet: its history is <s>.
  LmState start() const;
  // A hypothesis that continues `text` (a stream's committed words, or what
  // was said before a window): start() advanced over it, scores dropped. A
  // word the text ends inside stays open.
  LmState start_after(std::string_view text) const;
  // The score change from appending these decoded bytes to the hypothesis.
  double advance(LmState& state, std::string_view bytes) const;
  // The score change from ending the hypothesis: its last word and </s>.
  double finish(LmState& state) const;

  const LmFusionParams& params() const { return params_; }

 private:
  double end_word(LmState& state) const;
  double word_score(LmState& state, int32_t word) const;

  const WordLm& lm_;
  LmFusionParams params_;
};

}  // namespace earshot::model
