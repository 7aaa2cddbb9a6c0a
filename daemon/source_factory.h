// Turns a [[source]] into a capture source (audio/), and checks cheaply before
// the model loads that it can be opened: a pulse source's server answers, a
// file source's file is there.
//
// Thread contract: plain functions; the main thread calls them.
#pragma once

#include <memory>

#include "audio/audio_source.h"
#include "daemon/settings.h"

namespace earshot::daemon {

// Not started yet. Throws std::invalid_argument for a bad raw PCM format.
std::unique_ptr<audio::AudioSource> make_source(const SourceSettings& settings);

// Throws std::runtime_error saying what is missing (sound server, file).
void probe_source(const SourceSettings& settings);

}  // namespace earshot::daemon
