// Where the bundled default model is: the install data folder first
// (<prefix>/share/earshot/models), then the source tree's models/, as the
// `earshot` tool looks. Plain functions: any thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace earshot::daemon {

inline constexpr const char* kBundledModelFile = "earshot-default.gguf";
// The English word model that goes with the bundled model (experiment log d09).
inline constexpr const char* kBundledWordLmFile = "earshot-words.arpa.gz";

// The places looked at, in order.
std::vector<std::filesystem::path> bundled_model_candidates();

// The first candidate that exists, or empty.
std::filesystem::path find_bundled_model();

// The model file the settings name: `model`, or the bundled one when empty.
// Throws std::runtime_error listing the places looked at when the bundled
// model is wanted and missing.
std::filesystem::path effective_model_path(const std::string& model_setting);

// The word model a transcription with this model uses unless told otherwise:
// the bundled word model beside the bundled model file; empty for any other
// model (published models know their language) or when it is missing.
std::filesystem::path default_word_lm_for(const std::filesystem::path& model_path);

// The value of a word-model setting (`word_lm`, `earshot transcribe --lm`)
// that asks for none.
inline constexpr std::string_view kNoWordLm = "none";

// The word model file a setting names: the path given, none for kNoWordLm,
// and for "" the default one (default_word_lm_for).
std::filesystem::path word_lm_path(const std::string& setting, const std::filesystem::path& model_path);

}  // namespace earshot::daemon
