// `earshot dictate`: types the final text of the microphone into the focused
// window, with the injector of the session: wtype on Wayland, xdotool on X11,
// ydotool elsewhere (a Linux console, through uinput).
#include <CLI/CLI.hpp>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "cli/bus_client_options.h"
#include "cli/commands.h"
#include "ipc/subscriber.h"
#include "ipc/topic.h"
#include "ipc/transcript_event.h"

extern char** environ;

namespace earshot::cli {
namespace {

struct DictateOptions {
  BusClientOptions bus;
  std::string source = "mic";
  bool dry_run = false;
  uint64_t count = 0;  // 0 = until interrupted
};

// The program that types text into the focused window, and how to call it.
struct Injector {
  std::string program;                 // wtype, xdotool or ydotool
  std::vector<std::string> arguments;  // before the text
  std::string session;                 // why this one: "Wayland (WAYLAND_DISPLAY is set)"
};

Injector injector_for_this_session() {
  const char* wayland = std::getenv("WAYLAND_DISPLAY");
  const char* x11 = std::getenv("DISPLAY");
  if (wayland != nullptr && wayland[0] != '\0') return {"wtype", {"--"}, "Wayland (WAYLAND_DISPLAY is set)"};
  if (x11 != nullptr && x11[0] != '\0') return {"xdotool", {"type", "--clearmodifiers", "--"}, "X11 (DISPLAY is set)"};
  return {"ydotool", {"type"}, "no graphical session (neither WAYLAND_DISPLAY nor DISPLAY is set)"};
}

bool is_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::stringstream directories(path != nullptr ? path : "");
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    if (directory.empty()) continue;
    const std::filesystem::path candidate = std::filesystem::path(directory) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
  }
  return false;
}

void require_installed(const Injector& injector) {
  if (is_on_path(injector.program)) return;
  // Each injector is packaged in Debian under its own name.
  throw std::runtime_error("typing needs " + injector.program + " for " + injector.session + ", and " +
                           injector.program + " is not installed: sudo apt install " + injector.program +
                           " (or use --dry-run to print the text instead)");
}

// Runs the injector without a shell, so the text is never interpreted.
void type_text(const Injector& injector, const std::string& text) {
  std::vector<std::string> words{injector.program};
  words.insert(words.end(), injector.arguments.begin(), injector.arguments.end());
  words.push_back(text);
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, injector.program.c_str(), nullptr, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot run " + injector.program);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "earshot dictate: %s failed (status %d); the text was: %s\n", injector.program.c_str(),
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1, text.c_str());
  }
}

int dictate(const DictateOptions& options) {
  if (!ipc::is_valid_source_label(options.source)) {
    throw std::invalid_argument("'" + options.source + "' is not a source label");
  }
  std::optional<Injector> injector;
  if (!options.dry_run) {
    injector = injector_for_this_session();
    require_installed(*injector);
  }
  const std::string topic = ipc::make_topic(ipc::EventKind::kFinal, options.source);
  ipc::Subscriber subscriber({.endpoint = bus_endpoint_or_default(options.bus),
                              .topic_prefixes = {topic},
                              .curve_server_public_key = curve_server_public_key(options.bus),
                              .curve_client_secret_key = curve_client_secret_key(options.bus)});
  install_interrupt_handler();
  uint64_t n_typed = 0;
  while (!interrupted() && (options.count == 0 || n_typed < options.count)) {
    const std::optional<ipc::BusMessage> message = subscriber.receive(std::chrono::milliseconds(250));
    if (!message || message->topic != topic) continue;  // "final/mic2" also matches the prefix
    ipc::TranscriptEvent event;
    try {
      event = ipc::parse_event(message->payload);
    } catch (const ipc::EventParseError& e) {
      std::fprintf(stderr, "earshot dictate: skipping a message: %s\n", e.what());
      continue;
    }
    if (event.stable_text.empty()) continue;
    // Finals follow each other like sentences: a space between them.
    const std::string text = (n_typed > 0 ? " " : "") + event.stable_text;
    ++n_typed;
    if (options.dry_run) {
      std::printf("%s\n", event.stable_text.c_str());
      std::fflush(stdout);
    } else {
      type_text(*injector, text);
    }
  }
  return 0;
}

}  // namespace

void add_dictate_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<DictateOptions>();
  auto* cmd = app.add_subcommand("dictate", "Type the final text of the microphone into the focused window");
  add_bus_client_options(*cmd, options->bus, "Bus endpoint (default: ipc://$XDG_RUNTIME_DIR/earshot/bus)");
  cmd->add_option("--source", options->source, "The source whose finals are typed")->capture_default_str();
  cmd->add_flag("--dry-run", options->dry_run, "Print each final on its own line instead of typing it");
  cmd->add_option("--count", options->count, "Exit after this many finals (default: until Ctrl-C)");
  cmd->callback([options, exit_code] { run_command("dictate", exit_code, [&] { return dictate(*options); }); });
}

}  // namespace earshot::cli
