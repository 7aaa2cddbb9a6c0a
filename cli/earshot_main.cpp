// earshot: the command-line tool (transcription of files, listing sources,
// bus clients). Each subcommand lives in its own *_command.cpp.
#include <CLI/CLI.hpp>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"earshot - speech-to-text tools"};
  app.set_version_flag("--version", EARSHOT_VERSION);
  app.require_subcommand(1);
  int exit_code = 0;
  earshot::cli::add_info_command(app, &exit_code);
  earshot::cli::add_config_command(app, &exit_code);
  earshot::cli::add_sources_command(app, &exit_code);
  earshot::cli::add_listen_command(app, &exit_code);
  earshot::cli::add_status_command(app, &exit_code);
  earshot::cli::add_dictate_command(app, &exit_code);
  earshot::cli::add_broker_command(app, &exit_code);
  earshot::cli::add_keygen_command(app, &exit_code);
  earshot::cli::add_transcribe_command(app, &exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
