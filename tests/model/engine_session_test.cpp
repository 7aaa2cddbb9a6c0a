// The engine's contracts beyond parity, on the fixture models: load errors
// that name the key or tensor, statuses that leave the session unchanged,
// and whole-clip transcription bounded by the clip's length.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/model.h"
#include "model/session.h"
#include "model/transcriber.h"
#include "tests/model/parity_fixture.h"

namespace earshot::model {
namespace {

using testing::parity_fixture;

std::filesystem::path fixture_file(const std::string& name) {
  return std::filesystem::path(EARSHOT_BINARY_DIR) / "parity" / name;
}

TEST(EngineLoad, ErrorsNameTheFileAndTheKeyOrTensor) {
  parity_fixture();  // the fixture exists
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"broken_window.gguf", "gemma4.attention.sliding_window"},
      {"broken_shape.gguf", "blk.1.attn_k_norm.weight"},
      {"broken_projector.gguf", "clip.audio.projector_type"},
      {"broken_window_seconds.gguf", "clip.audio.window_seconds"},
      {"broken_ctc_head.gguf", "mm.a.ctc.weight"},
  };
  for (const auto& [file, what] : cases) {
    SCOPED_TRACE(file);
    try {
      Model::load(fixture_file(file));
      ADD_FAILURE() << "loaded a broken file";
    } catch (const GgufError& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(file), std::string::npos) << message;
      EXPECT_NE(message.find(what), std::string::npos) << message;
    }
  }
}

// A model that names no window gets the clip limit less a frame.
TEST(EngineLoad, WithoutAWindowKeyLongAudioIsCutAtTheClipLimit) {
  auto model = Model::load(parity_fixture().find("logmel_f32").single);
  EXPECT_EQ(model->projector()->window_seconds, 0.0);
  EXPECT_DOUBLE_EQ(clip_window_seconds(*model), kMaxClipWindowSeconds);
}

TEST(EngineLoad, SplitTextWithoutMmprojTakesTextOnly) {
  const auto& c = parity_fixture().find("raw_f32");
  auto model = Model::load(c.text);
  EXPECT_EQ(model->projector(), nullptr);
  Session s(*model, SessionParams{});
  const std::vector<float> frame(kFrameSamples, 0.1f);
  EXPECT_EQ(s.prefill_audio(frame), Status::kNoAudioProjector);
  EXPECT_EQ(s.prefill_tokens(parity_fixture().prefix), Status::kOk);
  EXPECT_THROW(Model::load(c.text, c.text), GgufError);  // a text model is no mmproj
}

TEST(EngineSession, RefusedCallsLeaveTheSessionUnchanged) {
  const auto& f = parity_fixture();
  auto model = Model::load(f.find("logmel_f32").single);
  SessionParams p;
  p.n_ctx = static_cast<int32_t>(f.prefix.size()) + 4;
  Session s(*model, p);
  EXPECT_EQ(s.decode_next(nullptr), Status::kNoLogits);
  ASSERT_EQ(s.prefill_tokens(f.prefix), Status::kOk);
  const int32_t n_pos = s.n_pos();
  const std::vector<float> logits(s.logits().begin(), s.logits().end());

  const TokenId bad[] = {1, model->hparams().n_vocab};
  EXPECT_EQ(s.prefill_tokens(bad), Status::kBadToken);
  EXPECT_EQ(s.prefill_tokens(f.suffix), Status::kCacheFull);  // 10 rows, 4 free
  std::vector<float> audio(f.audio.begin(), f.audio.begin() + 5 * kFrameSamples);
  EXPECT_EQ(s.prefill_audio(audio), Status::kCacheFull);
  EXPECT_EQ(s.n_waiting_samples(), 0u);
  EXPECT_EQ(s.rollback(n_pos + 1), Status::kBadPosition);
  EXPECT_EQ(s.n_pos(), n_pos);
  EXPECT_EQ(std::vector<float>(s.logits().begin(), s.logits().end()), logits);

  // Evicting the middle of the prompt frees rows; positions keep counting.
  ASSERT_EQ(s.evict(2, n_pos - 2), Status::kOk);
  EXPECT_EQ(s.n_cells(), 4);
  EXPECT_EQ(s.prefill_tokens(f.suffix), Status::kOk);
  EXPECT_EQ(s.n_pos(), n_pos + static_cast<int32_t>(f.suffix.size()));
  EXPECT_EQ(s.evict(0, s.n_pos()), Status::kBadRange);
}

