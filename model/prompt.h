// The token sequence of a Gemma 4 user turn that carries audio, as the chat
// template renders it, and where its audio placeholders sit:
//
//   <bos><|turn>user\n INSTRUCTION <|audio> N x <|audio|> <audio|><turn|>\n<|turn>model\n
//
// The engine replaces the N placeholder positions by projected audio frames
// (one per 40 ms). Gemma's documentation shows the audio before the
// instruction; the template renders either order, and earshot puts the audio
// last by default so that only the few tokens after it change while a stream
// grows. training/tokenizer.py (build_audio_prompt) builds the same ids.
//
// Thread contract: free functions on immutable data, safe from any thread.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer.h"

namespace earshot::model {

// Gemma 4's speech recognition instruction, e.g. for "English".
std::string transcription_instruction(std::string_view language);

// Gemma 4's speech translation instruction: the answer is the transcription,
// one newline, "TARGET: ", then the translation.
std::string translation_instruction(std::string_view source_language,
                                    std::string_view target_language);

enum class AudioPlacement {
  kAfterText,   // <|turn>user\n TEXT <|audio>...<audio|><turn|>
  kBeforeText,  // <|turn>user\n <|audio>...<audio|>TEXT<turn|>
};

struct AudioPrompt {
  std::vector<TokenId> ids;  // the whole prompt, ending with "<|turn>model\n"
  size_t audio_begin = 0;    // index of the first <|audio|>
  size_t audio_end = 0;      // one past the last <|audio|>
};

// Throws TokenizerError when the vocabulary lacks a turn or audio token.
AudioPrompt build_audio_prompt(const Tokenizer& tokenizer, std::string_view instruction,
                               size_t n_audio, AudioPlacement placement = AudioPlacement::kAfterText);

}  // namespace earshot::model
