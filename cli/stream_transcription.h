// `earshot transcribe --stream`: runs files through the same streaming session
// as the daemon, so partials and finals (and, translating, the translation
// after each final) appear as they would live.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/beam_search.h"
#include "model/language_names.h"
#include "model/model.h"

namespace earshot::cli {

struct StreamViewOptions {
  bool realtime = false;  // pace the audio at real time (else as fast as possible)
  bool json = false;      // print every event as one JSON line instead of captions
  bool verbose = false;   // a summary per file: real-time factor, segments, decodes
  int n_threads = 2;
  model::Language language{"en", "English"};
  std::optional<model::Language> target{};  // translate into this language
  int final_beam = model::kDefaultBeamWidth;  // beam of each segment's final text; 0: greedy
  int partial_beam = model::kDefaultPartialBeamWidth;  // beam of the partials; 0: greedy
  double token_bonus = model::kDefaultTokenBonus;
  double ctc_weight = model::kDefaultCtcWeight;  // for transcription only (stream::EngineDecoderParams)
  const model::LmFusion* fusion = nullptr;       // a word model, for transcription only
};

// Returns the process exit status: 0 on success, 1 when a file could not be
// read or a segment failed to decode (its text is lost or cut short).
int stream_files(const model::Model& model, const std::vector<std::string>& files,
                 const StreamViewOptions& options);

}  // namespace earshot::cli
