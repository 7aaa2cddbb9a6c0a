// CTC prefix scoring: how well the letters of an answer being decoded fit the
// audio, by the model's character CTC head (model/ctc_head.h). The beam search
// adds it to the decoder's own log probability, as joint CTC/attention
// decoders do: the decoder knows the language, the CTC head is tied to the
// frames, so a hypothesis that drops or invents words, or stops while audio
// is still unexplained, loses to one the frames support.
//
//   CtcPrefixScorer ctc(head.labels(), session.ctc_log_probs(), /*weight=*/0.3);
//   CtcPrefixState state = ctc.start();                       // per hypothesis
//   double delta = ctc.advance(state, tok.piece_bytes(id));   // add to its score
//   double last = ctc.finish(state);                          // at the stop token
//
// Scores: log P(the answer's labels are how the frames' labels begin),
// computed over all frames with the prefix recursion of Watanabe et al.
// (2017, "Hybrid CTC/attention architecture for end-to-end speech
// recognition"); advance() returns weight times its change, finish() weight
// times the step from "begins with" to "is exactly". Text is spelled as the
// head was trained: lower case, single spaces between words, no space first
// or last; bytes the head has no label for are skipped.
//
// Cost: O(frames) per character of a candidate token, and 16 bytes a frame
// per state.
//
// Thread contract: a scorer is immutable (it borrows the log probabilities,
// which must outlive it); a state belongs to one hypothesis.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace earshot::model {

struct CtcPrefixState {
  std::vector<double> r_nonblank;  // [T] log P(labels so far over frames 0..t, ending in a label)
  std::vector<double> r_blank;     // [T] the same, ending in a blank
  double prefix = 0;               // log P(labels so far begin the frames' labels)
  int last = 0;                    // the last label (0: none yet)
  bool space_pending = false;      // a space seen, spelled only if a letter follows
};

class CtcPrefixScorer {
 public:
  // labels: the characters of labels 1..n (label 0 is the blank);
  // log_probs: [T, n + 1] rows of the head's output for the audio.
  CtcPrefixScorer(std::string_view labels, std::span<const float> log_probs, double weight);

  // The state of an answer that has only the text given to begin_with().
  CtcPrefixState start() const { return start_; }
  // Text every answer already begins with (a stream's committed words): the
  // scores of later text continue after it.
  void begin_with(std::string_view text);
  double advance(CtcPrefixState& state, std::string_view bytes) const;
  double finish(CtcPrefixState& state) const;

  double weight() const { return weight_; }
  int n_frames() const { return n_frames_; }

 private:
  void extend(CtcPrefixState& state, int label) const;
  int label_of(char c) const;  // -1: no label
  double log_prob(int t, int label) const { return log_probs_[static_cast<size_t>(t) * n_labels_ + static_cast<size_t>(label)]; }

  std::string labels_;
  std::span<const float> log_probs_;
  size_t n_labels_;
  int n_frames_;
  int space_;  // the label of ' ', or -1
  double weight_;
  CtcPrefixState start_;
};

}  // namespace earshot::model