// What a beam search relies on: rows copied out after each token and written
// back after a rollback leave the cache as running the tokens again would
// (bit for bit: the next token's logits are equal), in a model with sliding
// and full layers.
TEST(EngineSession, RowsWrittenBackAfterARollbackActAsTheTokensRunAgain) {
  const auto& f = parity_fixture();
  auto model = Model::load(f.find("logmel_f32").single);
  ASSERT_TRUE(model->hparams().has_sliding());
  Session s(*model, SessionParams{});
  ASSERT_EQ(s.prefill_tokens(f.prefix), Status::kOk);
  const int32_t start = s.n_pos();
  const std::vector<TokenId> answer = {f.suffix[0], f.suffix[1], f.suffix[2]};
  std::vector<KvRows> rows(answer.size());
  for (size_t i = 0; i < answer.size(); ++i) {
    ASSERT_EQ(s.decode_token(answer[i]), Status::kOk);
    ASSERT_EQ(s.copy_last_rows(1, rows[i]), Status::kOk);
    EXPECT_EQ(rows[i].n, 1);
  }
  ASSERT_EQ(s.decode_token(f.suffix[3]), Status::kOk);
  const std::vector<float> run_through(s.logits().begin(), s.logits().end());

  // Another continuation first, so that the rows written back overwrite its cells.
  ASSERT_EQ(s.rollback(start), Status::kOk);
  ASSERT_EQ(s.prefill_tokens(f.prefix), Status::kOk);
  ASSERT_EQ(s.rollback(start), Status::kOk);
  for (const KvRows& r : rows) ASSERT_EQ(s.append_rows(r), Status::kOk);
  EXPECT_EQ(s.n_pos(), start + 3);
  EXPECT_TRUE(s.logits().empty());  // written back, not run
  ASSERT_EQ(s.decode_token(f.suffix[3]), Status::kOk);
  EXPECT_EQ(std::vector<float>(s.logits().begin(), s.logits().end()), run_through);

  KvRows too_many;
  EXPECT_EQ(s.copy_last_rows(s.n_cells() + 1, too_many), Status::kBadRange);
}

TEST(EngineSession, WritingRowsBackIntoAFullCacheIsRefused) {
  const auto& f = parity_fixture();
  auto model = Model::load(f.find("logmel_f32").single);
  SessionParams p;
  p.n_ctx = static_cast<int32_t>(f.prefix.size()) + 1;
  Session s(*model, p);
  ASSERT_EQ(s.prefill_tokens(f.prefix), Status::kOk);
  ASSERT_EQ(s.decode_token(f.suffix[0]), Status::kOk);
  KvRows rows;
  ASSERT_EQ(s.copy_last_rows(1, rows), Status::kOk);
  const int32_t n_pos = s.n_pos();
  EXPECT_EQ(s.append_rows(rows), Status::kCacheFull);
  EXPECT_EQ(s.n_pos(), n_pos);
  EXPECT_FALSE(s.logits().empty());
}

TEST(EngineTranscriber, OutputIsBoundedAndRepeatable) {
  const auto& f = parity_fixture();
  auto model = Model::load(f.find("logmel_f32").single);
  Transcriber t(*model, TranscriberParams{});
  const Transcript a = t.transcribe(f.audio);
  ASSERT_EQ(a.status, Status::kOk);
  EXPECT_EQ(a.n_audio_frames, f.n_frames);
  const int bound = max_tokens_for_audio(static_cast<double>(f.audio.size()) / kSampleRate);
  EXPECT_LE(static_cast<int>(a.ids.size()), bound);
  EXPECT_NE(a.reason, StopReason::kError);
  // The second clip reuses the prefilled instruction; same clip, same answer.
  const Transcript b = t.transcribe(f.audio);
  EXPECT_EQ(b.ids, a.ids);
  EXPECT_EQ(b.text, a.text);
  EXPECT_LT(b.n_prefill_rows, a.n_prefill_rows);
  // An empty clip still gets one (silent) frame.
  const Transcript empty = t.transcribe({});
  EXPECT_EQ(empty.status, Status::kOk);
  EXPECT_EQ(empty.n_audio_frames, 1);
}

}  // namespace
}  // namespace earshot::model
