#include "model/prompt.h"

namespace earshot::model {
namespace {

// The template trims each text item.
std::string_view trim(std::string_view text) {
  constexpr std::string_view kWhitespace = " \t\n\r\f\v";
  const size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

void append(std::vector<TokenId>& out, const std::vector<TokenId>& ids) {
  out.insert(out.end(), ids.begin(), ids.end());
}

}  // namespace

std::string transcription_instruction(std::string_view language) {
  const std::string lang(language);
  return "Transcribe the following speech segment in " + lang + " into " + lang + " text.\n\n" +
         "Follow these specific instructions for formatting the answer:\n"
         "* Only output the transcription, with no newlines.\n"
         "* When transcribing numbers, write the digits, i.e. write 1.7 and not one point seven, "
         "and write 3 instead of three.";
}

std::string translation_instruction(std::string_view source_language,
                                    std::string_view target_language) {
  const std::string source(source_language);
  const std::string target(target_language);
  return "Transcribe the following speech segment in " + source + ", then translate it into " +
         target + ".\n" + "When formatting the answer, first output the transcription in " + source +
         ", then one newline, then output the string '" + target + ": ', then the translation in " +
         target + ".";
}

AudioPrompt build_audio_prompt(const Tokenizer& tokenizer, std::string_view instruction,
                               size_t n_audio, AudioPlacement placement) {
  const TokenId turn_begin = tokenizer.id_of(kTurnBeginToken);
  const TokenId turn_end = tokenizer.id_of(kTurnEndToken);
  const TokenId audio_begin = tokenizer.id_of(kAudioBeginToken);
  const TokenId audio = tokenizer.id_of(kAudioPlaceholderToken);
  const TokenId audio_end = tokenizer.id_of(kAudioEndToken);
  const std::vector<TokenId> text = tokenizer.encode(trim(instruction));

  AudioPrompt prompt;
  std::vector<TokenId>& ids = prompt.ids;
  ids.push_back(tokenizer.bos_id());
  ids.push_back(turn_begin);
  append(ids, tokenizer.encode("user\n"));
  if (placement == AudioPlacement::kAfterText) append(ids, text);
  ids.push_back(audio_begin);
  prompt.audio_begin = ids.size();
  ids.insert(ids.end(), n_audio, audio);
  prompt.audio_end = ids.size();
  ids.push_back(audio_end);
  if (placement == AudioPlacement::kBeforeText) append(ids, text);
  ids.push_back(turn_end);
  append(ids, tokenizer.encode("\n"));
  ids.push_back(turn_begin);
  append(ids, tokenizer.encode("model\n"));
  return prompt;
}

}  // namespace earshot::model
