// `earshot config`: the configuration earshotd would run with, every setting
// with where its value came from (default, file, command line); or, with
// --reference, the table of every setting for docs/daemon.md.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "daemon/config.h"
#include "daemon/config_print.h"

namespace earshot::cli {

namespace {

struct ConfigArgs {
  daemon::ConfigRequest request;
  bool reference = false;
};

}  // namespace

void add_config_command(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ConfigArgs>();
  auto* cmd = app.add_subcommand("config", "Print earshotd's configuration in effect and where each value came from");
  cmd->add_option("-c,--config", args->request.config_path,
                  "Configuration file (default: $XDG_CONFIG_HOME/earshot/earshotd.toml, then "
                  "/etc/earshot/earshotd.toml)");
  cmd->add_option("-s,--set", args->request.overrides, "Override a setting as earshotd would: KEY=VALUE")
      ->take_all();
  cmd->add_flag("--reference", args->reference, "Print the reference of every setting (Markdown) instead");
  cmd->callback([args, exit_code] {
    if (args->reference) {
      std::fputs(daemon::format_reference().c_str(), stdout);
      *exit_code = 0;
      return;
    }
    try {
      const daemon::DaemonConfig config = daemon::load_config(args->request);
      std::fputs(daemon::format_config(config).c_str(), stdout);
      *exit_code = 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "earshot config: %s\n", e.what());
      *exit_code = 78;  // EX_CONFIG, as earshotd
    }
  });
}

}  // namespace earshot::cli
