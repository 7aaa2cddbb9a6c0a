#include "daemon/source_factory.h"

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "audio/pulse_source_list.h"
#include "audio/source_spec.h"

namespace earshot::daemon {

namespace {

// The config's [[source]] as the spec the audio library builds sources from.
audio::SourceSpec spec_of(const SourceSettings& s) {
  switch (s.kind) {
    case SourceKind::kPulse:
      return {.label = s.label, .kind = audio::SourceKind::kPulse, .argument = s.device, .server = s.server};
    case SourceKind::kAlsa: return {.label = s.label, .kind = audio::SourceKind::kAlsa, .argument = s.device};
    case SourceKind::kFile:
      return {.label = s.label,
              .kind = s.realtime ? audio::SourceKind::kFile : audio::SourceKind::kFileFast,
              .argument = s.path};
    case SourceKind::kStdin: return {.label = s.label, .kind = audio::SourceKind::kStdin, .argument = s.format};
  }
  throw std::invalid_argument("unknown source kind");
}

}  // namespace

std::unique_ptr<audio::AudioSource> make_source(const SourceSettings& s) {
  return audio::make_source(spec_of(s),
                            audio::CaptureOptions{.resample_quality = s.resample_quality, .ring_seconds = s.ring_seconds});
}

void probe_source(const SourceSettings& s) {
  switch (s.kind) {
    case SourceKind::kPulse:
      try {
        audio::list_pulse_sources(s.server, std::chrono::seconds(3));
      } catch (const std::exception& e) {
        throw std::runtime_error(std::string("no sound server: ") + e.what() +
                                 " (is PulseAudio or pipewire-pulse running for this user?)");
      }
      break;
    case SourceKind::kFile: {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(s.path, ec)) {
        throw std::runtime_error("no such audio file: " + s.path);
      }
      break;
    }
    case SourceKind::kAlsa:
    case SourceKind::kStdin:
      break;
  }
}

}  // namespace earshot::daemon
