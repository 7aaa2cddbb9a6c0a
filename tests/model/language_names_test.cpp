// The language table: tags and names both ways, any case, regions, and an
// error that says how to write a language.
#include "model/language_names.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace earshot::model {
namespace {

TEST(LanguageNames, TagsAndNamesGiveTheSameLanguage) {
  const Language es{"es", "Spanish"};
  EXPECT_EQ(find_language("es"), es);
  EXPECT_EQ(find_language("ES"), es);
  EXPECT_EQ(find_language("Spanish"), es);
  EXPECT_EQ(find_language("spanish"), es);
  EXPECT_EQ(find_language("SPANISH"), es);
  EXPECT_EQ(language_of("English"), (Language{"en", "English"}));
}

TEST(LanguageNames, TheCommonLanguagesAreAllThere) {
  for (const char* tag : {"en", "es", "fr", "de", "it", "pt", "nl", "pl", "ru", "uk", "zh", "ja", "ko", "ar",
                          "hi", "tr", "sv", "da", "no", "nb", "fi", "cs", "el", "he", "id", "vi", "th", "ro",
                          "hu", "ca"}) {
    const std::optional<Language> language = find_language(tag);
    ASSERT_TRUE(language) << tag;
    EXPECT_EQ(language->tag, tag);
    // Every name leads back to its tag.
    EXPECT_EQ(find_language(language->name)->tag, tag) << language->name;
  }
}

TEST(LanguageNames, AliasesAndRegions) {
  EXPECT_EQ(find_language("Mandarin"), (Language{"zh", "Chinese"}));
  EXPECT_EQ(find_language("farsi"), (Language{"fa", "Persian"}));
  EXPECT_EQ(find_language("pt-BR"), (Language{"pt-BR", "Portuguese"}));
  EXPECT_EQ(find_language("pt-br"), (Language{"pt-BR", "Portuguese"}));
  EXPECT_EQ(find_language("zh-Hant"), (Language{"zh-Hant", "Chinese"}));
}

TEST(LanguageNames, UnknownLanguagesAreRefused) {
  EXPECT_FALSE(find_language(""));
  EXPECT_FALSE(find_language("Klingon"));
  EXPECT_FALSE(find_language("xx"));
  EXPECT_FALSE(find_language("xx-YY"));
  EXPECT_FALSE(find_language("pt-"));
  EXPECT_FALSE(find_language("pt-B R"));
  EXPECT_FALSE(find_language("es-aaaaaaaaaaaaaaaa"));  // longer than a bus tag
  try {
    language_of("Klingon");
    FAIL() << "Klingon was accepted";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'Klingon'"), std::string::npos) << what;
    EXPECT_NE(what.find("\"es\""), std::string::npos) << what;
    EXPECT_NE(what.find("\"Spanish\""), std::string::npos) << what;
    EXPECT_NE(what.find("de (German)"), std::string::npos) << what;
  }
}

}  // namespace
}  // namespace earshot::model
