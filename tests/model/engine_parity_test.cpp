// The engine against the PyTorch reference (training/model.py), on the small
// random models of make_parity_fixture.py: every prompt position's logits,
// 64 decode steps, greedy tokens, chunked prefill, rollback, audio fed in
// uneven pieces, the CTC head's log probabilities, and both GGUF forms
// (single file, text + mmproj).
//
// Errors are max |engine - reference| / max |reference| over the compared
// logits. The reference ran on the weights as stored (quantized and back),
// so what is measured is the engine's arithmetic:
//   batched passes (cblas_sgemm on dequantized weights, float activations):
//     1e-4 for every type (seen: about 2e-6);
//   one-row passes (decode; matvec kernels): 1e-4 for F32/F16 (seen: 2e-6);
//     Q8_0, Q4_K and Q6_K quantize the activations to 8 bits as ggml does,
//     which costs up to kDecodeQuant here (seen: 0.03 Q8_0, 0.04-0.05 Q4_K,
//     0.035-0.04 Q6_K over 64 steps), so their greedy tokens are reported,
//     not required to match.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "model/greedy.h"
#include "model/model.h"
#include "model/session.h"
#include "tests/model/parity_fixture.h"

namespace earshot::model {
namespace {

using testing::parity_fixture;
using testing::ParityCase;
using testing::relative_error;

constexpr double kPrefillTolerance = 1e-4;
constexpr double kDecodeFloat = 1e-4;
constexpr double kDecodeQuant = 8e-2;

bool float_weights(const ParityCase& c) { return c.type == "f32" || c.type == "f16"; }
double decode_tolerance(const ParityCase& c) { return float_weights(c) ? kDecodeFloat : kDecodeQuant; }

std::span<const float> row(const std::vector<float>& rows, int n_vocab, int i) {
  return std::span<const float>(rows).subspan(static_cast<size_t>(i) * n_vocab, static_cast<size_t>(n_vocab));
}

SessionParams params(int32_t n_batch = 256, int32_t n_rollback = 256) {
  SessionParams p;
  p.n_threads = 2;
  p.n_ctx = 512;
  p.n_batch = n_batch;
  p.n_rollback = n_rollback;
  p.keep_all_logits = true;
  return p;
}

// Prefix, the whole clip, flush, suffix.
void run_prompt(Session& s, std::span<const float> audio) {
  const auto& f = parity_fixture();
  ASSERT_EQ(s.prefill_tokens(f.prefix), Status::kOk);
  ASSERT_EQ(s.prefill_audio(audio), Status::kOk);
  ASSERT_EQ(s.flush_audio(), Status::kOk);
  ASSERT_EQ(s.prefill_tokens(f.suffix), Status::kOk);
}

int n_prompt() {
  const auto& f = parity_fixture();
  return static_cast<int>(f.prefix.size() + f.suffix.size()) + f.n_frames;
}

GreedyLimits no_stop(int n) {
  GreedyLimits limits;
  limits.max_tokens = n;
  limits.min_repeats = 1 << 20;  // no repetition guard: compare raw greedy output
  return limits;
}

class EngineParity : public ::testing::TestWithParam<std::string> {
 protected:
  const ParityCase& c() const { return parity_fixture().find(GetParam()); }
};

TEST_P(EngineParity, PromptLogitsMatchBothFileForms) {
  const ParityCase& pc = c();
  const auto& f = parity_fixture();
  // Rows before the clip's partial last frame run in batched passes (sgemm);
  // that frame is a pass of one row (matvec kernels), as decode steps are.
  const size_t n_batched = (f.prefix.size() + static_cast<size_t>(f.n_frames) - 1) * static_cast<size_t>(pc.n_vocab);
  for (const bool single : {true, false}) {
    SCOPED_TRACE(single ? "single file" : "text + mmproj");
    auto model = single ? Model::load(pc.single) : Model::load(pc.text, pc.mmproj);
    ASSERT_NE(model->projector(), nullptr);
    EXPECT_EQ(projector_type_name(model->projector()->type), pc.projector);
    Session s(*model, params());
    run_prompt(s, f.audio);
    ASSERT_EQ(s.n_pos(), n_prompt());
    const std::span<const float> logits(s.all_logits());
    const std::span<const float> ref(pc.prompt_logits);
    const double batched = relative_error(logits.first(n_batched), ref.first(n_batched));
    const double all = relative_error(logits, ref);
    std::printf("[%s %s] prompt logits error: batched rows %.3g, all rows %.3g\n", pc.name.c_str(),
                single ? "single" : "split", batched, all);
    EXPECT_LT(batched, kPrefillTolerance);
    EXPECT_LT(all, decode_tolerance(pc));
  }
}

TEST_P(EngineParity, DecodeStepsMatchWithReferenceTokens) {
  const ParityCase& pc = c();
  auto model = Model::load(pc.single);
  Session s(*model, params());
  run_prompt(s, parity_fixture().audio);
  double worst = 0;
  for (int step = 0; step < parity_fixture().n_steps; ++step) {
    worst = std::max(worst, relative_error(s.logits(), row(pc.step_logits, pc.n_vocab, step)));
    ASSERT_EQ(s.decode_token(pc.greedy[static_cast<size_t>(step)]), Status::kOk);
  }
  std::printf("[%s] decode logits error %.3g over %d steps\n", pc.name.c_str(), worst, parity_fixture().n_steps);
  EXPECT_LT(worst, decode_tolerance(pc));
}

TEST_P(EngineParity, GreedyTokens) {
  const ParityCase& pc = c();
  auto model = Model::load(pc.text, pc.mmproj);
  Session s(*model, params());
  run_prompt(s, parity_fixture().audio);
  const Generation g = generate_greedy(s, no_stop(parity_fixture().n_steps));
  ASSERT_EQ(g.reason, StopReason::kMaxTokens);
  size_t same = 0;
  while (same < g.ids.size() && g.ids[same] == pc.greedy[same]) ++same;
  std::printf("[%s] greedy: first %zu of %zu tokens identical (reference margin %.3g)\n", pc.name.c_str(), same,
              pc.greedy.size(), pc.min_margin);
  if (float_weights(pc)) {
    ASSERT_GT(pc.min_margin, 1e-3) << "fixture too close to a tie for an exact comparison";
    EXPECT_EQ(g.ids, pc.greedy);
  }
}

TEST_P(EngineParity, CtcHeadLogProbsMatchBothFileForms) {
  const ParityCase& pc = c();
  const auto& f = parity_fixture();
  for (const bool single : {true, false}) {
    SCOPED_TRACE(single ? "single file" : "text + mmproj");
    auto model = single ? Model::load(pc.single) : Model::load(pc.text, pc.mmproj);
    ASSERT_TRUE(model->projector()->ctc_head.has_value());
    SessionParams p = params();
    p.keep_ctc_log_probs = true;
    Session s(*model, p);
    run_prompt(s, f.audio);
    ASSERT_EQ(s.ctc_log_probs().size(), pc.ctc_log_probs.size());
    const double err = relative_error(s.ctc_log_probs(), pc.ctc_log_probs);
    std::printf("[%s %s] CTC log probabilities error %.3g\n", pc.name.c_str(), single ? "single" : "split", err);
    EXPECT_LT(err, decode_tolerance(pc));  // the partial last frame runs alone, as decode steps do
    s.reset_audio();
    EXPECT_TRUE(s.ctc_log_probs().empty());
  }
  // Not asked for: nothing kept.
  auto model = Model::load(pc.single);
  Session s(*model, params());
  run_prompt(s, f.audio);
  EXPECT_TRUE(s.ctc_log_probs().empty());
}

INSTANTIATE_TEST_SUITE_P(AllTypes, EngineParity,
                         ::testing::Values("logmel_f32", "logmel_f16", "logmel_q8_0", "logmel_q4_k", "logmel_q6_k",
                                           "raw_f32", "raw_f16", "raw_q8_0", "raw_q4_k", "raw_q6_k"));

class EngineStreaming : public ::testing::TestWithParam<std::string> {
 protected:
  const ParityCase& c() const { return parity_fixture().find(GetParam()); }
};

// Batches of 5 rows: the prompt runs in many passes, each sliding layer's
// window (8 or 16) spans several of them.
TEST_P(EngineStreaming, ChunkedPrefillMatches) {
  const ParityCase& pc = c();
  auto model = Model::load(pc.single);
  Session s(*model, params(/*n_batch=*/5));
  run_prompt(s, parity_fixture().audio);
  const double err = relative_error(s.all_logits(), pc.prompt_logits);
  std::printf("[%s] chunked prefill error %.3g\n", pc.name.c_str(), err);
  EXPECT_LT(err, kPrefillTolerance);
  const Generation g = generate_greedy(s, no_stop(parity_fixture().n_steps));
  EXPECT_EQ(g.ids, pc.greedy);
}

TEST_P(EngineStreaming, AudioInUnevenPiecesMatches) {
  const ParityCase& pc = c();
  const auto& f = parity_fixture();
  auto model = Model::load(pc.single);
  Session s(*model, params(/*n_batch=*/7));
  ASSERT_EQ(s.prefill_tokens(f.prefix), Status::kOk);
  const std::vector<size_t> pieces = {1, 639, 641, 1280, 3000, 17, 5};
  size_t at = 0;
  for (size_t n : pieces) {
    ASSERT_EQ(s.prefill_audio(std::span<const float>(f.audio).subspan(at, n)), Status::kOk);
    at += n;
    EXPECT_EQ(s.n_waiting_samples(), at % kFrameSamples);
  }
  ASSERT_EQ(s.prefill_audio(std::span<const float>(f.audio).subspan(at)), Status::kOk);
  ASSERT_EQ(s.flush_audio(), Status::kOk);
  ASSERT_EQ(s.prefill_tokens(f.suffix), Status::kOk);
  const double err = relative_error(s.all_logits(), pc.prompt_logits);
  std::printf("[%s] audio in pieces error %.3g\n", pc.name.c_str(), err);
  EXPECT_LT(err, kPrefillTolerance);
}

TEST_P(EngineStreaming, FrontEndFeaturesMatchWholeAndInPieces) {
  const ParityCase& pc = c();
  const auto& f = parity_fixture();
  auto model = Model::load(pc.single);
  std::vector<float> frames(f.audio);
  frames.resize(static_cast<size_t>(f.n_frames) * kFrameSamples, 0.0f);

  Session whole(*model, params());
  std::vector<float> features;
  ASSERT_EQ(whole.audio_features(frames, features), Status::kOk);
  const double err = relative_error(features, pc.features);
  std::printf("[%s] front-end features error %.3g\n", pc.name.c_str(), err);
  EXPECT_LT(err, 1e-5);

  Session pieces(*model, params());
  std::vector<float> joined, part;
  int frame = 0;
  for (int n : {1, 5, 2, 9, 1}) {
    ASSERT_EQ(pieces.audio_features(std::span<const float>(frames).subspan(static_cast<size_t>(frame) * kFrameSamples,
                                                                         static_cast<size_t>(n) * kFrameSamples),
                                    part),
              Status::kOk);
    joined.insert(joined.end(), part.begin(), part.end());
    frame += n;
  }
  ASSERT_EQ(pieces.audio_features(std::span<const float>(frames).subspan(static_cast<size_t>(frame) * kFrameSamples),
                                  part),
            Status::kOk);
  joined.insert(joined.end(), part.begin(), part.end());
  // Not bit-identical: sgemm sums in another order for another row count.
  EXPECT_LT(relative_error(joined, features), 1e-5);
}

TEST_P(EngineStreaming, RollbackToPromptEndRepeatsDecoding) {
  const ParityCase& pc = c();
  auto model = Model::load(pc.single);
  Session s(*model, params());
  run_prompt(s, parity_fixture().audio);
  const int32_t prompt_end = s.n_pos();
  const Generation first = generate_greedy(s, no_stop(parity_fixture().n_steps));
  ASSERT_EQ(s.rollback(prompt_end), Status::kOk);
  EXPECT_TRUE(s.logits().empty());
  EXPECT_EQ(s.n_pos(), prompt_end);
  // The suffix's last token again, then the same decode.
  ASSERT_EQ(s.rollback(prompt_end - 1), Status::kOk);
  s.clear_all_logits();
  ASSERT_EQ(s.decode_token(parity_fixture().suffix.back()), Status::kOk);
  EXPECT_LT(relative_error(s.logits(), row(pc.step_logits, pc.n_vocab, 0)), kDecodeFloat);
  const Generation again = generate_greedy(s, no_stop(parity_fixture().n_steps));
  EXPECT_EQ(again.ids, first.ids);
  EXPECT_EQ(again.ids, pc.greedy);
}

TEST_P(EngineStreaming, RollbackBeyondTheRingIsRefusedAndChangesNothing) {
  const ParityCase& pc = c();
  auto model = Model::load(pc.single);
  Session s(*model, params(/*n_batch=*/8, /*n_rollback=*/4));
  run_prompt(s, parity_fixture().audio);
  const int32_t prompt_end = s.n_pos();
  const Generation g = generate_greedy(s, no_stop(32));
  ASSERT_EQ(g.reason, StopReason::kMaxTokens);
  const int32_t end = s.n_pos();
  const std::vector<float> logits(s.logits().begin(), s.logits().end());
  EXPECT_EQ(s.rollback(prompt_end), Status::kRollbackTooFar);
  EXPECT_EQ(s.n_pos(), end);
  EXPECT_EQ(std::vector<float>(s.logits().begin(), s.logits().end()), logits);
  // A short rollback stays within the ring, and decoding continues as before.
  ASSERT_EQ(s.rollback(end - 2), Status::kOk);
  // ids[k] sits at prompt_end + k; the last id was never fed.
  ASSERT_EQ(s.decode_token(g.ids[g.ids.size() - 3]), Status::kOk);
  ASSERT_EQ(s.decode_token(g.ids[g.ids.size() - 2]), Status::kOk);
  EXPECT_LT(relative_error(s.logits(), logits), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(FloatWeights, EngineStreaming, ::testing::Values("logmel_f32", "raw_f32"));

}  // namespace
}  // namespace earshot::model
