#include "daemon/config_check.h"

#include <set>
#include <stdexcept>
#include <string>

#include "audio/raw_pcm_source.h"
#include "daemon/config.h"
#include "ipc/endpoint_policy.h"
#include "ipc/topic.h"
#include "model/language_names.h"

namespace earshot::daemon {
namespace {

// "<file:line:col>: key 'k'<context>: <problem>", the place being where the
// value came from ("default" for a default).
[[noreturn]] void fail(const DaemonConfig& config, const std::string& origin_key, std::string_view key,
                       const std::string& context, const std::string& problem) {
  const ValueOrigin& origin = config.origin_of(origin_key);
  std::string where = origin.where;
  if (where.empty()) where = config.file.empty() ? std::string("default") : config.file.string() + " (default)";
  throw ConfigError(where + ": key '" + std::string(key) + "'" + context + ": " + problem);
}

void check_endpoint(const DaemonConfig& config, std::string_view key, const std::string& endpoint,
                    bool bind) {
  const bool uses_curve = !config.service.curve_secret_key.empty();
  try {
    if (bind) {
      ipc::check_bind_allowed(endpoint, uses_curve);
    } else {
      ipc::endpoint_scope(endpoint);
    }
  } catch (const std::invalid_argument& e) {
    fail(config, std::string(key), key, "", "'" + endpoint + "': " + e.what());
  }
}

// The smallest period the bus status event may have; 0 turns it off.
constexpr double kMinStatusEventInterval = 0.1;

void check_service(const DaemonConfig& config) {
  const ServiceSettings& s = config.service;
  if (s.status_event_interval_s > 0 && s.status_event_interval_s < kMinStatusEventInterval) {
    fail(config, "status_event_interval_s", "status_event_interval_s", "",
         "must be 0 (off) or at least 0.1 s");
  }
  // Client keys are checked in CURVE's handshake, which needs the server's key
  // pair: refused here, naming the file and line, rather than when binding.
  if (!s.curve_authorized_keys.empty() && s.curve_secret_key.empty()) {
    fail(config, "curve_authorized_keys", "curve_authorized_keys", "",
         "the clients' keys are checked only over CURVE, so this needs curve_secret_key too (make the "
         "server's key pair with `earshot keygen --output PREFIX` and set curve_secret_key = \"PREFIX.key\")");
  }
  for (const auto& endpoint : s.bus) check_endpoint(config, "bus", endpoint, true);
  if (!s.control.empty()) check_endpoint(config, "control", s.control, true);
  if (!s.bus_broker.empty()) check_endpoint(config, "bus_broker", s.bus_broker, false);
  std::set<std::string> seen;
  for (const auto& endpoint : s.bus) {
    if (!seen.insert(endpoint).second) fail(config, "bus", "bus", "", "'" + endpoint + "' is listed twice");
  }
  if (!s.control.empty() && seen.contains(s.control)) {
    fail(config, "control", "control", "", "'" + s.control + "' is also a bus endpoint");
  }
}

void check_source(const DaemonConfig& config, size_t index, std::set<std::string>& labels) {
  const SourceSettings& s = config.sources[index];
  const std::string context = " of [[source]] #" + std::to_string(index + 1) + " ('" + s.label + "')";
  auto fail_key = [&](std::string_view key, const std::string& problem) {
    fail(config, source_key(index, key), key, context, problem);
  };

  if (!ipc::is_valid_source_label(s.label)) {
    fail_key("label", "'" + s.label + "' is not a valid label (letters, digits, '-' and '_')");
  }
  if (s.label == ipc::kDaemonSource) fail_key("label", "'daemon' is reserved for the daemon's status");
  if (!labels.insert(s.label).second) fail_key("label", "'" + s.label + "' is used by another source");

  switch (s.kind) {
    case SourceKind::kFile:
      if (s.path.empty()) fail_key("path", "a file source needs the path of an audio file");
      break;
    case SourceKind::kStdin:
      try {
        audio::parse_raw_pcm_format(s.format);
      } catch (const std::exception& e) {
        fail_key("format", e.what());
      }
      break;
    case SourceKind::kPulse:
    case SourceKind::kAlsa:
      break;
  }
  // The prompt needs the language's name and the bus its tag: both come from
  // the table (model/language_names.h).
  auto check_language = [&](std::string_view key, const std::string& value) {
    try {
      if (!value.empty()) model::language_of(value);
    } catch (const std::invalid_argument& e) {
      fail_key(key, e.what());
    }
  };
  check_language("language", s.language);
  check_language("target_language", s.target_language);
  if (s.task == ipc::Task::kTranslate && s.target_language.empty()) {
    fail_key("target_language", "task 'translate' needs a target language (a tag such as \"es\" or a name "
                                "such as \"Spanish\")");
  }
  if (s.step_ms > static_cast<int>(s.max_segment_s * 1000)) {
    fail_key("step_ms", "is longer than max_segment_s");
  }
}

}  // namespace

void check_config(const DaemonConfig& config) {
  check_service(config);
  std::set<std::string> labels;
  size_t n_stdin = 0;
  for (size_t i = 0; i < config.sources.size(); ++i) {
    check_source(config, i, labels);
    if (config.sources[i].kind == SourceKind::kStdin && ++n_stdin > 1) {
      fail(config, source_key(i, "kind"), "kind", " of [[source]] #" + std::to_string(i + 1),
           "only one source can read standard input");
    }
  }
}

}  // namespace earshot::daemon
