// `earshot listen`: live captions from the bus in a terminal, or the raw JSON
// payloads one per line (--json) for scripts.
#include <CLI/CLI.hpp>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "cli/bus_client_options.h"
#include "cli/caption_screen.h"
#include "cli/commands.h"
#include "ipc/control_client.h"
#include "ipc/subscriber.h"
#include "ipc/topic.h"
#include "ipc/transcript_event.h"

namespace earshot::cli {
namespace {

struct ListenOptions {
  BusClientOptions bus;
  std::vector<std::string> sources;
  std::vector<std::string> kinds{"partial", "final", "translation"};
  bool json = false;
  uint64_t count = 0;          // 0 = until interrupted
  size_t history = 0;          // finals to ask the control socket for first
  std::string control_endpoint;
};

int terminal_columns() {
  winsize size{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

// What the options let through, decided on the parsed topic (prefix
// subscriptions alone would let "final/mic2" through for --source mic).
class TopicFilter {
 public:
  explicit TopicFilter(const ListenOptions& options) : sources_(options.sources.begin(), options.sources.end()) {
    for (const std::string& name : options.kinds) {
      const std::optional<ipc::EventKind> kind = ipc::kind_from_name(name);
      if (!kind) {
        throw std::invalid_argument("unknown kind '" + name + "' (use partial, final, translation or status)");
      }
      kinds_.insert(*kind);
    }
  }

  // Subscription prefixes that cover what passes.
  std::vector<std::string> prefixes() const {
    std::vector<std::string> prefixes;
    for (ipc::EventKind kind : kinds_) {
      const std::string kind_prefix = std::string(ipc::kind_name(kind)) + "/";
      const bool by_source = !sources_.empty() && kind != ipc::EventKind::kTranslation &&
                             kind != ipc::EventKind::kStatus;
      if (!by_source) {
        prefixes.push_back(kind_prefix);
        continue;
      }
      for (const std::string& source : sources_) prefixes.push_back(kind_prefix + source);
    }
    return prefixes;
  }

  // Every kind a source publishes is received, so its sequence numbers run on.
  bool every_source_kind() const {
    return kinds_.contains(ipc::EventKind::kPartial) && kinds_.contains(ipc::EventKind::kFinal) &&
           kinds_.contains(ipc::EventKind::kTranslation);
  }

  bool passes(const std::string& topic) const {
    const std::optional<ipc::TopicParts> parts = ipc::parse_topic(topic);
    if (!parts || !kinds_.contains(parts->kind)) return false;
    if (parts->kind == ipc::EventKind::kStatus || sources_.empty()) return true;
    return sources_.contains(parts->source);
  }

 private:
  std::set<std::string> sources_;
  std::set<ipc::EventKind> kinds_;
};

// The newest sequence number the history showed, by source.
using SequenceBySource = std::map<std::string, uint64_t>;

// Shows the history's finals; returns the newest sequence of each source, so
// that bus events that came in while it was asked for are not shown twice.
SequenceBySource show_history(const ListenOptions& options, const TopicFilter& filter, CaptionScreen* screen) {
  BusClientOptions control = options.bus;
  control.endpoint = options.control_endpoint;
  ipc::ControlClient client({.endpoint = control_endpoint_or_default(control),
                             .curve_server_public_key = curve_server_public_key(options.bus),
                             .curve_client_secret_key = curve_client_secret_key(options.bus)});
  SequenceBySource newest;
  for (const ipc::TranscriptEvent& event : client.history("", options.history)) {
    uint64_t& seen = newest[event.source];
    seen = std::max(seen, event.sequence);
    if (!filter.passes(ipc::topic_of(event))) continue;
    if (screen != nullptr) {
      screen->show_past(event);
    } else {
      std::printf("%s\n", ipc::serialize_event(event).c_str());
    }
  }
  std::fflush(stdout);
  return newest;
}

// A bus event the history has shown already (docs/protocol.md: drop bus
// events whose (source, sequence) is not newer than the history's last).
bool shown_by_history(const SequenceBySource& history, const ipc::TranscriptEvent& event) {
  if (event.kind == ipc::EventKind::kStatus) return false;
  const auto newest = history.find(event.source);
  return newest != history.end() && event.sequence <= newest->second;
}

int listen(const ListenOptions& options) {
  const TopicFilter filter(options);
  ipc::Subscriber subscriber({.endpoint = bus_endpoint_or_default(options.bus),
                              .topic_prefixes = filter.prefixes(),
                              .curve_server_public_key = curve_server_public_key(options.bus),
                              .curve_client_secret_key = curve_client_secret_key(options.bus)});
  std::optional<CaptionScreen> screen;
  if (!options.json) {
    screen.emplace(stdout, ::isatty(STDOUT_FILENO) != 0, terminal_columns(), filter.every_source_kind());
  }
  SequenceBySource history;
  if (options.history > 0) history = show_history(options, filter, screen ? &*screen : nullptr);

  install_interrupt_handler();
  uint64_t n_shown = 0;
  uint64_t n_unreadable = 0;
  while (!interrupted() && (options.count == 0 || n_shown < options.count)) {
    const std::optional<ipc::BusMessage> message = subscriber.receive(std::chrono::milliseconds(250));
    if (!message || !filter.passes(message->topic)) continue;
    std::optional<ipc::TranscriptEvent> event;
    try {
      event = ipc::parse_event(message->payload);
    } catch (const ipc::EventParseError& e) {
      if (!options.json) {  // --json passes payloads through as they came
        if (n_unreadable++ == 0) std::fprintf(stderr, "earshot listen: skipping a message: %s\n", e.what());
        continue;
      }
    }
    if (event && shown_by_history(history, *event)) continue;
    ++n_shown;
    if (options.json) {
      std::printf("%s\n", message->payload.c_str());
      std::fflush(stdout);
      continue;
    }
    screen->show(*event);
  }
  if (screen) screen->finish();
  return 0;
}

}  // namespace

void add_listen_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<ListenOptions>();
  auto* cmd = app.add_subcommand("listen", "Show live captions from the transcript bus");
  add_bus_client_options(*cmd, options->bus, "Bus endpoint (default: ipc://$XDG_RUNTIME_DIR/earshot/bus)");
  cmd->add_option("--source", options->sources, "Only these sources (repeatable), e.g. --source mic");
  cmd->add_option("--kind", options->kinds, "Only these kinds: partial, final, translation, status (repeatable)");
  cmd->add_flag("--json", options->json, "Print the raw JSON payloads, one per line");
  cmd->add_option("--count", options->count, "Exit after this many messages (default: until Ctrl-C)");
  cmd->add_option("--history", options->history,
                  "First show the last N finals of each source, asked from the control socket");
  cmd->add_option("--control-endpoint", options->control_endpoint,
                  "Control endpoint for --history (default: ipc://$XDG_RUNTIME_DIR/earshot/control)");
  cmd->callback([options, exit_code] { run_command("listen", exit_code, [&] { return listen(*options); }); });
}

}  // namespace earshot::cli
