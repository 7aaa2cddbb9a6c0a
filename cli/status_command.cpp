// `earshot status`: asks the daemon's control socket how it is doing.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "cli/bus_client_options.h"
#include "cli/commands.h"
#include "ipc/control_client.h"
#include "ipc/transcript_event.h"

namespace earshot::cli {
namespace {

struct StatusOptions {
  BusClientOptions control;
  bool json = false;
  int timeout_ms = 2000;
};

std::string duration_text(double seconds) {
  const long total = static_cast<long>(seconds);
  char text[48];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%ldh %02ldm", total / 3600, (total / 60) % 60);
  } else {
    std::snprintf(text, sizeof text, "%ldm %02lds", total / 60, total % 60);
  }
  return text;
}

std::string task_text(const ipc::SourceStatus& source) {
  const std::string language = source.language.empty() ? "auto" : source.language;
  if (source.task == ipc::Task::kTranslate) return "translate " + language + "->" + source.target_language;
  return "transcribe " + language;
}

void print_summary(const ipc::DaemonStatus& status) {
  std::printf("model: %s   up %s   real-time factor %.2f\n", status.model.c_str(),
              duration_text(status.uptime_s).c_str(), status.real_time_factor);
  const ipc::BusDrops& drops = status.drops;
  std::printf("bus: %d subscriber%s   dropped %llu (queue full %llu, send failed %llu, rejected %llu)",
              status.n_subscribers, status.n_subscribers == 1 ? "" : "s",
              static_cast<unsigned long long>(drops.n_queue_full + drops.n_send_failed + drops.n_rejected),
              static_cast<unsigned long long>(drops.n_queue_full), static_cast<unsigned long long>(drops.n_send_failed),
              static_cast<unsigned long long>(drops.n_rejected));
  if (status.n_refused_clients > 0) {
    std::printf("   refused clients %llu (see the log)", static_cast<unsigned long long>(status.n_refused_clients));
  }
  std::printf("\n");
  if (status.sources.empty()) {
    std::printf("sources: none\n");
    return;
  }
  std::printf("sources:\n");
  for (const ipc::SourceStatus& source : status.sources) {
    std::printf("  %-12s %-9s %-24s lag %5.2f s   lost audio %.1f s", source.source.c_str(),
                std::string(ipc::source_state_name(source.state)).c_str(), task_text(source).c_str(), source.lag_s,
                source.dropped_audio_s);
    if (source.n_failed_segments > 0) {
      std::printf("   failed segments %llu", static_cast<unsigned long long>(source.n_failed_segments));
    }
    if (source.no_audio_s > 0) std::printf("   no audio for %.0f s", source.no_audio_s);
    if (!source.error.empty()) std::printf("   error: %s", source.error.c_str());
    std::printf("\n");
  }
}

int status(const StatusOptions& options) {
  ipc::ControlClient client({.endpoint = control_endpoint_or_default(options.control),
                             .curve_server_public_key = curve_server_public_key(options.control),
                             .curve_client_secret_key = curve_client_secret_key(options.control),
                             .timeout = std::chrono::milliseconds(options.timeout_ms)});
  if (options.json) {
    std::printf("%s\n", client.request(R"({"command":"status"})").c_str());
    return 0;
  }
  print_summary(client.status());
  return 0;
}

}  // namespace

void add_status_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<StatusOptions>();
  auto* cmd = app.add_subcommand("status", "Ask the running daemon for its status");
  add_bus_client_options(*cmd, options->control,
                         "Control endpoint (default: ipc://$XDG_RUNTIME_DIR/earshot/control)");
  cmd->add_flag("--json", options->json, "Print the daemon's JSON reply as it came");
  cmd->add_option("--timeout-ms", options->timeout_ms, "How long to wait for the reply")->capture_default_str();
  cmd->callback([options, exit_code] { run_command("status", exit_code, [&] { return status(*options); }); });
}

}  // namespace earshot::cli
