// What a PulseAudio (or PipeWire-pulse) server offers to record from: its
// sources with their native format, which one is the default input, and the
// monitor of the default output ("what the computer plays").
//
// Thread contract: a blocking call with its own connection; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace earshot::audio {

// Special device names PulseSource resolves at every (re)connect.
inline constexpr const char* kDefaultSourceName = "@DEFAULT_SOURCE@";
inline constexpr const char* kDefaultMonitorName = "@DEFAULT_MONITOR@";

struct PulseSourceInfo {
  std::string name;
  std::string description;
  std::string sample_format;  // as the server names it, e.g. "s16le", "float32le"
  uint32_t rate = 0;
  uint32_t n_channels = 0;
  bool is_monitor = false;          // records what a sink plays
  std::string monitor_of_sink;      // that sink's name, when is_monitor
  bool is_default_input = false;    // the server's default source
  bool is_default_monitor = false;  // the monitor of the server's default sink
};

struct PulseServerSources {
  std::string server_name;  // e.g. "pulseaudio", "PulseAudio (on PipeWire 0.3.65)"
  std::string server_version;
  std::string default_source;  // empty when the server has none
  std::string default_sink;
  std::string default_monitor;  // monitor source of default_sink
  std::vector<PulseSourceInfo> sources;
};

// Connects to server ("" = the default: $PULSE_SERVER or the user's runtime
// directory) and lists its sources. Throws std::runtime_error saying which
// server could not be reached and why.
PulseServerSources list_pulse_sources(const std::string& server = {},
                                      std::chrono::milliseconds timeout = std::chrono::seconds(3));

// "unix:/run/user/0/pulse/native", "$PULSE_SERVER (...)" or the default, for messages.
std::string describe_pulse_server(const std::string& server);

}  // namespace earshot::audio
