#include "cli/bus_client_options.h"

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <exception>

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
}

std::string bus_endpoint_or_default(const BusClientOptions& options) {
  return options.endpoint.empty() ? ipc::default_bus_endpoints_from_environment().bus : options.endpoint;
}

std::string control_endpoint_or_default(const BusClientOptions& options) {
  return options.endpoint.empty() ? ipc::default_bus_endpoints_from_environment().control : options.endpoint;
}

std::string curve_server_public_key(const BusClientOptions& options) {
  return options.curve_server_key.empty() ? std::string() : ipc::load_curve_key(options.curve_server_key);
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
