// StreamDecoder over earshot's engine: one model::Session holding the Gemma 4
// prompt up to the audio, then the current segment's frames.
//
// Each decode closes the audio block and the user turn (<audio|><turn|>\n
// <|turn>model\n), forces the text already committed, generates by beam
// search (partial_beam_width hypotheses for partials, final_beam_width for a
// final answer; 0: greedily), with stop tokens, a length bound and the
// repetition guard, then rolls the cache back to the end of the audio. With
// ctc_weight, the beam also scores answers by the model's CTC head over the
// segment's frames.
//
// Thread contract: one session thread uses an EngineDecoder; the Model may be
// shared by many.
#pragma once

#include <string>
#include <vector>

#include "model/beam_search.h"
#include "model/greedy.h"
#include "model/model.h"
#include "model/session.h"
#include "stream/stream_decoder.h"

namespace earshot::stream {

struct EngineDecoderParams {
  model::SessionParams session{.n_threads = 2, .n_ctx = 2048, .n_batch = 256, .n_rollback = 512};
  std::string instruction;  // the user-turn text before the audio (model/prompt.h)
  int max_audio_frames = 750;  // 30 s, the clip limit of the Gemma 4 processor
  int final_beam_width = model::kDefaultBeamWidth;  // 0: final answers greedy (model/beam_search.h)
  int partial_beam_width = model::kDefaultPartialBeamWidth;  // 0: partials greedy
  double token_bonus = model::kDefaultTokenBonus;
  // With a beam and a model with a CTC head: its weight in scoring answers
  // against the segment's audio (model/ctc_prefix_score.h); for the
  // transcription prompt only, since a translation is not spelled in the
  // audio, so callers set it (model::kDefaultCtcWeight) for transcription.
  // 0: not used.
  double ctc_weight = 0;
  // A word language model fused into both beams (model/lm_fusion.h), owned
  // by the caller and outliving the decoder; for the transcription prompt
  // in its language only. Null: none.
  const model::LmFusion* fusion = nullptr;
};

class EngineDecoder : public StreamDecoder {
 public:
  // Throws when the model has no audio projector or its vocabulary lacks the
  // prompt's tokens.
  EngineDecoder(const model::Model& model, EngineDecoderParams params);

  DecodeStatus begin_segment() override;
  DecodeStatus append_audio(std::span<const float> frames) override;
  DecodeStatus decode(std::span<const TokenId> prefix, int max_new, Hypothesis& out) override;
  DecodeStatus decode_final(std::span<const TokenId> prefix, int max_new, Hypothesis& out) override;
  std::string text_of(std::span<const TokenId> tokens) const override;
  std::vector<TokenId> tokens_of(std::string_view text) const override;
  bool starts_word(TokenId token) const override;
  int n_audio_frames() const override { return n_frames_; }
  int max_audio_frames() const override { return params_.max_audio_frames; }
  int window_frames() const override;
  std::string failure_reason() const override { return model::status_name(last_error_); }

  const model::Session& session() const { return session_; }
  // The last engine status other than kOk, for logs.
  model::Status last_error() const { return last_error_; }

 private:
  DecodeStatus fail(model::Status status);
  DecodeStatus prefill_prompt();
  DecodeStatus run_decode(std::span<const TokenId> prefix, int max_new, int beam_width, Hypothesis& out);

  const model::Model& model_;
  EngineDecoderParams params_;
  model::Session session_;
  std::vector<TokenId> prompt_prefix_;  // <bos> ... <|audio>
  std::vector<TokenId> prompt_suffix_;  // <audio|> ... <|turn>model\n
  model::GreedyLimits limits_;
  int32_t prefix_end_ = -1;
  int n_frames_ = 0;
  model::Status last_error_ = model::Status::kOk;
};

}  // namespace earshot::stream
