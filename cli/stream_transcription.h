// `earshot transcribe --stream`: runs files through the same streaming session
// as the daemon, so partials and finals appear as they would live.
#pragma once

#include <string>
#include <vector>

#include "model/model.h"

namespace earshot::cli {

struct StreamViewOptions {
  bool realtime = false;  // pace the audio at real time (else as fast as possible)
  bool json = false;      // print every event as one JSON line instead of captions
  bool verbose = false;   // a summary per file: real-time factor, segments, decodes
  int n_threads = 2;
  std::string language = "English";
};

// Returns the process exit status (0 on success).
int stream_files(const model::Model& model, const std::vector<std::string>& files,
                 const StreamViewOptions& options);

}  // namespace earshot::cli
