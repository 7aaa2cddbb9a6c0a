// One stream's model state: KV cache, audio front-end state and the buffers
// of the forward pass, over a shared Model. The interface a streaming layer
// drives:
//
//   auto model = Model::load("earshot-default.gguf");
//   Session s(*model, SessionParams{.n_threads = 2});
//   s.prefill_tokens(prompt_prefix);          // <bos><|turn>user\n ... <|audio>
//   s.prefill_audio(samples);                 // whole 640-sample frames go in now, the rest waits
//   s.flush_audio();                          // end of the clip: zero-pads the held samples
//   const int32_t audio_end = s.n_pos();
//   s.prefill_tokens(prompt_suffix);          // <audio|><turn|>\n<|turn>model\n
//   TokenId t = s.greedy_token();             // argmax of the last position's logits
//   s.decode_token(t);                        // one token, matvec path
//   s.rollback(audio_end);                    // cheap: forget the speculative text
//
// Positions: every row (text token or audio frame) takes the next position;
// n_pos() is the next one. rollback(p) keeps positions < p. evict() drops an
// old range of positions to bound memory; kept positions do not change and
// new ones keep increasing.
//
// Audio state: samples that do not fill a frame wait for the next call; the
// log-mel front end keeps the previous frame's last 240 samples, so feeding a
// stream in any pieces gives the features of the whole. rollback() leaves
// that state alone: roll back only to the end of the audio fed so far (or
// call reset_audio() and feed the audio again).
//
// Errors: every call returns a Status and never throws; on any status other
// than kOk the session is unchanged (a prefill whose rows do not all fit in
// the cache is refused as a whole).
//
// Threads: n_threads sets the session's pool (the calling thread counts as
// one) and OpenBLAS's threads (process-global, see blas_runtime.h).
// Thread contract: a Session is used by one thread at a time; any number of
// Sessions may share one Model.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "model/audio_front_end.h"
#include "model/decoder.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "model/parallel.h"

namespace earshot::model {

struct SessionParams {
  int n_threads = 2;            // pool threads including the caller; also OpenBLAS threads
  int32_t n_ctx = 4096;         // cells the full-attention layers hold
  int32_t n_batch = 256;        // rows per forward pass; longer prefills are split
  int32_t n_rollback = 256;     // tokens a rollback may discard (sliding layers' extra ring)
  bool keep_all_logits = false; // keep every row's logits in all_logits() (tests, diagnostics)
  // Keep the CTC head's log probabilities of every audio frame run, in
  // ctc_log_probs() (when the model has a head: model/ctc_head.h).
  bool keep_ctc_log_probs = false;
};

enum class Status {
  kOk,
  kCacheFull,        // the cache cannot take the rows: evict or roll back first
  kBadPosition,      // rollback to a position after n_pos()
  kRollbackTooFar,   // the sliding layers no longer hold what that position needs
  kBadRange,         // evict(): empty range, or one reaching the last cell
  kBadToken,         // a token id outside the vocabulary
  kNoAudioProjector, // audio given to a model without a projector
  kNoLogits,         // nothing was run since the last rollback or reset
};

const char* status_name(Status status);

class Session {
 public:
  Session(const Model& model, const SessionParams& params);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Status prefill_tokens(std::span<const TokenId> ids);

  // 16 kHz mono samples in [-1, 1]. Whole frames go through the front end,
  // the projection and the decoder; the remainder (< 640 samples) waits.
  Status prefill_audio(std::span<const float> samples);

  // Zero-pads the waiting samples to a frame and prefills it (nothing when
  // no sample waits).
  Status flush_audio();

  // Projection inputs of whole frames, computed by the front end; for
  // tests of the front end. features: [n_frames, n_in] (resized).
  Status audio_features(std::span<const float> frames, std::vector<float>& features);

  // One token at the next position (decode path).
  Status decode_token(TokenId id);

  // The greedy token of the last position's logits, fed to the model.
  Status decode_next(TokenId* token);

  // Logits of the last position run ([n_vocab]); empty after rollback/reset.
  std::span<const float> logits() const;
  TokenId greedy_token() const;  // -1 when there are no logits

  Status rollback(int32_t n_pos);
  // The cache rows of the last n positions, to write back after a rollback
  // (a beam search keeps each hypothesis's rows instead of running them again).
  Status copy_last_rows(int32_t n, KvRows& out) const;
  // Appends rows copied out before at the next positions, without running the
  // model; no logits after it (run a token for them). The rows must have been
  // copied at these very positions: their keys carry the rotation of them.
  Status append_rows(const KvRows& rows);
  Status evict(int32_t keep_until, int32_t drop_until);

  // Forgets everything: cache, audio state, positions.
  void reset();
  // Forgets the waiting samples and the front end's history (a new stream).
  void reset_audio();

  int32_t n_pos() const { return n_pos_; }
  int32_t n_cells() const { return static_cast<int32_t>(cache_.cells().cells().size()); }
  size_t n_waiting_samples() const { return n_waiting_; }
  const Model& model() const { return model_; }
  const KvCache& cache() const { return cache_; }
  size_t cache_bytes() const { return cache_.bytes(); }

  // With keep_all_logits: [rows run since the last clear, n_vocab].
  const std::vector<float>& all_logits() const { return all_logits_; }
  void clear_all_logits() { all_logits_.clear(); }

  // With keep_ctc_log_probs and a model with a CTC head: that head, and
  // ctc_log_probs() holds [audio frames run since the last reset_audio() or
  // clear, n_labels]; otherwise null.
  const CtcHead* ctc_head() const { return ctc_head_; }
  const std::vector<float>& ctc_log_probs() const { return ctc_log_probs_; }
  void clear_ctc_log_probs() { ctc_log_probs_.clear(); }

 private:
  // Room for n more rows, or the status that refuses them.
  Status check_room(int64_t n) const;
  // Runs rows [0, n) of the activations (already embedded) at the next positions.
  void run_rows(int32_t n);
  void run_frames(int32_t n_frames);

  const Model& model_;
  SessionParams params_;
  std::unique_ptr<ThreadPool> pool_;
  KvCache cache_;
  Decoder decoder_;
  std::unique_ptr<AudioFrontEnd> front_end_;  // null without a projector
  int32_t n_pos_ = 0;
  int32_t n_chunk_ = 0;                // rows per forward pass
  bool has_logits_ = false;
  const float* last_logits_ = nullptr;
  std::vector<float> frames_;          // [n_chunk, 640] frames waiting for one pass
  std::vector<float> features_;        // [n_chunk, n_in]
  std::vector<float> waiting_;         // [640] samples of the incomplete frame
  size_t n_waiting_ = 0;
  std::vector<float> all_logits_;
  const CtcHead* ctc_head_ = nullptr;  // set when keeping its log probabilities
  std::vector<float> ctc_log_probs_;
};

}  // namespace earshot::model
