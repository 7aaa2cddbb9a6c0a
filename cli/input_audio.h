// `earshot transcribe`'s input files: audio::load_audio(), with a warning on
// stderr when a file held samples that were not numbers (read as silence), so a
// damaged file or a wrong float format does not pass for a quiet one.
//
// Thread contract: a free function; stderr is shared.
#pragma once

#include <string>
#include <vector>

namespace earshot::cli {

// Throws what audio::load_audio() throws.
std::vector<float> load_input_audio(const std::string& path);

}  // namespace earshot::cli
