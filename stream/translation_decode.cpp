#include "stream/translation_decode.h"

#include <vector>

namespace earshot::stream {

std::string translation_label(const model::Language& target) { return "\n" + target.name + ":"; }

DecodeStatus decode_translation_answer(StreamDecoder& decoder, std::span<const TokenId> prefix, int max_new,
                                       const model::Language& target, Hypothesis& out, bool& label_written) {
  label_written = false;
  const DecodeStatus status = decoder.decode_final(prefix, max_new, out);
  // Only a turn the model closed is continued: a length bound or a loop
  // leaves no room for, or no sense in, a translation.
  if (status != DecodeStatus::kOk || !out.stopped) return status;
  std::vector<TokenId> answer(prefix.begin(), prefix.end());
  answer.insert(answer.end(), out.tokens.begin(), out.tokens.end());
  const std::string text = decoder.text_of(answer);
  const bool has_newline = text.find('\n') != std::string::npos;
  const bool has_words = text.find_first_not_of(" \t") != std::string::npos;
  if (has_newline || !has_words) return status;

  const std::vector<TokenId> label = decoder.tokens_of(translation_label(target));
  const int room = max_new - static_cast<int>(out.tokens.size() + label.size());
  if (room <= 0) return status;
  answer.insert(answer.end(), label.begin(), label.end());
  Hypothesis rest;
  if (decoder.decode_final(answer, room, rest) != DecodeStatus::kOk) return DecodeStatus::kFailed;
  out.tokens.insert(out.tokens.end(), label.begin(), label.end());
  out.tokens.insert(out.tokens.end(), rest.tokens.begin(), rest.tokens.end());
  out.stopped = rest.stopped;
  out.looped = rest.looped;
  label_written = true;
  return DecodeStatus::kOk;
}

}  // namespace earshot::stream
