// decode_translation_answer with the scripted translating decoder: when the
// label is written, and when it is not.
#include "stream/translation_decode.h"

#include <gtest/gtest.h>

#include <vector>

#include "model/language_names.h"
#include "translating_decoder.h"

namespace earshot::stream {
namespace {

using testing::TranslatingDecoder;

const model::Language kSpanish = model::language_of("es");

// A decoder holding `n_words` words of audio whose model ends after the transcription.
TranslatingDecoder ending_after_transcription(int n_words) {
  TranslatingDecoder decoder;
  decoder.with_newline = false;
  decoder.begin_segment();
  decoder.append_audio(std::vector<float>(static_cast<size_t>(n_words) * 10 * 640, 0.0f));
  return decoder;
}

TEST(TranslationDecode, TheLabelIsNewlineAndTheLanguageName) {
  EXPECT_EQ(translation_label(kSpanish), "\nSpanish:");
}

TEST(TranslationDecode, WritesTheLabelAndDecodesTheTranslation) {
  TranslatingDecoder decoder = ending_after_transcription(2);
  Hypothesis hyp;
  bool label_written = false;
  ASSERT_EQ(decode_translation_answer(decoder, {}, 40, kSpanish, hyp, label_written), DecodeStatus::kOk);
  EXPECT_TRUE(label_written);
  EXPECT_TRUE(hyp.stopped);
  EXPECT_EQ(decoder.text_of(hyp.tokens), " w0 w1\nSpanish: p0 p1");
}

TEST(TranslationDecode, ContinuesAfterTheCommittedPrefix) {
  TranslatingDecoder decoder = ending_after_transcription(3);
  const std::vector<TokenId> stable = {testing::kWord, testing::kWord + 1};
  Hypothesis hyp;
  bool label_written = false;
  ASSERT_EQ(decode_translation_answer(decoder, stable, 40, kSpanish, hyp, label_written), DecodeStatus::kOk);
  EXPECT_TRUE(label_written);
  EXPECT_EQ(decoder.text_of(hyp.tokens), " w2\nSpanish: p0 p1 p2");
  EXPECT_EQ(decoder.n_bad_prefixes, 0);
}

TEST(TranslationDecode, AnAnswerWithItsOwnNewlineIsDecodedOnce) {
  TranslatingDecoder decoder = ending_after_transcription(2);
  decoder.with_newline = true;
  Hypothesis hyp;
  bool label_written = true;
  ASSERT_EQ(decode_translation_answer(decoder, {}, 40, kSpanish, hyp, label_written), DecodeStatus::kOk);
  EXPECT_FALSE(label_written);
  EXPECT_EQ(decoder.n_prefixes_past_newline, 0);
  EXPECT_EQ(decoder.text_of(hyp.tokens), " w0 w1\nSpanish: p0 p1");
}

TEST(TranslationDecode, NoWordsOrNoRoomMeansNoLabel) {
  Hypothesis hyp;
  bool label_written = true;
  TranslatingDecoder silent = ending_after_transcription(0);
  ASSERT_EQ(decode_translation_answer(silent, {}, 40, kSpanish, hyp, label_written), DecodeStatus::kOk);
  EXPECT_FALSE(label_written);
  EXPECT_TRUE(hyp.tokens.empty());

  // Three words fill a bound of four: the label (two tokens) no longer fits.
  TranslatingDecoder full = ending_after_transcription(3);
  ASSERT_EQ(decode_translation_answer(full, {}, 4, kSpanish, hyp, label_written), DecodeStatus::kOk);
  EXPECT_FALSE(label_written);
  EXPECT_EQ(full.text_of(hyp.tokens), " w0 w1 w2");
}

}  // namespace
}  // namespace earshot::stream
