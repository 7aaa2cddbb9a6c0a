#include "daemon/source_factory.h"

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "audio/alsa_source.h"
#include "audio/file_source.h"
#include "audio/pulse_source.h"
#include "audio/pulse_source_list.h"
#include "audio/raw_pcm_source.h"

namespace earshot::daemon {

std::unique_ptr<audio::AudioSource> make_source(const SourceSettings& s) {
  const audio::CaptureOptions capture{.resample_quality = s.resample_quality, .ring_seconds = s.ring_seconds};
  switch (s.kind) {
    case SourceKind::kPulse: {
      audio::PulseSource::Options o;
      o.label = s.label;
      o.server = s.server;
      o.device = s.device;
      o.capture = capture;
      return std::make_unique<audio::PulseSource>(std::move(o));
    }
    case SourceKind::kAlsa: {
      audio::AlsaSource::Options o;
      o.label = s.label;
      o.device = s.device.empty() ? std::string("default") : s.device;
      o.capture = capture;
      return std::make_unique<audio::AlsaSource>(std::move(o));
    }
    case SourceKind::kFile: {
      audio::FileSource::Options o;
      o.label = s.label;
      o.path = s.path;
      o.pacing = s.realtime ? audio::FileSource::Pacing::kRealTime : audio::FileSource::Pacing::kAsFastAsPossible;
      o.capture = capture;
      return std::make_unique<audio::FileSource>(std::move(o));
    }
    case SourceKind::kStdin: {
      audio::RawPcmSource::Options o;
      o.label = s.label;
      o.fd = 0;
      o.format = audio::parse_raw_pcm_format(s.format);
      o.capture = capture;
      return std::make_unique<audio::RawPcmSource>(std::move(o));
    }
  }
  throw std::invalid_argument("unknown source kind");
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
