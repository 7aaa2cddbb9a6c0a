// Beam search over the answer's tokens, optionally fused with a word
// language model (model/lm_fusion.h) and scored against the audio by the
// model's CTC head (model/ctc_prefix_score.h): the decoding that lets other
// evidence correct what the speech model's decoder half-heard.
//
//   BeamParams params;
//   params.width = 8;
//   params.limits = limits;                          // as for generate_greedy
//   Generation g = generate_beam(session, params, model.tokenizer(), {.fusion = &fusion, .ctc = &ctc});
//
// Each step extends every live hypothesis by its `width` likeliest tokens and
// keeps the `width` best extensions by score (the speech model's log
// probability plus the fusion's and the CTC scorer's terms). A hypothesis that picks a stop token
// is finished; the search ends when no live hypothesis scores above the best
// finished one, or at the length bound; the best finished one is the answer. Hypotheses caught in
// a repetition loop are dropped (the loop guard of generate_greedy).
//
// Cost: the session holds one sequence, so each hypothesis rolls the cache
// back to where it parts from the last one run and runs only its own tokens;
// hypotheses are visited in token order so that neighbours share prefixes.
// Needs SessionParams::n_rollback of at least limits.max_tokens.
//
// Thread contract: uses the caller's session, like generate_greedy.
#pragma once

#include "model/greedy.h"
#include "model/ctc_prefix_score.h"
#include "model/lm_fusion.h"
#include "model/session.h"
#include "model/tokenizer.h"

namespace earshot::model {

// What earshot runs for whole answers unless told otherwise, chosen on the
// bundled model's dev sets (docs/model/experiments.md, d03): against greedy
// decoding, WER 61.0 % instead of 67.1 % on dev_libri and 18.5 % instead of
// 20.7 % on dev_other (s11), for about 1.8 times greedy decoding's wall time
// since the search keeps each hypothesis's cache rows (d06; seven before).
inline constexpr int kDefaultBeamWidth = 4;
// Whole-file transcription, where no listener waits on each answer, affords
// more: with the bundled model and its word model, 8 hypotheses gain 1.2
// points of WER on read speech for 1.6 times the time (experiments.md, d10).
inline constexpr int kDefaultFileBeamWidth = 8;
inline constexpr double kDefaultTokenBonus = 0.5;
// A streaming session's partials. Text the partials agree on is committed,
// so greedy partials commit greedy decoding's errors that the final's beam can
// no longer mend: with 3 hypotheses the streamed finals score about as offline
// transcription does (55.8 % against 55.7 %; greedy partials 61.7 %), for
// a quarter more time than greedy partials (experiments.md, d05 and d06).
inline constexpr int kDefaultPartialBeamWidth = 3;
// The CTC head's weight in a beam search, for models with a head
// (model/ctc_prefix_score.h), chosen on the bundled model's dev sets
// (experiments.md, d08): with 4 hypotheses, WER 52.5 % instead of 53.2 % on
// dev_libri and 15.0 % instead of 16.9 % on dev_other, for about a tenth
// more decoding time.
inline constexpr double kDefaultCtcWeight = 0.15;

struct BeamParams {
  int width = kDefaultBeamWidth;  // 0: greedy decoding (generate_answer)
  // Added to a hypothesis's score for each of its tokens (the stop token
  // too): the speech model's log probabilities fall with every token, and a
  // wide beam otherwise finds answers that end too soon.
  double token_bonus = kDefaultTokenBonus;
  GreedyLimits limits;
  // The search keeps each hypothesis's cache rows to write back when it moves
  // between hypotheses, instead of running their tokens again, up to this many
  // bytes of rows in one search (a token of the bundled model holds 12 KiB; of
  // a 12B model, about 0.8 MiB); past it, tokens are run again. 0: always rerun.
  size_t row_budget_bytes = size_t{256} << 20;
};

// What scores hypotheses besides the speech model's decoder; each may be null.
// Both are owned by the caller and outlive the search.
struct BeamScorers {
  const LmFusion* fusion = nullptr;
  // The fusion's state after text every answer already begins with (a
  // stream's committed words); null: fusion->start().
  const LmState* fusion_start = nullptr;
  const CtcPrefixScorer* ctc = nullptr;
};

// Starts from the session's current logits (run the prompt first).
Generation generate_beam(Session& session, const BeamParams& params, const Tokenizer& tokenizer,
                         const BeamScorers& scorers = {});

// generate_beam, or generate_greedy(session, params.limits) when
// params.width is 0 (then the scorers must be null).
Generation generate_answer(Session& session, const BeamParams& params, const Tokenizer& tokenizer,
                           const BeamScorers& scorers = {});

}  // namespace earshot::model
