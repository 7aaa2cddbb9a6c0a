#include "daemon/model_paths.h"

#include <stdexcept>

namespace earshot::daemon {

std::vector<std::filesystem::path> bundled_model_candidates() {
  return {std::filesystem::path(EARSHOT_MODEL_DIR_INSTALLED) / kBundledModelFile,
          std::filesystem::path(EARSHOT_MODEL_DIR_SOURCE) / kBundledModelFile};
}

std::filesystem::path find_bundled_model() {
  for (const auto& candidate : bundled_model_candidates()) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate;
  }
  return {};
}

std::filesystem::path effective_model_path(const std::string& model_setting) {
  if (!model_setting.empty()) return model_setting;
  std::filesystem::path found = find_bundled_model();
  if (!found.empty()) return found;
  std::string places;
  for (const auto& candidate : bundled_model_candidates()) {
    places += (places.empty() ? "" : ", ") + candidate.string();
  }
  throw std::runtime_error("the bundled model is not installed (looked for " + places +
                           "); set `model` to a GGUF file");
}

std::filesystem::path default_word_lm_for(const std::filesystem::path& model_path) {
  if (model_path.filename() != kBundledModelFile) return {};
  const std::filesystem::path lm = model_path.parent_path() / kBundledWordLmFile;
  std::error_code ec;
  return std::filesystem::is_regular_file(lm, ec) ? lm : std::filesystem::path{};
}

std::filesystem::path word_lm_path(const std::string& setting, const std::filesystem::path& model_path) {
  if (setting == kNoWordLm) return {};
  return setting.empty() ? default_word_lm_for(model_path) : std::filesystem::path(setting);
}

}  // namespace earshot::daemon
