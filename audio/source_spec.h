// One text form for naming a capture source, shared by the daemon's config and
// the command line: "LABEL=KIND[:ARGUMENT]".
//
//   mic=pulse                       default input of the sound server
//   system=pulse:@DEFAULT_MONITOR@  what the computer plays
//   desk=pulse:alsa_input.usb-...   a named PulseAudio source
//   mic=alsa:hw:1,0                 an ALSA device (no sound server)
//   talk=file:meeting.flac          a file at real time; file-fast: as fast as read
//   pipe=stdin:s16le:48000:2        raw PCM on standard input
//
// "mic" and "system" alone mean the first two lines.
//
// Thread contract: pure functions; the sources made follow AudioSource's.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "audio/audio_source.h"
#include "audio/capture_options.h"

namespace earshot::audio {

enum class SourceKind { kPulse, kAlsa, kFile, kFileFast, kStdin };

struct SourceSpec {
  std::string label;
  SourceKind kind = SourceKind::kPulse;
  std::string argument;  // device name, path or raw format; may be empty
  std::string server;    // pulse: the sound server to ask ("" = the default); not in the text form
};

// Throws std::invalid_argument quoting the text and saying what was expected.
SourceSpec parse_source_spec(std::string_view text);

// The spec in its text form (round-trips through parse_source_spec).
std::string to_string(const SourceSpec& spec);

// Builds the source (not started). Throws std::invalid_argument for a bad
// argument (e.g. a raw PCM format).
std::unique_ptr<AudioSource> make_source(const SourceSpec& spec, const CaptureOptions& options);

}  // namespace earshot::audio
