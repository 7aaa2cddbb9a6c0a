// Gemma 4's speech translation answer, split into its two results. The
// translation prompt (model::translation_instruction) asks for
//
//   the transcription \n Spanish: the translation
//
// so the transcription is everything before the first newline, and the
// translation the next line that is not blank, less the "Spanish: " label. The
// label is matched in any case, by name or tag ("spanish:", "es:"), and may be
// missing.
//
// Pure functions: any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/language_names.h"

namespace earshot::stream {

struct TranslationAnswer {
  std::string transcription;               // as decoded, up to the first newline
  std::optional<std::string> translation;  // trimmed; nullopt without a newline or when empty
};

// The text before the first newline: what partials of a translating session
// show, since the translation only starts after it.
std::string_view transcription_part(std::string_view answer);

TranslationAnswer split_translation_answer(std::string_view answer, const model::Language& target);

}  // namespace earshot::stream
