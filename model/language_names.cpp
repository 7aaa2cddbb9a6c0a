#include "model/language_names.h"

#include <array>
#include <stdexcept>

namespace earshot::model {
namespace {

struct Entry {
  std::string_view tag;
  std::string_view name;
};

// ISO 639-1 tags and the English names Gemma's prompts use, sorted by tag.
constexpr std::array kLanguages = {
    Entry{"ar", "Arabic"},     Entry{"bg", "Bulgarian"},  Entry{"bn", "Bengali"},
    Entry{"ca", "Catalan"},    Entry{"cs", "Czech"},      Entry{"da", "Danish"},
    Entry{"de", "German"},     Entry{"el", "Greek"},      Entry{"en", "English"},
    Entry{"es", "Spanish"},    Entry{"et", "Estonian"},   Entry{"fa", "Persian"},
    Entry{"fi", "Finnish"},    Entry{"fr", "French"},     Entry{"he", "Hebrew"},
    Entry{"hi", "Hindi"},      Entry{"hr", "Croatian"},   Entry{"hu", "Hungarian"},
    Entry{"id", "Indonesian"}, Entry{"it", "Italian"},    Entry{"ja", "Japanese"},
    Entry{"ko", "Korean"},     Entry{"lt", "Lithuanian"}, Entry{"lv", "Latvian"},
    Entry{"ms", "Malay"},      Entry{"nb", "Norwegian Bokmål"},
    Entry{"nl", "Dutch"},      Entry{"no", "Norwegian"},  Entry{"pl", "Polish"},
    Entry{"pt", "Portuguese"}, Entry{"ro", "Romanian"},   Entry{"ru", "Russian"},
    Entry{"sk", "Slovak"},     Entry{"sl", "Slovenian"},  Entry{"sr", "Serbian"},
    Entry{"sv", "Swedish"},    Entry{"sw", "Swahili"},    Entry{"ta", "Tamil"},
    Entry{"th", "Thai"},       Entry{"tl", "Filipino"},   Entry{"tr", "Turkish"},
    Entry{"uk", "Ukrainian"},  Entry{"ur", "Urdu"},       Entry{"vi", "Vietnamese"},
    Entry{"zh", "Chinese"},
};

// Other names people write for a language of the table.
constexpr std::array kAliases = {
    Entry{"fa", "Farsi"},     Entry{"nb", "Bokmål"},    Entry{"nb", "Bokmal"},
    Entry{"nb", "Norwegian Bokmal"}, Entry{"tl", "Tagalog"}, Entry{"zh", "Mandarin"},
    Entry{"el", "Modern Greek"},
};

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; }

bool same_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

const Entry* entry_of_tag(std::string_view tag) {
  for (const Entry& e : kLanguages) {
    if (same_ignoring_case(e.tag, tag)) return &e;
  }
  return nullptr;
}

// "pt-br" -> "pt-BR": the language lower case, a two-letter region upper case
// (BCP 47's usual spelling), anything else as written.
std::string canonical_tag(std::string_view primary, std::string_view rest) {
  std::string tag(primary);
  for (char& c : tag) c = lower(c);
  if (rest.empty()) return tag;
  std::string region(rest);
  if (region.size() == 2) {
    for (char& c : region) c = upper(c);
  }
  return tag + "-" + region;
}

}  // namespace

std::optional<Language> find_language(std::string_view text) {
  if (text.empty()) return std::nullopt;
  for (const Entry& e : kLanguages) {
    if (same_ignoring_case(e.tag, text) || same_ignoring_case(e.name, text)) {
      return Language{std::string(e.tag), std::string(e.name)};
    }
  }
  for (const Entry& alias : kAliases) {
    if (same_ignoring_case(alias.name, text)) {
      return Language{std::string(alias.tag), std::string(entry_of_tag(alias.tag)->name)};
    }
  }
  // A region or script after the language: only in what the bus takes as a tag.
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos || dash + 1 == text.size() || text.size() > 16) return std::nullopt;
  const Entry* e = entry_of_tag(text.substr(0, dash));
  if (e == nullptr) return std::nullopt;
  const std::string_view rest = text.substr(dash + 1);
  for (char c : rest) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return std::nullopt;
  }
  return Language{canonical_tag(e->tag, rest), std::string(e->name)};
}

Language language_of(std::string_view text) {
  if (std::optional<Language> language = find_language(text)) return *language;
  throw std::invalid_argument("unknown language '" + std::string(text) +
                              "': write a language tag such as \"es\" or \"pt-BR\", or an English name "
                              "such as \"Spanish\"; known: " + known_languages());
}

std::string known_languages() {
  std::string out;
  for (const Entry& e : kLanguages) {
    if (!out.empty()) out += ", ";
    out += std::string(e.tag) + " (" + std::string(e.name) + ")";
  }
  return out;
}

}  // namespace earshot::model
