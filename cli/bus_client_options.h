// What the bus clients of the `earshot` tool (listen, status, dictate, broker)
// share: the endpoint and CURVE options, stopping on Ctrl-C, and reporting
// errors as "earshot <command>: <what failed>".
// Used by the main thread only.
#pragma once

#include <functional>
#include <string>

namespace CLI {
class App;
}

namespace earshot::cli {

struct BusClientOptions {
  std::string endpoint{};          // "" = the default endpoint
  std::string curve_server_key{};  // the server's public key, or a file holding it
  std::string curve_client_key{};  // own secret key, or a file holding it; "" = a throw-away key pair
};

// Adds --endpoint, --curve-server-key and --curve-client-key to `command`.
void add_bus_client_options(CLI::App& command, BusClientOptions& options, const std::string& endpoint_help);

// The endpoint to use: the given one, or the default bus / control endpoint
// under $XDG_RUNTIME_DIR/earshot. Throws with the reason when there is none.
std::string bus_endpoint_or_default(const BusClientOptions& options);
std::string control_endpoint_or_default(const BusClientOptions& options);

// The server public key, loaded from a file if need be; "" when not given.
std::string curve_server_public_key(const BusClientOptions& options);

// The client's own secret key (for a server with an allowlist of client keys),
// loaded from a file if need be; "" when not given. Throws, naming the option,
// when it is unreadable, is a .pub file, or comes without --curve-server-key.
std::string curve_client_secret_key(const BusClientOptions& options);

// SIGINT and SIGTERM set a flag (and interrupt waits) instead of killing the
// process, so that the command can leave the terminal clean.
void install_interrupt_handler();
bool interrupted();

// Runs `body` and stores its exit status; an exception is printed as
// "earshot <command>: <message>" and gives exit status 1.
void run_command(const char* command, int* exit_code, const std::function<int()>& body);

}  // namespace earshot::cli
