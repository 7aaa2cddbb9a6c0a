// Whole-clip transcription on top of a Session: the Gemma 4 transcription
// prompt (model/prompt.h), the clip's frames in place of its audio
// placeholders, then greedy decoding (or beam search, with or without a word
// language model) until <turn|>/<eos>, a length bound from the clip's
// duration, or a repetition loop.
//
//   Transcriber t(*model, {});
//   Transcript r = t.transcribe(samples);   // 16 kHz mono, up to kMaxClipSeconds
//   std::puts(r.text.c_str());
//
// The prompt's text before the audio is prefilled once and kept; each clip
// rolls the cache back to it. Each clip starts a fresh audio stream (zeros
// before its first sample, as in training).
//
// Thread contract: one thread at a time per Transcriber; the Model may be
// shared.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/beam_search.h"
#include "model/greedy.h"
#include "model/prompt.h"
#include "model/session.h"

namespace earshot::model {

inline constexpr double kMaxClipSeconds = 30.0;
// The longest window of a longer input: one frame below the clip limit.
inline constexpr double kMaxClipWindowSeconds = kMaxClipSeconds - 0.04;

// The longest piece of audio to give one prompt of this model: the window its
// projector names (clip.audio.window_seconds), else kMaxClipWindowSeconds.
// Longer audio is cut at pauses (audio/pause_windows.h).
double clip_window_seconds(const Model& model);

struct TranscriberParams {
  SessionParams session;
  std::string language = "English";
  AudioPlacement placement = AudioPlacement::kAfterText;
  GreedyLimits limits;  // stop tokens are filled in from the vocabulary when empty
  // Beam search (model/beam_search.h) with this many hypotheses; 0: greedy
  // decoding. The fusion (owned by the caller, outliving the Transcriber)
  // adds a word language model's scores to a beam search.
  int beam_width = kDefaultBeamWidth;
  double token_bonus = kDefaultTokenBonus;  // BeamParams::token_bonus
  size_t beam_row_budget_bytes = BeamParams{}.row_budget_bytes;  // BeamParams::row_budget_bytes
  const LmFusion* fusion = nullptr;
  // Weight of the CTC head's prefix score in a beam search
  // (model/ctc_prefix_score.h); 0, greedy decoding, or a model without a
  // head: not used.
  double ctc_weight = kDefaultCtcWeight;
};

struct Transcript {
  std::string text;
  std::vector<TokenId> ids;
  StopReason reason = StopReason::kError;
  Status status = Status::kOk;
  int64_t n_audio_frames = 0;
  int64_t n_prefill_rows = 0;   // rows run for this clip before decoding (audio + text)
  int64_t n_decoded = 0;        // answer tokens run through the model (all hypotheses' in a beam)
  double prefill_seconds = 0;
  double decode_seconds = 0;
};

class Transcriber {
 public:
  // Throws TokenizerError when the vocabulary lacks the prompt's tokens, and
  // std::invalid_argument when the model has no audio projector or a fusion
  // comes without a beam.
  Transcriber(const Model& model, const TranscriberParams& params);

  // `preceding`: what was said just before this clip (the previous window's
  // answer of a longer recording). With a word model, the answer's first
  // words are scored after its last words instead of after a sentence start,
  // since a window boundary seldom falls between sentences.
  Transcript transcribe(std::span<const float> samples, std::string_view preceding = {});

  Session& session() { return session_; }

 private:
  const Model& model_;
  TranscriberParams params_;
  Session session_;
  std::string instruction_;
  std::vector<TokenId> prefix_;  // prompt ids before the audio placeholders
  int32_t prefix_end_ = -1;      // n_pos() after the prefix, once prefilled
};

}  // namespace earshot::model
