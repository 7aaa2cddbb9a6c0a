#include "cli/bus_client_options.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <stdexcept>

#include "ipc/curve_keys.h"
#include "ipc/runtime_endpoints.h"

namespace earshot::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;

void on_interrupt(int) { g_interrupted = 1; }

}  // namespace

void add_bus_client_options(CLI::App& command, BusClientOptions& options, const std::string& endpoint_help) {
  command.add_option("--endpoint", options.endpoint, endpoint_help);
  command.add_option("--curve-server-key", options.curve_server_key,
                     "The server's CURVE public key (40 Z85 characters, or a file holding it, such as the "
                     ".pub file of `earshot keygen`) when it serves with CURVE");
  command.add_option("--curve-client-key", options.curve_client_key,
                     "This client's own CURVE secret key (40 Z85 characters, or a file holding it, such as the "
                     ".key file of `earshot keygen --output`), for a server that lets in only the clients listed "
                     "in its curve_authorized_keys: list the matching .pub there. Without it the client makes a "
                     "throw-away key pair");
}

std::string bus_endpoint_or_default(const BusClientOptions& options) {
  return options.endpoint.empty() ? ipc::default_bus_endpoints_from_environment().bus : options.endpoint;
}

std::string control_endpoint_or_default(const BusClientOptions& options) {
  return options.endpoint.empty() ? ipc::default_bus_endpoints_from_environment().control : options.endpoint;
}

std::string curve_server_public_key(const BusClientOptions& options) {
  if (options.curve_server_key.empty()) return {};
  try {
    return ipc::load_curve_key(options.curve_server_key);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("--curve-server-key: ") + e.what());
  }
}

std::string curve_client_secret_key(const BusClientOptions& options) {
  const std::string& key_or_file = options.curve_client_key;
  if (key_or_file.empty()) return {};
  if (options.curve_server_key.empty()) {
    throw std::runtime_error("--curve-client-key needs --curve-server-key (the server's public key)");
  }
  // Both halves of a pair look alike; `earshot keygen` names the public one .pub.
  if (!ipc::is_z85_key(key_or_file) && std::filesystem::path(key_or_file).extension() == ".pub") {
    throw std::runtime_error("--curve-client-key " + key_or_file +
                             ": this is a public key file; give the secret key (the .key file beside it)");
  }
  try {
    return ipc::load_curve_key(key_or_file);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("--curve-client-key: ") + e.what());
  }
}

void install_interrupt_handler() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a wait returns early and the loop sees the flag
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupted() { return g_interrupted != 0; }

void run_command(const char* command, int* exit_code, const std::function<int()>& body) {
  try {
    *exit_code = body();
  } catch (const std::exception& e) {
    std::fflush(stdout);
    std::fprintf(stderr, "earshot %s: %s\n", command, e.what());
    *exit_code = 1;
  }
}

}  // namespace earshot::cli
