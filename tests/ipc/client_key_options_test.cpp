// The `earshot` tool against real servers that let in only listed clients:
// `--curve-client-key` for status, listen and dictate, `--curve-authorized-keys`
// for the broker, and the messages for keys that cannot be used.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ipc/control_server.h"
#include "ipc/curve_keys.h"
#include "ipc/history.h"
#include "ipc/publisher.h"
#include "tests/ipc/bus_test_support.h"
#include "tests/ipc/command_output.h"
#include "tests/ipc/test_control_handler.h"

namespace earshot::ipc {
namespace {

using namespace std::chrono_literals;
using testing::make_event;
using testing::run_shell;
using testing::TempDir;

const std::string kEarshot = EARSHOT_BINARY_DIR "/cli/earshot";
constexpr const char* kLocal = "tcp://127.0.0.1:*";

// Key files as `earshot keygen --output` writes them, and the server's list
// naming "anna" only. Paths, not keys, go on command lines: Z85 holds shell
// characters.
struct KeyFiles {
  explicit KeyFiles(const TempDir& dir) : folder(dir.path()) {
    write_curve_key_files(folder / "bus", server);
    write_curve_key_files(folder / "anna", listed);
    write_curve_key_files(folder / "eve", unlisted);
    std::ofstream(allowlist) << "# who may connect\npublic-key: " << listed.public_key << "\n";
  }
  std::string file(const std::string& name) const { return (folder / name).string(); }

