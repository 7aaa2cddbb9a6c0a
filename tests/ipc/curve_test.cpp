// CURVE on tcp://127.0.0.1 (the tests never bind any other address): only a
// client that knows the server's public key gets anything.
#include <gtest/gtest.h>

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

TEST(Curve, OnlyAClientWithTheServerKeyReceives) {
  ASSERT_TRUE(curve_available());
  const CurveKeyPair server = generate_curve_keypair();
  const CurveKeyPair impostor = generate_curve_keypair();
  Publisher publisher({.endpoint = "tcp://127.0.0.1:*", .curve_secret_key = server.secret_key});

  Subscriber with_key({.endpoint = publisher.endpoint(), .curve_server_public_key = server.public_key});
  Subscriber without_key({.endpoint = publisher.endpoint()});
  Subscriber wrong_key({.endpoint = publisher.endpoint(), .curve_server_public_key = impostor.public_key});

  ASSERT_TRUE(testing::warm_up(publisher, {&with_key}));
  for (uint64_t sequence = 1; sequence <= 50; ++sequence) {
    publisher.publish(make_event(EventKind::kFinal, "mic", sequence, "secret words"));
  }
  for (uint64_t sequence = 1; sequence <= 50; ++sequence) {  // waits for each, however loaded the machine
    const std::optional<BusMessage> message = testing::receive_non_warm_up(with_key);
    ASSERT_TRUE(message.has_value()) << "message " << sequence << " never came";
    EXPECT_EQ(parse_event(message->payload).sequence, sequence);
  }
  // Nothing reaches a client without a handshake; the window only gives a wrong
  // implementation time to show itself.
  EXPECT_EQ(count_received(without_key, 500ms), 0u);
  EXPECT_EQ(count_received(wrong_key, 500ms), 0u);
}

TEST(Curve, ControlSocketAnswersOnlyClientsWithTheKey) {
  const CurveKeyPair server = generate_curve_keypair();
  testing::TestControlHandler handler;
  History history;
  ControlServer control({.endpoint = "tcp://127.0.0.1:*", .curve_secret_key = server.secret_key}, handler, history);

  ControlClient with_key({.endpoint = control.endpoint(), .curve_server_public_key = server.public_key});
  EXPECT_EQ(with_key.status().model, "test-model");

  ControlClient without_key({.endpoint = control.endpoint(), .timeout = 300ms});
  EXPECT_THROW(without_key.status(), ControlError);
  EXPECT_EQ(with_key.status().model, "test-model");
}

TEST(Curve, NetworkBindsWithoutKeysAreRefusedBeforeBinding) {
  // The policy check runs before bind(), so nothing is ever bound off loopback here.
  try {
    Publisher publisher({.endpoint = "tcp://0.0.0.0:0"});
    FAIL() << "bound tcp://0.0.0.0 without CURVE";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("refusing to bind tcp://0.0.0.0:0 without CURVE"), std::string::npos)
        << e.what();
  }
}

TEST(Curve, MalformedKeysAreStartUpErrors) {
  EXPECT_THROW(Publisher({.endpoint = "tcp://127.0.0.1:*", .curve_secret_key = "too short"}), std::runtime_error);
  EXPECT_THROW(Subscriber({.endpoint = "tcp://127.0.0.1:1", .curve_server_public_key = "too short"}),
               std::runtime_error);
}

}  // namespace
}  // namespace earshot::ipc
