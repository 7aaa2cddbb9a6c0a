#include "audio/utterance_list.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace earshot::audio {

std::vector<Utterance> librispeech_utterances(const std::filesystem::path& root) {
  if (!std::filesystem::is_directory(root)) throw std::runtime_error("not a folder: " + root.string());
  std::vector<Utterance> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.path().filename().string().ends_with(".trans.txt")) continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      const size_t space = line.find(' ');
      const std::string id = line.substr(0, space);
      if (id.empty()) continue;
      for (const char* ext : {".flac", ".wav", ".opus", ".ogg"}) {
        const auto audio = entry.path().parent_path() / (id + ext);
        if (std::filesystem::exists(audio)) {
          out.push_back({id, audio.string(), space == std::string::npos ? "" : line.substr(space + 1)});
          break;
        }
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Utterance& a, const Utterance& b) { return a.id < b.id; });
  return out;
}

std::vector<Utterance> list_utterances(const std::filesystem::path& list_path) {
  std::ifstream in(list_path);
  if (!in) throw std::runtime_error("cannot read " + list_path.string());
  std::vector<Utterance> out;
  std::string line;
  while (std::getline(in, line)) {
    const size_t space = line.find(' ');
    if (line.empty() || space == std::string::npos) continue;
    out.push_back({line.substr(0, space), line.substr(space + 1), ""});
  }
  return out;
}

}  // namespace earshot::audio
