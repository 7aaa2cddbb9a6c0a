// Authorized client keys (curve_authorized_keys) on the real earshotd, over
// real ZeroMQ sockets: a client whose public key is listed receives the bus's
// events and the control socket's replies; one with another key, even knowing
// the server's public key, gets neither. Towards a broker that checks client
// keys the daemon presents the key pair of its curve_secret_key. Same tiny
// test model and file of silence as notify_test.cpp.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "daemon_test_env.h"
#include "ipc/broker.h"
#include "ipc/control_client.h"
#include "ipc/curve_keys.h"
#include "ipc/subscriber.h"
#include "wav_writer.h"

namespace earshot::daemon {
namespace {

using testing::test_model;

using namespace std::chrono_literals;

constexpr auto kStartTimeout = 120s;
constexpr auto kEventTimeout = 30s;
constexpr auto kRefusedTimeout = 500ms;  // a refused client never gets an answer: wait this long

class AllowlistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::test_model_present());
    // As `earshot keygen --output` writes them: the server's pair, and a
    // directory of client keys where only the *.pub files count.
    env_.dir().write("keys/bus.key", server_.secret_key + "\n");
    env_.dir().write("keys/bus.pub", server_.public_key + "\n");
    env_.dir().write("keys/clients/anna.pub", listed_.public_key + "\n");
    env_.dir().write("keys/clients/anna.key", listed_.secret_key + "\n");  // never read
  }

  std::string server_key_file() { return env_.dir().file("keys/bus.key"); }
  std::string clients_dir() { return env_.dir().file("keys/clients"); }

  // earshotd on a file of silence, publishing its status event 5 times a second.
  std::unique_ptr<testing::DaemonProcess> start(const std::vector<std::string>& settings) {
    const std::string silence = env_.dir().file("silence.wav");
    testing::write_silence_wav(silence, 120.0, 8000);
    std::vector<std::string> args = {"--set", "model=" + test_model(), "--set", "status_event_interval_s=0.2",
                                     "--set", "source.quiet.kind=file", "--set", "source.quiet.path=" + silence};
    for (const std::string& setting : settings) args.insert(args.end(), {"--set", setting});
    return env_.start(args);
  }

  std::unique_ptr<testing::DaemonProcess> start_ready(const std::vector<std::string>& settings) {
    auto daemon = start(settings);
    EXPECT_TRUE(env_.notify().wait_for("READY=1", kStartTimeout)) << "no READY=1; log:\n" << daemon->log();
    return daemon;
  }

  ipc::ControlClient control_client(const std::string& client_secret_key, std::chrono::milliseconds timeout) {
    return ipc::ControlClient({.endpoint = env_.control_endpoint(),
                               .curve_server_public_key = server_.public_key,
                               .curve_client_secret_key = client_secret_key,
                               .timeout = timeout});
  }

  ipc::Subscriber status_subscriber(const std::string& endpoint, const std::string& server_public_key,
                                    const std::string& client_secret_key) {
    return ipc::Subscriber({.endpoint = endpoint,
                            .topic_prefixes = {"status/"},
                            .curve_server_public_key = server_public_key,
                            .curve_client_secret_key = client_secret_key});
  }

  // Status events received within `span`, reading the notify socket meanwhile.
  size_t count_status_events(ipc::Subscriber& bus, std::chrono::milliseconds span) {
    size_t n = 0;
    const auto until = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < until) {
      env_.notify().drain();
      if (bus.receive(50ms)) ++n;
    }
    return n;
  }

  // True once a status event came within kEventTimeout.
  bool receives_status_event(ipc::Subscriber& bus) {
    const auto until = std::chrono::steady_clock::now() + kEventTimeout;
    while (std::chrono::steady_clock::now() < until) {
      env_.notify().drain();
      if (auto message = bus.receive(200ms)) return message->topic == "status/daemon";
    }
    return false;
  }

  void stop(testing::DaemonProcess& daemon) {
    env_.notify().drain();
    daemon.signal(SIGTERM);
    EXPECT_EQ(daemon.wait_exit(kEventTimeout), std::optional<int>(0)) << daemon.log();
  }

  testing::DaemonTestEnv env_;
  const ipc::CurveKeyPair server_ = ipc::generate_curve_keypair();
  const ipc::CurveKeyPair listed_ = ipc::generate_curve_keypair();
  const ipc::CurveKeyPair unlisted_ = ipc::generate_curve_keypair();
};

TEST_F(AllowlistTest, OnlyListedClientsGetEventsAndControlReplies) {
  auto daemon =
      start_ready({"curve_secret_key=" + server_key_file(), "curve_authorized_keys=" + clients_dir()});

  EXPECT_EQ(control_client(listed_.secret_key, 5000ms).list_sources().size(), 1u);
  EXPECT_THROW(control_client(unlisted_.secret_key, kRefusedTimeout).status(), ipc::ControlError);
  EXPECT_THROW(control_client("", kRefusedTimeout).status(), ipc::ControlError);  // a throw-away key pair

  ipc::Subscriber listed = status_subscriber(env_.bus_endpoint(), server_.public_key, listed_.secret_key);
  ipc::Subscriber unlisted = status_subscriber(env_.bus_endpoint(), server_.public_key, unlisted_.secret_key);
  EXPECT_TRUE(receives_status_event(listed)) << daemon->log();
  // About 7 status events go out meanwhile; the listed client keeps getting them.
  EXPECT_EQ(count_status_events(unlisted, 1500ms), 0u);
  EXPECT_GT(count_status_events(listed, 1000ms), 0u);
  EXPECT_NE(daemon->log().find("only the 1 client key(s) listed in " + clients_dir()), std::string::npos)
      << daemon->log();
  stop(*daemon);
}

