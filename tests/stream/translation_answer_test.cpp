// Splitting Gemma 4's translation answer into transcription and translation.
#include "stream/translation_answer.h"

#include <gtest/gtest.h>

namespace earshot::stream {
namespace {

const model::Language kSpanish{"es", "Spanish"};

std::optional<std::string> translation_of(std::string_view answer) {
  return split_translation_answer(answer, kSpanish).translation;
}

TEST(TranslationAnswer, SplitsAtTheFirstNewlineAndDropsTheLabel) {
  const TranslationAnswer a = split_translation_answer(" the fox\nSpanish: el zorro", kSpanish);
  EXPECT_EQ(a.transcription, " the fox");
  EXPECT_EQ(a.translation, "el zorro");
}

TEST(TranslationAnswer, TheLabelMayBeCasedDifferentlyOrMissing) {
  EXPECT_EQ(translation_of("fox\nspanish:el zorro"), "el zorro");
  EXPECT_EQ(translation_of("fox\nSPANISH : el zorro "), "el zorro");
  EXPECT_EQ(translation_of("fox\nes: el zorro"), "el zorro");
  EXPECT_EQ(translation_of("fox\nel zorro"), "el zorro");
  EXPECT_EQ(translation_of("fox\n\n  Spanish: el zorro\n"), "el zorro");
  // Another word before a colon is part of the translation.
  EXPECT_EQ(translation_of("note\nNota: el zorro"), "Nota: el zorro");
  EXPECT_EQ(translation_of("fox\nespañol"), "español");
}

TEST(TranslationAnswer, TheTranslationIsOneLine) {
  EXPECT_EQ(translation_of("fox\nSpanish: el zorro\nSpanish: el zorro"), "el zorro");
  EXPECT_EQ(translation_of("fox\n\nSpanish: el zorro \n y"), "el zorro");
  EXPECT_FALSE(translation_of("fox\nSpanish:\nel zorro"));
}

TEST(TranslationAnswer, NoNewlineOrNothingAfterTheLabelIsNoTranslation) {
  const TranslationAnswer a = split_translation_answer(" the fox", kSpanish);
  EXPECT_EQ(a.transcription, " the fox");
  EXPECT_FALSE(a.translation);
  EXPECT_FALSE(translation_of("fox\nSpanish:"));
  EXPECT_FALSE(translation_of("fox\n  \n"));
}

TEST(TranslationAnswer, TranscriptionPartEndsBeforeTheNewline) {
  EXPECT_EQ(transcription_part(" a b\nSpanish: c"), " a b");
  EXPECT_EQ(transcription_part(" a b"), " a b");
  EXPECT_EQ(transcription_part("\nSpanish: c"), "");
}

}  // namespace
}  // namespace earshot::stream
