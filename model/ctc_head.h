// The character CTC head some earshot models carry next to their projector:
// per audio frame, the last decoder layer's output through a LayerNorm and a
// linear map to log probabilities over a blank and a few characters. It was
// trained to spell the transcript from the audio alone, so the beam search can
// ask it how well an answer's letters fit the audio (model/ctc_prefix_score.h).
// Published models have none.
//
//   if (const std::optional<CtcHead>& head = model.projector()->ctc_head) ...
//   head->log_probs(x, n_rows, out);   // appends n_rows rows of n_labels()
//
// GGUF (written by training/export_gguf.py --ctc-head): key
// clip.audio.ctc.labels (the characters of labels 1..n, UTF-8 single bytes;
// label 0 is the blank) and F32 tensors mm.a.ctc.norm.{weight,bias} [n_embd],
// mm.a.ctc.weight [n_labels rows of n_embd], mm.a.ctc.bias [n_labels].
//
// Thread contract: immutable after loading; shareable.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace earshot::model {

class GgufFile;

class CtcHead {
 public:
  // The head the file carries, or nullopt when it has no clip.audio.ctc.labels
  // key. Throws GgufError naming the key or tensor that is wrong.
  static std::optional<CtcHead> load(const GgufFile& file, int n_embd);

  int n_labels() const { return static_cast<int>(labels_.size()) + 1; }
  // The characters of labels 1..n_labels()-1.
  const std::string& labels() const { return labels_; }

  // Appends the log probabilities of n_rows rows of x ([n_rows, n_embd]).
  void log_probs(const float* x, int n_rows, std::vector<float>& out) const;

 private:
  std::string labels_;
  int n_embd_ = 0;
  const float* norm_weight_ = nullptr;
  const float* norm_bias_ = nullptr;
  const float* weight_ = nullptr;  // [n_labels, n_embd]
  const float* bias_ = nullptr;
};

}  // namespace earshot::model
