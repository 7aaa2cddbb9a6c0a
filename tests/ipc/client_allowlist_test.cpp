// CURVE with an allowlist of client keys, over real tcp://127.0.0.1 sockets:
// a client whose public key is listed gets in; one with any other key, even
// knowing the server's public key, gets nothing.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "ipc/broker.h"
#include "ipc/control_client.h"
#include "ipc/control_server.h"
#include "ipc/curve_keys.h"
#include "ipc/history.h"
#include "ipc/publisher.h"
#include "ipc/subscriber.h"
#include "tests/ipc/bus_test_support.h"
#include "tests/ipc/test_control_handler.h"

namespace earshot::ipc {
namespace {

using namespace std::chrono_literals;
using testing::count_received;
using testing::make_event;
using testing::TempDir;
using testing::wait_until;

constexpr const char* kLocal = "tcp://127.0.0.1:*";

// A server key pair, one client key pair on the allowlist and one that is not.
struct Keys {
  explicit Keys(const TempDir& dir) : allowlist((dir.path() / "clients").string()) {
    std::ofstream(allowlist) << "# who may read the bus\npublic-key: " << listed.public_key << "\n";
  }
  CurveKeyPair server = generate_curve_keypair();
  CurveKeyPair listed = generate_curve_keypair();
  CurveKeyPair unlisted = generate_curve_keypair();
  std::string allowlist;
};

Publisher allowlisted_publisher(const Keys& keys) {
  return Publisher({.endpoint = kLocal, .curve_secret_key = keys.server.secret_key, .curve_authorized_keys = keys.allowlist});
}

// A subscriber with this client key ("": a throw-away key pair).
Subscriber subscriber_of(const Publisher& publisher, const Keys& keys, const std::string& client_secret_key) {
  return Subscriber({.endpoint = publisher.endpoint(),
                     .curve_server_public_key = keys.server.public_key,
                     .curve_client_secret_key = client_secret_key});
}

TEST(ClientAllowlist, OnlyAListedClientReceivesEvents) {
  TempDir dir;
  const Keys keys(dir);
  Publisher publisher = allowlisted_publisher(keys);
  Subscriber listed = subscriber_of(publisher, keys, keys.listed.secret_key);
  Subscriber unlisted = subscriber_of(publisher, keys, keys.unlisted.secret_key);
  Subscriber throw_away_key = subscriber_of(publisher, keys, "");

  // Both unlisted clients have been turned away before anything is published.
  ASSERT_TRUE(wait_until([&] { return publisher.stats().n_refused_clients >= 2; }));
  ASSERT_TRUE(testing::warm_up(publisher, {&listed}));
  constexpr uint64_t kCount = 50;
  for (uint64_t sequence = 1; sequence <= kCount; ++sequence) {
    publisher.publish(make_event(EventKind::kFinal, "mic", sequence, "for listed ears only"));
  }
  for (uint64_t sequence = 1; sequence <= kCount; ++sequence) {
    const std::optional<BusMessage> message = testing::receive_non_warm_up(listed);
    ASSERT_TRUE(message.has_value()) << "message " << sequence << " never came";
    EXPECT_EQ(parse_event(message->payload).sequence, sequence);
  }
  EXPECT_EQ(count_received(unlisted, 300ms), 0u);
  EXPECT_EQ(count_received(throw_away_key, 300ms), 0u);
}

TEST(ClientAllowlist, ThePublisherNamesTheKeyItRefusedLast) {
  TempDir dir;
  const Keys keys(dir);
  Publisher publisher = allowlisted_publisher(keys);
  EXPECT_EQ(publisher.stats().last_refused_key, "");
  Subscriber listed = subscriber_of(publisher, keys, keys.listed.secret_key);
  Subscriber unlisted = subscriber_of(publisher, keys, keys.unlisted.secret_key);
  ASSERT_TRUE(wait_until([&] { return publisher.stats().n_refused_clients >= 1; }));
  EXPECT_EQ(publisher.stats().last_refused_key, keys.unlisted.public_key);
  ASSERT_TRUE(testing::warm_up(publisher, {&listed}));
  EXPECT_EQ(publisher.stats().n_refused_clients, 1u) << "the listed client was let in";
}

TEST(ClientAllowlist, TheControlSocketAnswersOnlyListedClients) {
  TempDir dir;
  const Keys keys(dir);
  testing::TestControlHandler handler;
  History history;
  ControlServer control({.endpoint = kLocal,
                         .curve_secret_key = keys.server.secret_key,
                         .curve_authorized_keys = keys.allowlist},
                        handler, history);

  ControlClient listed({.endpoint = control.endpoint(),
                        .curve_server_public_key = keys.server.public_key,
                        .curve_client_secret_key = keys.listed.secret_key});
  EXPECT_EQ(listed.status().model, "test-model");

  ControlClient unlisted({.endpoint = control.endpoint(),
                          .curve_server_public_key = keys.server.public_key,
                          .curve_client_secret_key = keys.unlisted.secret_key,
                          .timeout = 300ms});
  EXPECT_THROW(unlisted.status(), ControlError);
  EXPECT_GE(control.n_refused_clients(), 1u);
  EXPECT_EQ(control.last_refused_key(), keys.unlisted.public_key) << "the key an operator would list";
  EXPECT_EQ(listed.status().model, "test-model");
}

TEST(ClientAllowlist, TheBrokerChecksPublishersAndSubscribers) {
  TempDir dir;
  const Keys keys(dir);
  Broker broker({.frontend = kLocal,
                 .backend = kLocal,
                 .curve_secret_key = keys.server.secret_key,
                 .curve_authorized_keys = keys.allowlist});
  std::thread proxy([&] { broker.run(); });

  Publisher laptop({.endpoint = broker.frontend_endpoint(),
                    .connect = true,
                    .curve_server_public_key = keys.server.public_key,
                    .curve_client_secret_key = keys.listed.secret_key});
  Publisher intruder({.endpoint = broker.frontend_endpoint(),
                      .connect = true,
                      .curve_server_public_key = keys.server.public_key,
                      .curve_client_secret_key = keys.unlisted.secret_key});
  Subscriber listed({.endpoint = broker.backend_endpoint(),
                     .curve_server_public_key = keys.server.public_key,
                     .curve_client_secret_key = keys.listed.secret_key});
  ASSERT_TRUE(testing::warm_up(laptop, {&listed}));
  ASSERT_TRUE(wait_until([&] { return broker.n_refused_clients() >= 1; }));

  intruder.publish(make_event(EventKind::kFinal, "intruder", 1, "forged"));
  laptop.publish(make_event(EventKind::kFinal, "laptop-mic", 1, "genuine"));
  const std::optional<BusMessage> message = testing::receive_non_warm_up(listed);
  ASSERT_TRUE(message.has_value());
  EXPECT_EQ(parse_event(message->payload).source, "laptop-mic");
  EXPECT_FALSE(testing::receive_non_warm_up(listed, 300ms).has_value());

  broker.stop();
  proxy.join();
}

TEST(ClientAllowlist, StartUpErrorsSayWhatIsWrong) {
  TempDir dir;
  const Keys keys(dir);
  try {
    Publisher publisher({.endpoint = kLocal, .curve_authorized_keys = keys.allowlist});
    FAIL() << "an allowlist without CURVE was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bus publisher: authorized client keys (" + keys.allowlist +
                                         ") need a CURVE secret key"),
              std::string::npos)
        << e.what();
  }

  std::ofstream(keys.allowlist, std::ios::app) << "not-a-key\n";
  try {
    ControlServerOptions options{.endpoint = kLocal,
                                 .curve_secret_key = keys.server.secret_key,
                                 .curve_authorized_keys = keys.allowlist};
    testing::TestControlHandler handler;
    History history;
    ControlServer control(options, handler, history);
    FAIL() << "a malformed allowlist was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("control server: " + keys.allowlist + ":3: expected a CURVE public key"),
              std::string::npos)
        << e.what();
  }

  EXPECT_THROW(Subscriber({.endpoint = "tcp://127.0.0.1:1",
                           .curve_server_public_key = keys.server.public_key,
                           .curve_client_secret_key = "too short"}),
               std::runtime_error);
  EXPECT_THROW(Subscriber({.endpoint = "tcp://127.0.0.1:1", .curve_client_secret_key = keys.listed.secret_key}),
               std::runtime_error);  // a client key is no use without the server's
}

}  // namespace
}  // namespace earshot::ipc
