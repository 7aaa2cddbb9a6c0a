// The bus clients as users run them, against a real publisher and control
// server: docs/examples/subscriber.py (Debian's /usr/bin/python3 with
// python3-zmq) and the `earshot` tool's listen, dictate and status.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

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
using testing::TempDir;

const std::string kEarshot = EARSHOT_BINARY_DIR "/cli/earshot";
const std::string kSubscriberExample = EARSHOT_SOURCE_DIR "/docs/examples/subscriber.py";

using CommandResult = testing::CommandOutput;

CommandResult run(const std::string& command) { return testing::run_shell(command); }

// Publishes a repeating cycle (partial, final, translation, status) until
// stopped, so that a client that connects at any moment soon sees each kind.
class BackgroundPublisher {
 public:
  explicit BackgroundPublisher(Publisher& publisher)
      : thread_([this, &publisher] {
          uint64_t sequence = 0;
          uint64_t n_status = 0;
          while (!stop_.load()) {
            ++sequence;
            TranscriptEvent partial = make_event(EventKind::kPartial, "mic", sequence, "hello");
            partial.unstable_text = " wor";
            publisher.publish(std::move(partial));
            ++sequence;
            publisher.publish(make_event(EventKind::kFinal, "mic", sequence, "hello world " + std::to_string(sequence)));
            publisher.publish(make_event(EventKind::kTranslation, "mic", ++sequence, "hola mundo"));
            publisher.publish(make_event(EventKind::kFinal, "mic2", sequence, "not for mic"));
            TranscriptEvent status = make_event(EventKind::kStatus, "daemon", ++n_status, "");
            status.status = DaemonStatus{.model = "bus-test-model"};
            publisher.publish(std::move(status));
            std::this_thread::sleep_for(20ms);
          }
        }) {}
  ~BackgroundPublisher() {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(SubscriberExample, ReadsEveryKindFromARealPublisher) {
  if (run("/usr/bin/python3 -c 'import zmq'").exit_status != 0) {
    GTEST_SKIP() << "python3-zmq is not installed for /usr/bin/python3 (scripts/install-deps installs it)";
  }
  TempDir dir;
  Publisher publisher({.endpoint = dir.ipc_endpoint("bus")});
  BackgroundPublisher background(publisher);
  const CommandResult result = run("/usr/bin/python3 " + kSubscriberExample + " --endpoint " + publisher.endpoint() +
                                   " --source mic --count 12 --timeout 10");
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("partial mic #"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("hello| wor"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("final mic #"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("translation mic->es #"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("not for mic"), std::string::npos) << result.output;  // "mic2" filtered out
}

TEST(SubscriberExample, UsesCurveWithTheServerKey) {
  if (run("/usr/bin/python3 -c 'import zmq'").exit_status != 0) GTEST_SKIP() << "python3-zmq missing";
  const CurveKeyPair keys = generate_curve_keypair();
  Publisher publisher({.endpoint = "tcp://127.0.0.1:*", .curve_secret_key = keys.secret_key});
  BackgroundPublisher background(publisher);
  // Z85 keys hold shell characters such as '(' and '&', but never a single quote. A key may start with '-',
  // which argparse reads as an option unless it is joined to its flag with '='.
  const CommandResult result = run("/usr/bin/python3 " + kSubscriberExample + " --endpoint " + publisher.endpoint() +
                                   " --topic final/ --curve-server-key='" + keys.public_key + "' --count 2 --timeout 10");
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("final mic #"), std::string::npos) << result.output;
}

TEST(ListenCommand, PrintsRawPayloadsOfTheChosenSourceAndKind) {
  TempDir dir;
  Publisher publisher({.endpoint = dir.ipc_endpoint("bus")});
  BackgroundPublisher background(publisher);
  const CommandResult result =
      run(kEarshot + " listen --json --source mic --kind final --count 3 --endpoint " + publisher.endpoint());
  ASSERT_EQ(result.exit_status, 0) << result.output;
  std::istringstream lines(result.output);
  std::string line;
  int n_lines = 0;
  while (std::getline(lines, line)) {
    const TranscriptEvent event = parse_event(line);
    EXPECT_EQ(event.kind, EventKind::kFinal);
    EXPECT_EQ(event.source, "mic");
    ++n_lines;
  }
  EXPECT_EQ(n_lines, 3);
}

TEST(ListenCommand, PrintsFinalsAndTranslationsAsCaptionLines) {
  TempDir dir;
  Publisher publisher({.endpoint = dir.ipc_endpoint("bus")});
  BackgroundPublisher background(publisher);
  // stdout is a pipe: no live line, only lines that stay.
  const CommandResult result = run(kEarshot + " listen --source mic --count 8 --endpoint " + publisher.endpoint());
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_NE(result.output.find("[mic] hello world "), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("[mic -> es] hola mundo"), std::string::npos) << result.output;
  EXPECT_EQ(result.output.find("\033["), std::string::npos) << "escape codes written to a pipe";
}

TEST(ListenCommand, RefusesUnknownKinds) {
  const CommandResult result = run(kEarshot + " listen --kind shout --endpoint ipc:///nonexistent/bus");
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_NE(result.output.find("unknown kind 'shout'"), std::string::npos) << result.output;
}

TEST(DictateCommand, DryRunPrintsTheFinalsOfTheMicrophone) {
  TempDir dir;
  Publisher publisher({.endpoint = dir.ipc_endpoint("bus")});
  BackgroundPublisher background(publisher);
  const CommandResult result = run(kEarshot + " dictate --dry-run --count 2 --endpoint " + publisher.endpoint());
  ASSERT_EQ(result.exit_status, 0) << result.output;
  std::istringstream lines(result.output);
  std::string line;
  int n_lines = 0;
  while (std::getline(lines, line)) {
    EXPECT_EQ(line.rfind("hello world ", 0), 0u) << line;  // finals of "mic" only, never "mic2"
    ++n_lines;
  }
  EXPECT_EQ(n_lines, 2);
}

TEST(DictateCommand, NamesThePackageToInstallForEachSession) {
  const std::string no_tools = "/usr/bin/env -u WAYLAND_DISPLAY -u DISPLAY PATH=/nonexistent ";
  const CommandResult wayland = run(no_tools + "WAYLAND_DISPLAY=wayland-0 " + kEarshot + " dictate");
  EXPECT_EQ(wayland.exit_status, 1);
  EXPECT_NE(wayland.output.find("sudo apt install wtype"), std::string::npos) << wayland.output;

  const CommandResult x11 = run(no_tools + "DISPLAY=:0 " + kEarshot + " dictate");
  EXPECT_NE(x11.output.find("sudo apt install xdotool"), std::string::npos) << x11.output;

  const CommandResult console = run(no_tools + kEarshot + " dictate");
  EXPECT_NE(console.output.find("sudo apt install ydotool"), std::string::npos) << console.output;
}

TEST(StatusCommand, PrintsTheDaemonsStatus) {
  TempDir dir;
  testing::TestControlHandler handler;
  History history;
  ControlServer server({.endpoint = dir.ipc_endpoint("control")}, handler, history);

  const CommandResult summary = run(kEarshot + " status --endpoint " + server.endpoint());
  ASSERT_EQ(summary.exit_status, 0) << summary.output;
  EXPECT_NE(summary.output.find("model: test-model"), std::string::npos) << summary.output;
  EXPECT_NE(summary.output.find("mic"), std::string::npos) << summary.output;

  const CommandResult json = run(kEarshot + " status --json --endpoint " + server.endpoint());
  ASSERT_EQ(json.exit_status, 0) << json.output;
  EXPECT_EQ(nlohmann::json::parse(json.output).at("status").at("model"), "test-model");
}

TEST(StatusCommand, SaysWhenNoDaemonAnswers) {
  TempDir dir;
  const CommandResult result =
      run(kEarshot + " status --timeout-ms 200 --endpoint " + dir.ipc_endpoint("control"));
  EXPECT_EQ(result.exit_status, 1);
  EXPECT_NE(result.output.find("no reply from"), std::string::npos) << result.output;
}

TEST(KeygenCommand, WritesAKeyPair) {
  TempDir dir;
  const CommandResult result = run(kEarshot + " keygen --output " + (dir.path() / "bus").string());
  ASSERT_EQ(result.exit_status, 0) << result.output;
  EXPECT_EQ(curve_public_key_of(load_curve_key((dir.path() / "bus.key").string())),
            load_curve_key((dir.path() / "bus.pub").string()));
}

}  // namespace
}  // namespace earshot::ipc