  std::filesystem::path folder;
  CurveKeyPair server = generate_curve_keypair();
  CurveKeyPair listed = generate_curve_keypair();
  CurveKeyPair unlisted = generate_curve_keypair();
  std::string allowlist = file("clients");
};

// Publishes a final of "mic" every 20 ms until destroyed.
class FinalsPublisher {
 public:
  explicit FinalsPublisher(Publisher& publisher)
      : thread_([this, &publisher] {
          for (uint64_t sequence = 1; !stop_.load(); ++sequence) {
            publisher.publish(make_event(EventKind::kFinal, "mic", sequence, "for anna"));
            std::this_thread::sleep_for(20ms);
          }
        }) {}
  ~FinalsPublisher() {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(ClientKeyOption, StatusAnswersOnlyWithAListedKey) {
  TempDir dir;
  const KeyFiles keys(dir);
  testing::TestControlHandler handler;
  History history;
  ControlServer server({.endpoint = kLocal,
                        .curve_secret_key = keys.server.secret_key,
                        .curve_authorized_keys = keys.allowlist},
                       handler, history);
  const std::string status = kEarshot + " status --timeout-ms 2000 --endpoint " + server.endpoint() +
                             " --curve-server-key " + keys.file("bus.pub");

  const auto listed = run_shell(status + " --curve-client-key " + keys.file("anna.key"));
  EXPECT_EQ(listed.exit_status, 0) << listed.output;
  EXPECT_NE(listed.output.find("model: test-model"), std::string::npos) << listed.output;

  const auto unlisted = run_shell(status + " --curve-client-key " + keys.file("eve.key"));
  EXPECT_EQ(unlisted.exit_status, 1) << unlisted.output;
  EXPECT_NE(unlisted.output.find("no reply from"), std::string::npos) << unlisted.output;

  const auto throw_away_key = run_shell(status);
  EXPECT_EQ(throw_away_key.exit_status, 1) << throw_away_key.output;
  EXPECT_GE(server.n_refused_clients(), 2u);
}

TEST(ClientKeyOption, ListenAndDictateReceiveOnlyWithAListedKey) {
  TempDir dir;
  const KeyFiles keys(dir);
  Publisher publisher({.endpoint = kLocal,
                       .curve_secret_key = keys.server.secret_key,
                       .curve_authorized_keys = keys.allowlist});
  FinalsPublisher finals(publisher);
  const std::string curve = " --endpoint " + publisher.endpoint() + " --curve-server-key " + keys.file("bus.pub");

  const auto listen = run_shell(kEarshot + " listen --json --count 2" + curve + " --curve-client-key " +
                                keys.file("anna.key"));
  ASSERT_EQ(listen.exit_status, 0) << listen.output;
  std::istringstream lines(listen.output);
  std::string line;
  int n_lines = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(parse_event(line).stable_text, "for anna");
    ++n_lines;
  }
  EXPECT_EQ(n_lines, 2);

  const auto dictate = run_shell(kEarshot + " dictate --dry-run --count 1" + curve + " --curve-client-key " +
                                 keys.file("anna.key"));
  EXPECT_EQ(dictate.exit_status, 0) << dictate.output;
  EXPECT_EQ(dictate.output, "for anna\n");

  // Turned away: nothing within 2 s, when a final goes out every 20 ms.
  const auto refused = run_shell("timeout 2 " + kEarshot + " listen --json --count 1" + curve +
                                 " --curve-client-key " + keys.file("eve.key"));
  EXPECT_EQ(refused.exit_status, 124) << refused.output;  // timeout(1): still waiting
  EXPECT_EQ(refused.output, "");
  EXPECT_GE(publisher.stats().n_refused_clients, 1u);
}

TEST(ClientKeyOption, KeysThatCannotBeUsedAreNamed) {
  TempDir dir;
  const KeyFiles keys(dir);
  const std::string status = kEarshot + " status --timeout-ms 200 --endpoint tcp://127.0.0.1:1";

  const auto public_half = run_shell(status + " --curve-server-key " + keys.file("bus.pub") +
                                     " --curve-client-key " + keys.file("anna.pub"));
  EXPECT_EQ(public_half.exit_status, 1);
  EXPECT_NE(public_half.output.find("--curve-client-key " + keys.file("anna.pub") + ": this is a public key file"),
            std::string::npos)
      << public_half.output;

  const auto missing = run_shell(status + " --curve-server-key " + keys.file("bus.pub") +
                                 " --curve-client-key " + keys.file("nobody.key"));
  EXPECT_EQ(missing.exit_status, 1);
  EXPECT_NE(missing.output.find("--curve-client-key: cannot read CURVE key file '" + keys.file("nobody.key")),
            std::string::npos)
      << missing.output;

  const auto without_server_key = run_shell(status + " --curve-client-key " + keys.file("anna.key"));
  EXPECT_EQ(without_server_key.exit_status, 1);
  EXPECT_NE(without_server_key.output.find("--curve-client-key needs --curve-server-key"), std::string::npos)
      << without_server_key.output;

  const auto bad_server_key = run_shell(status + " --curve-server-key " + keys.file("nobody.pub"));
  EXPECT_EQ(bad_server_key.exit_status, 1);
  EXPECT_NE(bad_server_key.output.find("--curve-server-key: cannot read CURVE key file"), std::string::npos)
      << bad_server_key.output;
}

TEST(BrokerAuthorizedKeysOption, IsCheckedAtStartAndAnnounced) {
  TempDir dir;
  const KeyFiles keys(dir);
  const std::string broker = kEarshot + " broker --frontend 'tcp://127.0.0.1:*' --backend 'tcp://127.0.0.1:*'";

  const auto without_secret = run_shell(broker + " --curve-authorized-keys " + keys.allowlist);
  EXPECT_EQ(without_secret.exit_status, 1);
  EXPECT_NE(without_secret.output.find("--curve-authorized-keys needs --curve-secret-key"), std::string::npos)
      << without_secret.output;

  // Runs until SIGINT, which timeout(1) sends after 1 s; the broker then exits cleanly.
  const auto running = run_shell("timeout -s INT 1 " + broker + " --curve-secret-key " + keys.file("bus.key") +
                                 " --curve-authorized-keys " + keys.allowlist);
  EXPECT_EQ(running.exit_status, 124) << running.output;
  EXPECT_NE(running.output.find("only the clients listed in " + keys.allowlist + " are let in"), std::string::npos)
      << running.output;

  std::ofstream(keys.allowlist, std::ios::app) << "not-a-key\n";
  const auto malformed = run_shell(broker + " --curve-secret-key " + keys.file("bus.key") +
                                   " --curve-authorized-keys " + keys.allowlist);
  EXPECT_EQ(malformed.exit_status, 1);
  EXPECT_NE(malformed.output.find("broker: " + keys.allowlist + ":3: expected a CURVE public key"),
            std::string::npos)
      << malformed.output;
}

}  // namespace
}  // namespace earshot::ipc
