#include "audio/source_spec.h"

#include <stdexcept>

#include "audio/alsa_source.h"
#include "audio/file_source.h"
#include "audio/pulse_source.h"
#include "audio/pulse_source_list.h"
#include "audio/raw_pcm_source.h"

namespace earshot::audio {

namespace {

struct KindName {
  SourceKind kind;
  std::string_view name;
};
constexpr KindName kKindNames[] = {{SourceKind::kPulse, "pulse"},
                                   {SourceKind::kAlsa, "alsa"},
                                   {SourceKind::kFile, "file"},
                                   {SourceKind::kFileFast, "file-fast"},
                                   {SourceKind::kStdin, "stdin"}};

std::invalid_argument bad_spec(std::string_view text, const std::string& why) {
  return std::invalid_argument("source '" + std::string(text) + "': " + why +
                               " (expected LABEL=KIND[:ARGUMENT], KIND one of pulse, alsa, file, "
                               "file-fast, stdin; or just mic / system)");
}

}  // namespace

SourceSpec parse_source_spec(std::string_view text) {
  if (text == "mic") return {"mic", SourceKind::kPulse, ""};
  if (text == "system") return {"system", SourceKind::kPulse, kDefaultMonitorName};
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos) throw bad_spec(text, "no label");
  SourceSpec spec;
  spec.label = std::string(text.substr(0, equals));
  if (spec.label.empty()) throw bad_spec(text, "empty label");
  for (char c : spec.label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) throw bad_spec(text, "a label takes letters, digits, '_', '-' and '.' only");
  }
  const std::string_view rest = text.substr(equals + 1);
  const size_t colon = rest.find(':');
  const std::string_view kind = rest.substr(0, colon);
  spec.argument = colon == std::string_view::npos ? "" : std::string(rest.substr(colon + 1));
  bool known = false;
  for (const KindName& k : kKindNames) {
    if (k.name == kind) spec.kind = k.kind, known = true;
  }
  if (!known) throw bad_spec(text, "unknown kind '" + std::string(kind) + "'");
  const bool needs_argument = spec.kind == SourceKind::kFile ||
                              spec.kind == SourceKind::kFileFast || spec.kind == SourceKind::kStdin;
  if (needs_argument && spec.argument.empty()) {
    throw bad_spec(text, std::string(kind) + " needs an argument after ':'");
  }
  return spec;
}

std::string to_string(const SourceSpec& spec) {
  std::string text = spec.label + "=";
  for (const KindName& k : kKindNames) {
    if (k.kind == spec.kind) text += k.name;
  }
  if (!spec.argument.empty()) text += ":" + spec.argument;
  return text;
}

std::unique_ptr<AudioSource> make_source(const SourceSpec& spec, const CaptureOptions& options) {
  switch (spec.kind) {
    case SourceKind::kPulse:
      return std::make_unique<PulseSource>(
          PulseSource::Options{.label = spec.label, .server = spec.server, .device = spec.argument, .capture = options});
    case SourceKind::kAlsa:
      return std::make_unique<AlsaSource>(
          AlsaSource::Options{.label = spec.label,
                              .device = spec.argument.empty() ? "default" : spec.argument,
                              .capture = options});
    case SourceKind::kFile:
    case SourceKind::kFileFast:
      return std::make_unique<FileSource>(FileSource::Options{
          .label = spec.label,
          .path = spec.argument,
          .pacing = spec.kind == SourceKind::kFile ? FileSource::Pacing::kRealTime
                                                   : FileSource::Pacing::kAsFastAsPossible,
          .capture = options});
    case SourceKind::kStdin:
      return std::make_unique<RawPcmSource>(
          RawPcmSource::Options{.label = spec.label,
                                .fd = 0,
                                .format = parse_raw_pcm_format(spec.argument),
                                .capture = options});
  }
  throw std::logic_error("make_source: unhandled source kind");
}

}  // namespace earshot::audio
