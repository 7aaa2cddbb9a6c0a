// Greedy decoding with the bounds an ASR model needs: a stop set, a maximum
// length derived from the audio's length, and a repetition-loop guard (an
// untrained or confused model never ends on its own).
//
//   GreedyLimits limits;
//   limits.stop = stop_tokens(model.tokenizer());
//   limits.max_tokens = max_tokens_for_audio(n_samples / 16000.0);
//   Generation g = generate_greedy(session, limits);
//
// Thread contract: free functions; generate_greedy uses the caller's session.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "model/session.h"
#include "model/tokenizer.h"

namespace earshot::model {

struct GreedyLimits {
  std::vector<TokenId> stop;     // tokens that end the answer (not part of it)
  int max_tokens = 64;
  // Repetition guard: the tail repeats a pattern of at most max_pattern
  // tokens min_repeats times in a row, covering at least min_span tokens.
  int min_repeats = 4;
  int max_pattern = 16;
  int min_span = 8;
};

enum class StopReason { kStopToken, kMaxTokens, kRepetition, kError };

const char* stop_reason_name(StopReason reason);

struct Generation {
  std::vector<TokenId> ids;      // the answer; a detected loop is cut to one copy of its pattern
  StopReason reason = StopReason::kError;
  Status status = Status::kOk;   // the failing session status when reason == kError
  int64_t n_tokens_run = 0;      // tokens the search ran through the model
};

// Starts from the session's current logits (run the prompt first).
Generation generate_greedy(Session& session, const GreedyLimits& limits);

// <turn|> and <eos> when the vocabulary has them.
std::vector<TokenId> stop_tokens(const Tokenizer& tokenizer);

// The output bound for an answer about `seconds` of audio: 8 tokens plus
// tokens_per_s per second, rounded up (read speech needs about 4 of the bundled
// model's pieces a second).
int max_tokens_for_audio(double seconds, double tokens_per_s = 6.0);

// The bound for a translation answer (transcription, newline, label,
// translation): the translation gets three times the rate, since the target
// language can cost a vocabulary trained on English text more than 1.5 times
// the pieces (the bundled model spells accented letters as bytes). 16 + 24
// tokens a second at the default rate: every answer of the bundled model's
// English-Spanish training pairs fits.
int max_tokens_for_translation(double seconds, double tokens_per_s = 6.0);

// The length of the pattern the tail repeats (0 when none) under `limits`.
int repeated_pattern(std::span<const TokenId> ids, const GreedyLimits& limits);

// Cuts a loop at the tail to the text before it and one copy of its pattern
// (nothing when the tail does not loop).
void cut_repetition(std::vector<TokenId>& ids, const GreedyLimits& limits);

}  // namespace earshot::model
