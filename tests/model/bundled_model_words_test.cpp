// The bundled model recognises real speech it was never trained on: every
// recording of the 15 held-out AN4 speakers (tests/data/an4-heldout: spelled
// words, digits and short commands), transcribed one clip at a time as
// `earshot transcribe` does, scored against what was said.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "audio/load_audio.h"
#include "model/model.h"
#include "model/transcriber.h"
#include "tools/scoring/word_errors.h"
#include "../support/recordings.h"

namespace earshot {
namespace {

using scoring::word_edits;
using scoring::words_of;

const std::string kDir = EARSHOT_SOURCE_DIR "/tests/data/an4-heldout/";

// Measured 7.4 % with the shipped file (s17) and the default beam of 4, whole clips as
// here (`earshot transcribe`, which cuts the few clips over 4 s at a pause: 7.2 %; 2026-11-28); s11 8.9 %; 10.9 % with greedy decoding, as s01 before it
// (2026-11-27); pocketsphinx with its
// en-us model scores 39.2 % on the same recordings (docs/model/card.md). Earlier
// files: c03 13.6 %, g06 15.6 %, r22 23.9 %, r21 40.4 %, g01 47.4 %. The bound leaves room
// for other CPUs' rounding and for a later file that trades a little of this set
// for others, not for a model that stops listening: the files shipped before
// g01, which barely used the audio, scored 73.1 % (r08 at step 21394) and
// 86.2 % (r08 at step 12750) here.
constexpr double kMaxWordErrorRate = 0.35;

TEST(BundledModel, TranscribesHeldOutSpeakersUnderAWordErrorBound) {
  const auto model = model::Model::load(EARSHOT_SOURCE_DIR "/models/earshot-default.gguf");
  model::TranscriberParams params;
  params.session.n_threads = 1;
  model::Transcriber transcriber(*model, params);
  const std::vector<testing::Recording> recs = testing::read_recordings(kDir);
  ASSERT_EQ(recs.size(), 189u) << "recordings listed in " << kDir << "transcripts.tsv";

  size_t edits = 0, words = 0;
  std::string listing;
  for (const testing::Recording& r : recs) {
    const std::vector<float> audio = audio::load_audio_16k(kDir + r.file);
    const std::string heard = transcriber.transcribe(audio).text;
    const auto ref = words_of(r.said);
    edits += word_edits(ref, words_of(heard));
    words += ref.size();
    listing += r.file + "\n  said:  " + r.said + "\n  heard: " + heard + "\n";
  }
  const double wer = static_cast<double>(edits) / static_cast<double>(words);
  std::printf("%zu recordings, %zu words said: WER %.1f %%\n", recs.size(), words, 100 * wer);
  EXPECT_LE(wer, kMaxWordErrorRate) << listing;
}

// Long audio reaches the bundled model in windows of at most 4 s (experiment
// log d07: whole 14 s sentences read 6.6 points worse on dev_libri).
TEST(BundledModel, NamesItsWindowOfFourSeconds) {
  const auto model = model::Model::load(EARSHOT_SOURCE_DIR "/models/earshot-default.gguf");
  EXPECT_DOUBLE_EQ(model::clip_window_seconds(*model), 4.0);
}

// ... and carries the character CTC head its beam search scores answers with
// (experiment log d08).
TEST(BundledModel, CarriesACharacterCtcHead) {
  const auto model = model::Model::load(EARSHOT_SOURCE_DIR "/models/earshot-default.gguf");
  ASSERT_TRUE(model->projector()->ctc_head.has_value());
  EXPECT_EQ(model->projector()->ctc_head->labels(), " abcdefghijklmnopqrstuvwxyz'");
}

}  // namespace
}  // namespace earshot
