// earshotd: the speech service. One process, one loaded model, one streaming
// session per audio source, one publisher (see daemon/main_loop.h).
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <exception>

#include "daemon/config.h"
#include "daemon/main_loop.h"
#include "daemon/notifier.h"
#include "daemon/signal_events.h"

int main(int argc, char** argv) {
  using namespace earshot::daemon;
  try {
    // Before any thread exists, so that every thread inherits the blocked signals.
    SignalEvents signals;

    ConfigRequest request;
    CLI::App app{"earshotd - real-time speech-to-text service"};
    app.set_version_flag("--version", EARSHOT_VERSION);
    app.add_option("-c,--config", request.config_path,
                   "Configuration file (default: $XDG_CONFIG_HOME/earshot/earshotd.toml, then "
                   "/etc/earshot/earshotd.toml)");
    app.add_option("-s,--set", request.overrides,
                   "Override a setting: KEY=VALUE, or source.LABEL.KEY=VALUE (see `earshot config`)")
        ->take_all();
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int rc = app.exit(e);
      return rc == 0 ? 0 : kExitConfig;
    }
    return run_daemon(request, signals);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "earshotd: %s\n", e.what());
    Notifier last_words;
    last_words.failed(e.what(), 0);
    last_words.flush(std::chrono::seconds(3));
    return kExitFailure;
  }
}
