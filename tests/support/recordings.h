// The recordings of a test-data folder and what was said in them, as listed in
// its transcripts.tsv (file, tab, transcript in upper case without punctuation),
// or in another list of that layout (translations.es.tsv: what was said, in Spanish).
#pragma once

#include <fstream>
#include <string>
#include <vector>

namespace earshot::testing {

struct Recording {
  std::string file;  // relative to the folder
  std::string said;
};

// Empty when the list cannot be read; tests assert on the count they expect.
inline std::vector<Recording> read_recordings(const std::string& folder,
                                              const std::string& list = "transcripts.tsv") {
  std::ifstream in(folder + "/" + list);
  std::vector<Recording> out;
  std::string line;
  while (std::getline(in, line)) {
    const size_t tab = line.find('\t');
    if (tab != std::string::npos) out.push_back({line.substr(0, tab), line.substr(tab + 1)});
  }
  return out;
}

}  // namespace earshot::testing
