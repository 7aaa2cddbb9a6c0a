// `earshot keygen`: makes a CURVE key pair, for a server of the bus or the
// control socket over TCP, or for a client that a server admits by its key.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "cli/bus_client_options.h"
#include "cli/commands.h"
#include "ipc/curve_keys.h"

namespace earshot::cli {
namespace {

int keygen(const std::string& output_prefix) {
  const ipc::CurveKeyPair keys = ipc::generate_curve_keypair();
  if (output_prefix.empty()) {
    std::printf("public-key: %s\nsecret-key: %s\n", keys.public_key.c_str(), keys.secret_key.c_str());
    return 0;
  }
  ipc::write_curve_key_files(output_prefix, keys);
  const char* p = output_prefix.c_str();
  std::printf("secret key: %s.key (mode 0600)\n", p);
  std::printf("public key: %s.pub\n", p);
  std::printf("for a server (earshotd, earshot broker): --curve-secret-key %s.key; its clients then take "
              "--curve-server-key %s.pub\n", p, p);
  std::printf("for a client of a server that admits listed keys only: --curve-client-key %s.key, and %s.pub goes "
              "into the server's curve_authorized_keys\n", p, p);
  std::printf("public-key: %s\n", keys.public_key.c_str());
  return 0;
}

}  // namespace

void add_keygen_command(CLI::App& app, int* exit_code) {
  auto output_prefix = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("keygen", "Make a CURVE key pair for serving the bus over TCP");
  cmd->add_option("--output", *output_prefix,
                  "Write PREFIX.key (secret, mode 0600) and PREFIX.pub instead of printing both keys");
  cmd->callback([output_prefix, exit_code] {
    run_command("keygen", exit_code, [&] { return keygen(*output_prefix); });
  });
}

}  // namespace earshot::cli
