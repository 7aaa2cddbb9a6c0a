// Languages by tag and by English name. The Gemma 4 prompts name a language
// ("Spanish"), while the bus carries language tags ("es"); config files,
// command lines and control requests may use either, and this table turns one
// into the other.
//
//   const Language es = language_of("spanish");   // {.tag = "es", .name = "Spanish"}
//   translation_instruction(en.name, es.name);    // the prompt
//   event.target_language = es.tag;               // the bus
//
// A tag with a region ("pt-BR") is the language of its first part, and keeps
// its region. Pure functions on a constant table: any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace earshot::model {

struct Language {
  std::string tag;   // "es", "pt-BR"
  std::string name;  // "Spanish", "Portuguese"

  bool operator==(const Language&) const = default;
};

// A tag or an English name, any case; std::nullopt when the table lacks it
// (and for "").
std::optional<Language> find_language(std::string_view tag_or_name);

// As find_language(), but throws std::invalid_argument saying how to write a
// language and listing the known ones.
Language language_of(std::string_view tag_or_name);

// "ar (Arabic), bg (Bulgarian), ...", for help and error messages.
std::string known_languages();

}  // namespace earshot::model
