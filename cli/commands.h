// Subcommands of the `earshot` tool. Each add_*_command() registers one
// subcommand on the app; its callback runs when the user picks it and sets the
// exit status through *exit_code.
#pragma once

namespace CLI {
class App;
}

namespace earshot::cli {

void add_info_command(CLI::App& app, int* exit_code);
void add_config_command(CLI::App& app, int* exit_code);
void add_sources_command(CLI::App& app, int* exit_code);
void add_listen_command(CLI::App& app, int* exit_code);
void add_status_command(CLI::App& app, int* exit_code);
void add_dictate_command(CLI::App& app, int* exit_code);
void add_broker_command(CLI::App& app, int* exit_code);
void add_keygen_command(CLI::App& app, int* exit_code);
void add_transcribe_command(CLI::App& app, int* exit_code);

}  // namespace earshot::cli