// ZeroMQ refuses silently; the daemon's log names the socket and the key to
// list, and the status counts the refusals.
TEST_F(AllowlistTest, RefusedClientsAreLoggedWithTheirKeyAndCounted) {
  auto daemon =
      start_ready({"curve_secret_key=" + server_key_file(), "curve_authorized_keys=" + clients_dir()});
  EXPECT_THROW(control_client(unlisted_.secret_key, kRefusedTimeout).status(), ipc::ControlError);
  ipc::Subscriber unlisted = status_subscriber(env_.bus_endpoint(), server_.public_key, unlisted_.secret_key);
  EXPECT_EQ(count_status_events(unlisted, 500ms), 0u);

  const std::string key_advice = " of clients whose public key is not in curve_authorized_keys (the latest: " +
                                 unlisted_.public_key + "); list a client's public key there to let it in";
  // A client may try its handshake more than once: the counts are not fixed.
  EXPECT_TRUE(env_.wait_for_log(*daemon, "control " + env_.control_endpoint() + ": refused ", kEventTimeout))
      << daemon->log();
  EXPECT_TRUE(env_.wait_for_log(*daemon, "bus " + env_.bus_endpoint() + ": refused ", kEventTimeout)) << daemon->log();
  EXPECT_EQ(testing::count_of(daemon->log(), key_advice), 2u) << daemon->log();
  EXPECT_GE(control_client(listed_.secret_key, 5000ms).status().n_refused_clients, 2u);
  stop(*daemon);
}

// The list is read again on reload: a client added to it gets in without a restart.
TEST_F(AllowlistTest, AClientAddedToTheListGetsInAfterAReload) {
  auto daemon =
      start_ready({"curve_secret_key=" + server_key_file(), "curve_authorized_keys=" + clients_dir()});
  EXPECT_THROW(control_client(unlisted_.secret_key, kRefusedTimeout).status(), ipc::ControlError);

  env_.dir().write("keys/clients/newcomer.pub", "public-key: " + unlisted_.public_key + "\n");
  ASSERT_FALSE(env_.reload(*daemon, kEventTimeout).empty());

  EXPECT_EQ(control_client(unlisted_.secret_key, 5000ms).list_sources().size(), 1u) << daemon->log();
  EXPECT_EQ(control_client(listed_.secret_key, 5000ms).list_sources().size(), 1u);
  stop(*daemon);
}

// The broker lists the daemon's public key (the .pub beside its
// curve_secret_key) and one subscriber's; the daemon's events pass.
TEST_F(AllowlistTest, TheDaemonPresentsItsOwnKeyToABrokerThatChecksClients) {
  const ipc::CurveKeyPair broker_keys = ipc::generate_curve_keypair();
  const std::string broker_clients =
      env_.dir().write("broker-clients", "# the daemon\n" + server_.public_key + "\n# a caption display\n" +
                                             listed_.public_key + "\n");
  const std::string broker_public_key = env_.dir().write("keys/broker.pub", broker_keys.public_key + "\n");
  ipc::Broker broker({.frontend = "tcp://127.0.0.1:*",
                      .backend = "tcp://127.0.0.1:*",
                      .curve_secret_key = broker_keys.secret_key,
                      .curve_authorized_keys = broker_clients});
  std::thread proxy([&] { broker.run(); });

  auto daemon = start_ready({"curve_secret_key=" + server_key_file(), "bus_broker=" + broker.frontend_endpoint(),
                             "broker_public_key=" + broker_public_key});
  ipc::Subscriber display =
      status_subscriber(broker.backend_endpoint(), broker_keys.public_key, listed_.secret_key);
  EXPECT_TRUE(receives_status_event(display)) << daemon->log();
  EXPECT_EQ(broker.n_refused_clients(), 0u);
  EXPECT_NE(daemon->log().find("connecting with the CURVE public key " + server_.public_key), std::string::npos)
      << daemon->log();
  stop(*daemon);

  broker.stop();
  proxy.join();
}

TEST_F(AllowlistTest, AListWithoutTheServersSecretKeyIsAConfigurationError) {
  auto daemon = start({"curve_authorized_keys=" + clients_dir()});
  EXPECT_EQ(daemon->wait_exit(kEventTimeout), std::optional<int>(78)) << daemon->log();  // EX_CONFIG
  EXPECT_NE(daemon->log().find("key 'curve_authorized_keys'"), std::string::npos) << daemon->log();
  EXPECT_NE(daemon->log().find("needs curve_secret_key"), std::string::npos) << daemon->log();
}

TEST_F(AllowlistTest, AMalformedListStopsTheStartNamingTheFileAndLine) {
  const std::string list = env_.dir().write("clients", "# who may connect\nnot-a-key\n");
  auto daemon = start({"curve_secret_key=" + server_key_file(), "curve_authorized_keys=" + list});
  EXPECT_EQ(daemon->wait_exit(kEventTimeout), std::optional<int>(1)) << daemon->log();
  EXPECT_NE(daemon->log().find("curve_authorized_keys: " + list + ":2: expected a CURVE public key"),
            std::string::npos)
      << daemon->log();
  EXPECT_EQ(daemon->log().find("not-a-key"), std::string::npos) << "the line may be a secret: never echoed";
}

}  // namespace
}  // namespace earshot::daemon
