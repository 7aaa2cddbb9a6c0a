// The EngineDecoder's two searches on the bundled model and real speech:
// partials decode with partial_beam_width and finals with final_beam_width,
// each the same search the other would run at that width, and the state after
// a decode is the end of the audio again whatever search ran. With the
// bundled model's CTC head and word model in the beams, answers that go on
// from committed words still hear the recording.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "../support/recordings.h"
#include "audio/load_audio.h"
#include "model/lm_fusion.h"
#include "model/word_lm.h"
#include "tools/scoring/word_errors.h"
#include "model/model.h"
#include "model/prompt.h"
#include "stream/engine_decoder.h"

namespace earshot::stream {
namespace {

const std::string kSpeechDir = EARSHOT_SOURCE_DIR "/tests/data/speech/";

EngineDecoderParams params_with(int partial_beam, int final_beam) {
  EngineDecoderParams params;
  params.session.n_threads = 1;
  params.instruction = model::transcription_instruction("English");
  params.partial_beam_width = partial_beam;
  params.final_beam_width = final_beam;
  return params;
}

// The first whole frames of the recording, at most `max_frames`.
std::vector<float> frames_of(const std::string& file, size_t max_frames) {
  std::vector<float> audio = audio::load_audio_16k(kSpeechDir + file);
  const size_t n_frames = std::min(max_frames, audio.size() / 640);
  audio.resize(n_frames * 640);
  return audio;
}

std::vector<TokenId> decode_with(EngineDecoder& decoder, const std::vector<float>& audio, bool final_answer) {
  EXPECT_EQ(decoder.begin_segment(), DecodeStatus::kOk);
  EXPECT_EQ(decoder.append_audio(audio), DecodeStatus::kOk);
  const int32_t audio_end = decoder.session().n_pos();
  Hypothesis hyp;
  const DecodeStatus status =
      final_answer ? decoder.decode_final({}, 40, hyp) : decoder.decode({}, 40, hyp);
  EXPECT_EQ(status, DecodeStatus::kOk);
  EXPECT_EQ(decoder.session().n_pos(), audio_end) << "the decode left the session past the audio";
  return hyp.tokens;
}

TEST(EngineDecoderBeams, PartialsAndFinalsEachSearchWithTheirOwnWidth) {
  const auto model = model::Model::load(EARSHOT_SOURCE_DIR "/models/earshot-default.gguf");
  const std::vector<testing::Recording> recs = testing::read_recordings(kSpeechDir);
  ASSERT_GE(recs.size(), 4u);
  // Partials by a beam of 3 and finals greedy, against the reverse.
  EngineDecoder partial_beam(*model, params_with(3, 0));
  EngineDecoder final_beam(*model, params_with(0, 3));
  int n_differ = 0;
  for (size_t i = 0; i < 4; ++i) {
    const std::vector<float> audio = frames_of(recs[i].file, 100);  // 4 s, as a partial sees it
    const std::vector<TokenId> beam_partial = decode_with(partial_beam, audio, false);
    const std::vector<TokenId> beam_final = decode_with(final_beam, audio, true);
    const std::vector<TokenId> greedy_partial = decode_with(final_beam, audio, false);
    const std::vector<TokenId> greedy_final = decode_with(partial_beam, audio, true);
    EXPECT_EQ(beam_partial, beam_final) << recs[i].file;
    EXPECT_EQ(greedy_partial, greedy_final) << recs[i].file;
    EXPECT_FALSE(beam_partial.empty()) << recs[i].file;
    n_differ += beam_partial != greedy_partial ? 1 : 0;
  }
  std::printf("the beam of 3 and greedy decoding differ on %d of 4 recordings\n", n_differ);
}

TEST(EngineDecoderBeams, AnswersAfterCommittedWordsStillHearTheRecording) {
  const auto model = model::Model::load(EARSHOT_SOURCE_DIR "/models/earshot-default.gguf");
  const model::WordLm lm = model::WordLm::load_arpa(EARSHOT_SOURCE_DIR "/models/earshot-words.arpa.gz");
  const model::LmFusion fusion(lm, {});
  EngineDecoderParams params = params_with(3, 4);
  params.ctc_weight = model::kDefaultCtcWeight;
  params.fusion = &fusion;
  EngineDecoder decoder(*model, params);
  const std::vector<testing::Recording> recs = testing::read_recordings(kSpeechDir);
  ASSERT_GE(recs.size(), 4u);
  size_t edits = 0, words = 0;
  for (size_t i = 0; i < 4; ++i) {
    const std::vector<float> audio = frames_of(recs[i].file, 100);
    const std::string whole = decoder.text_of(decode_with(decoder, audio, true));
    // Commit the answer's first two words, as a stream does, and decode the rest.
    const std::vector<std::string> heard = scoring::words_of(whole);
    ASSERT_GE(heard.size(), 2u) << recs[i].file << ": " << whole;
    const size_t second_end = whole.find(' ', whole.find(' ') + 1);  // the answer's own first two words
    const std::vector<TokenId> committed = decoder.tokens_of(whole.substr(0, second_end));
    ASSERT_EQ(decoder.begin_segment(), DecodeStatus::kOk);
    ASSERT_EQ(decoder.append_audio(audio), DecodeStatus::kOk);
    Hypothesis rest;
    ASSERT_EQ(decoder.decode_final(committed, 40, rest), DecodeStatus::kOk);
    std::vector<TokenId> answer = committed;
    answer.insert(answer.end(), rest.tokens.begin(), rest.tokens.end());
    const std::vector<std::string> went_on = scoring::words_of(decoder.text_of(answer));
    // The recordings' first 4 s: compare with as many words of what was said.
    const std::vector<std::string> said = scoring::words_of(recs[i].said);
    const std::vector<std::string> said_part(said.begin(), said.begin() + std::min(said.size(), went_on.size()));
    edits += scoring::word_edits(said_part, went_on);
    words += said_part.size();
    std::printf("%s\n  whole:     %s\n  committed: %s\n", recs[i].file.c_str(), whole.c_str(),
                decoder.text_of(answer).c_str());
    EXPECT_LE(scoring::word_edits(heard, went_on), heard.size() / 2) << recs[i].file;
  }
  EXPECT_LE(static_cast<double>(edits) / static_cast<double>(words), 0.7);
}

}  // namespace
}  // namespace earshot::stream
