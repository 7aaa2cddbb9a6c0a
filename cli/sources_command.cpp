// `earshot sources`: what can be recorded — the sound server's sources with
// their native format and which are the defaults, and optionally ALSA devices.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "audio/alsa_device_list.h"
#include "audio/pulse_source_list.h"
#include "cli/commands.h"

namespace earshot::cli {

namespace {

struct SourcesArgs {
  std::string server;
  bool alsa = false;
  int timeout_ms = 3000;
};

// Prints rows as columns, each as wide as its widest cell; the last column runs free.
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(widths[c] - row[c].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

std::string default_marks(const audio::PulseSourceInfo& s) {
  std::string marks;
  if (s.is_default_input) marks = "input";
  if (s.is_default_monitor) marks += marks.empty() ? "system" : ", system";
  return marks.empty() ? "-" : marks;
}

bool print_pulse_sources(const SourcesArgs& args) {
  audio::PulseServerSources info;
  try {
    info = audio::list_pulse_sources(args.server, std::chrono::milliseconds(args.timeout_ms));
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "earshot sources: %s\n"
                 "  Is a PulseAudio or PipeWire (pipewire-pulse) server running for this user?\n"
                 "  Use --server to name one, or --alsa to list ALSA devices.\n",
                 e.what());
    return false;
  }
  std::printf("PulseAudio server %s: %s %s\n\n", audio::describe_pulse_server(args.server).c_str(),
              info.server_name.c_str(), info.server_version.c_str());
  std::vector<std::vector<std::string>> rows{
      {"NAME", "RATE", "CH", "FORMAT", "KIND", "DEFAULT", "DESCRIPTION"}};
  for (const audio::PulseSourceInfo& s : info.sources) {
    rows.push_back({s.name, std::to_string(s.rate), std::to_string(s.n_channels), s.sample_format,
                    s.is_monitor ? "monitor" : "input", default_marks(s), s.description});
  }
  print_table(rows);
  if (info.sources.empty()) std::printf("(no sources)\n");
  std::printf("\ninput:  the default input; record it with device \"\" or %s\n",
              audio::kDefaultSourceName);
  std::printf("system: monitor of the default output (%s), what the computer plays\n",
              audio::kDefaultMonitorName);
  return true;
}

bool print_alsa_devices() {
  std::vector<audio::AlsaDeviceInfo> devices;
  try {
    devices = audio::list_alsa_capture_devices();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "earshot sources: %s\n", e.what());
    return false;
  }
  std::printf("\nALSA capture devices:\n");
  std::vector<std::vector<std::string>> rows{{"NAME", "DESCRIPTION"}};
  for (const audio::AlsaDeviceInfo& d : devices) {
    std::string first_line = d.description.substr(0, d.description.find('\n'));
    rows.push_back({d.name, first_line});
  }
  print_table(rows);
  return true;
}

}  // namespace

void add_sources_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SourcesArgs>();
  auto* cmd = app.add_subcommand("sources", "List the audio sources that can be recorded");
  cmd->add_option("--server", args->server,
                  "PulseAudio server to ask (default: $PULSE_SERVER or the user's server)");
  cmd->add_flag("--alsa", args->alsa, "Also list ALSA capture devices");
  cmd->add_option("--timeout-ms", args->timeout_ms, "How long to wait for the server")
      ->capture_default_str()
      ->check(CLI::Range(1, 60000));
  cmd->callback([args, exit_code] {
    const bool pulse_ok = print_pulse_sources(*args);
    const bool alsa_ok = !args->alsa || print_alsa_devices();
    *exit_code = pulse_ok && alsa_ok ? 0 : 1;
  });
}

}  // namespace earshot::cli
