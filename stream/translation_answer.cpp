#include "stream/translation_answer.h"

namespace earshot::stream {
namespace {

constexpr std::string_view kWhitespace = " \t\r\n\f\v";

std::string_view trim(std::string_view text) {
  const size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kWhitespace) - first + 1);
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (prefix.empty() || text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(text[i]) != lower(prefix[i])) return false;
  }
  return true;
}

// "Spanish: hola" -> "hola"; text without the label is returned whole.
std::string_view strip_label(std::string_view text, const model::Language& target) {
  for (std::string_view label : {std::string_view(target.name), std::string_view(target.tag)}) {
    if (!starts_with_ignoring_case(text, label)) continue;
    const std::string_view rest = trim(text.substr(label.size()));
    if (rest.starts_with(':')) return rest.substr(1);
  }
  return text;
}

}  // namespace

std::string_view transcription_part(std::string_view answer) { return answer.substr(0, answer.find('\n')); }

TranslationAnswer split_translation_answer(std::string_view answer, const model::Language& target) {
  TranslationAnswer out;
  const size_t newline = answer.find('\n');
  out.transcription = std::string(answer.substr(0, newline));
  if (newline == std::string_view::npos) return out;
  // The translation is one line: a model that starts another label line
  // after it (a small model may) has begun to repeat itself.
  std::string_view line = trim(answer.substr(newline + 1));
  line = line.substr(0, line.find('\n'));
  const std::string_view translation = trim(strip_label(line, target));
  if (!translation.empty()) out.translation = std::string(translation);
  return out;
}

}  // namespace earshot::stream
