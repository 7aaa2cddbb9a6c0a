// Beam search on the bundled model and real recordings (tests/data/an4-heldout):
// one hypothesis is greedy decoding exactly, a wider beam still hears the words,
// with and without the model's CTC head scoring the answers, and quiet input
// still gives none.
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "audio/load_audio.h"
#include "model/model.h"
#include "model/transcriber.h"
#include "tools/scoring/word_errors.h"
#include "../support/recordings.h"

namespace earshot::model {
namespace {

const std::string kDir = EARSHOT_SOURCE_DIR "/tests/data/an4-heldout/";
constexpr size_t kRecordings = 24;

class BeamSearchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = Model::load(EARSHOT_SOURCE_DIR "/models/earshot-default.gguf");
    for (const testing::Recording& r : testing::read_recordings(kDir)) {
      recordings_.push_back(r);
      if (recordings_.size() == kRecordings) break;
    }
  }
  static void TearDownTestSuite() { model_.reset(); }

  static Transcriber transcriber(int beam_width, size_t row_budget_bytes = BeamParams{}.row_budget_bytes,
                                 double ctc_weight = kDefaultCtcWeight) {
    TranscriberParams params;
    params.session.n_threads = 1;
    params.beam_width = beam_width;
    params.beam_row_budget_bytes = row_budget_bytes;
    params.ctc_weight = ctc_weight;
    return Transcriber(*model_, params);
  }

  // Word errors / reference words over the recordings.
  static double word_error_rate(Transcriber& t, std::string& listing) {
    size_t edits = 0, words = 0;
    for (const testing::Recording& r : recordings_) {
      const Transcript heard = t.transcribe(audio::load_audio_16k(kDir + r.file));
      EXPECT_EQ(heard.status, Status::kOk) << r.file;
      const auto ref = scoring::words_of(r.said);
      edits += scoring::word_edits(ref, scoring::words_of(heard.text));
      words += ref.size();
      listing += r.file + "\n  said:  " + r.said + "\n  heard: " + heard.text + "\n";
    }
    return static_cast<double>(edits) / static_cast<double>(words);
  }

  static std::unique_ptr<Model> model_;
  static std::vector<testing::Recording> recordings_;
};

std::unique_ptr<Model> BeamSearchTest::model_;
std::vector<testing::Recording> BeamSearchTest::recordings_;

TEST_F(BeamSearchTest, OneHypothesisIsGreedyDecoding) {
  ASSERT_EQ(recordings_.size(), kRecordings);
  Transcriber greedy = transcriber(0);
  Transcriber beam = transcriber(1, BeamParams{}.row_budget_bytes, /*ctc_weight=*/0);
  for (const testing::Recording& r : recordings_) {
    const std::vector<float> audio = audio::load_audio_16k(kDir + r.file);
    const Transcript g = greedy.transcribe(audio);
    const Transcript b = beam.transcribe(audio);
    EXPECT_EQ(b.ids, g.ids) << r.file << ": greedy \"" << g.text << "\", beam \"" << b.text << "\"";
    EXPECT_EQ(b.reason, g.reason) << r.file;
  }
}

// Keeping each hypothesis's cache rows changes what the search costs, not
// what it finds: the same answers as running every token again (budget 0),
// with fewer tokens run.
TEST_F(BeamSearchTest, KeptRowsGiveTheAnswersOfRunningTheTokensAgain) {
  Transcriber keeping = transcriber(4);
  Transcriber rerunning = transcriber(4, 0);
  int64_t n_run_keeping = 0, n_run_rerunning = 0;
  for (size_t i = 0; i < 8; ++i) {
    const std::vector<float> audio = audio::load_audio_16k(kDir + recordings_[i].file);
    const Transcript k = keeping.transcribe(audio);
    const Transcript r = rerunning.transcribe(audio);
    EXPECT_EQ(k.ids, r.ids) << recordings_[i].file;
    n_run_keeping += k.n_decoded;
    n_run_rerunning += r.n_decoded;
  }
  std::printf("answer tokens run: %lld keeping rows, %lld running them again\n",
              static_cast<long long>(n_run_keeping), static_cast<long long>(n_run_rerunning));
  EXPECT_LT(n_run_keeping, n_run_rerunning);
}

TEST_F(BeamSearchTest, AWiderBeamStillHearsTheWords) {
  Transcriber beam = transcriber(4, BeamParams{}.row_budget_bytes, /*ctc_weight=*/0);
  std::string listing;
  // The bundled model's greedy answers score 10.9 % on all 189 recordings.
  EXPECT_LE(word_error_rate(beam, listing), 0.35) << listing;
}

// The bundled model carries a CTC head, which the beam uses by default: the
// session keeps one row of its log probabilities per audio frame, and the
// answers it picks still hear the words (on all 189 recordings: 5.5 % WER
// against 7.2 % without it).
TEST_F(BeamSearchTest, TheCtcHeadScoresTheAnswersAgainstTheAudio) {
  ASSERT_TRUE(model_->projector()->ctc_head.has_value());
  const int n_labels = model_->projector()->ctc_head->n_labels();
  Transcriber beam = transcriber(4);
  const Transcript t = beam.transcribe(audio::load_audio_16k(kDir + recordings_[0].file));
  EXPECT_EQ(beam.session().ctc_log_probs().size(), static_cast<size_t>(t.n_audio_frames * n_labels));
  std::string listing;
  const double with_ctc = word_error_rate(beam, listing);
  std::printf("WER with the CTC head %.3f\n", with_ctc);
  EXPECT_LE(with_ctc, 0.35) << listing;
}

TEST_F(BeamSearchTest, SilenceAndNoiseGiveNoWords) {
  Transcriber beam = transcriber(4);
  const std::vector<float> silence(16000 * 3, 0.0F);
  std::vector<float> noise(16000 * 3);
  std::mt19937 rng(7);
  std::normal_distribution<float> gauss(0.0F, 0.02F);
  for (float& x : noise) x = gauss(rng);
  EXPECT_EQ(beam.transcribe(silence).text, "");
  EXPECT_EQ(beam.transcribe(noise).text, "");
}

}  // namespace
}  // namespace earshot::model
