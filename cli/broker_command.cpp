// `earshot broker`: a bus broker. Daemons connect their publishers to the
// frontend (XSUB), subscribers connect to the backend (XPUB).
#include <CLI/CLI.hpp>
#include <pthread.h>

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "cli/bus_client_options.h"
#include "ipc/broker.h"
#include "ipc/curve_keys.h"

namespace earshot::cli {
namespace {

struct BrokerCommandOptions {
  std::string frontend;
  std::string backend;
  std::string curve_secret_key;       // the key, or a file holding it
  std::string curve_authorized_keys;  // file or directory of the client public keys let in
};

std::string secret_key_of(const BrokerCommandOptions& options) {
  if (options.curve_secret_key.empty()) {
    if (!options.curve_authorized_keys.empty()) {
      throw std::runtime_error("--curve-authorized-keys needs --curve-secret-key (client keys are checked only "
                               "over CURVE; `earshot keygen --output PREFIX` makes the broker's key pair)");
    }
    return {};
  }
  try {
    return ipc::load_curve_key(options.curve_secret_key);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("--curve-secret-key: ") + e.what());
  }
}

int run_broker(const BrokerCommandOptions& options) {
  // SIGINT and SIGTERM are taken with sigwait() on this thread; the proxy
  // thread must not receive them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ipc::Broker broker({.frontend = options.frontend,
                      .backend = options.backend,
                      .curve_secret_key = secret_key_of(options),
                      .curve_authorized_keys = options.curve_authorized_keys});
  std::fprintf(stderr, "earshot broker: publishers connect to %s, subscribers to %s (Ctrl-C stops)\n",
               broker.frontend_endpoint().c_str(), broker.backend_endpoint().c_str());
  if (!options.curve_authorized_keys.empty()) {
    std::fprintf(stderr, "earshot broker: only the clients listed in %s are let in\n",
                 options.curve_authorized_keys.c_str());
  }
  std::exception_ptr failure;
  std::atomic<bool> stopping{false};
  std::thread proxy([&] {
    try {
      broker.run();
    } catch (...) {
      failure = std::current_exception();
    }
    if (!stopping.load()) ::kill(::getpid(), SIGTERM);  // wakes sigwait() below: the proxy failed
  });
  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  stopping.store(true);
  broker.stop();
  proxy.join();
  if (failure) std::rethrow_exception(failure);
  return 0;
}

}  // namespace

void add_broker_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<BrokerCommandOptions>();
  auto* cmd = app.add_subcommand("broker", "Forward the bus of several publishers to many subscribers");
  cmd->add_option("--frontend", options->frontend, "XSUB endpoint that publishers connect to")->required();
  cmd->add_option("--backend", options->backend, "XPUB endpoint that subscribers connect to")->required();
  cmd->add_option("--curve-secret-key", options->curve_secret_key,
                  "Serve both sockets with CURVE, with this secret key (or a file holding it, such as the .key "
                  "file of `earshot keygen`); needed to bind TCP off loopback");
  cmd->add_option("--curve-authorized-keys", options->curve_authorized_keys,
                  "Let in only the publishers and subscribers whose CURVE public key is listed: a file of keys, "
                  "one per line, or a directory whose *.pub files are read. Needs --curve-secret-key");
  cmd->callback([options, exit_code] { run_command("broker", exit_code, [&] { return run_broker(*options); }); });
}

}  // namespace earshot::cli
