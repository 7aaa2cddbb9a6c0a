// The control socket over real sockets, with a test handler standing in for the daemon.
#include "ipc/control_server.h"

#include <gtest/gtest.h>

#include <thread>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "ipc/control_client.h"
#include "ipc/history.h"
#include "ipc/publisher.h"
#include "tests/ipc/bus_test_support.h"
#include "tests/ipc/test_control_handler.h"

namespace earshot::ipc {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::make_event;
using testing::TempDir;

class ControlServerTest : public ::testing::Test {
 protected:
  json raw(const std::string& request) { return json::parse(client_.request(request)); }

  std::string error_of(const std::string& request) {
    const json reply = raw(request);
    EXPECT_FALSE(reply.at("ok").get<bool>()) << reply.dump();
    return reply.value("error", "");
  }

  void expect_still_serving() { EXPECT_EQ(client_.status().model, "test-model"); }

  TempDir dir_;
  testing::TestControlHandler handler_;
  History history_;
  ControlServer server_{{.endpoint = dir_.ipc_endpoint("control")}, handler_, history_};
  ControlClient client_{{.endpoint = server_.endpoint()}};
};

TEST_F(ControlServerTest, AnswersEveryCommand) {
  const DaemonStatus status = client_.status();
  EXPECT_EQ(status.model, "test-model");
  ASSERT_EQ(status.sources.size(), 2u);
  EXPECT_EQ(client_.list_sources().at(0).source, "mic");

  client_.pause("mic");
  EXPECT_EQ(handler_.source("mic").state, SourceState::kPaused);
  client_.resume("mic");
  EXPECT_EQ(handler_.source("mic").state, SourceState::kRunning);
  client_.set({.source = "mic", .task = Task::kTranslate, .target_language = "fr"});
  EXPECT_EQ(handler_.source("mic").target_language, "fr");

  try {
    client_.pause("radio");
    FAIL() << "pausing an unknown source succeeded";
  } catch (const ControlError& e) {
    EXPECT_NE(std::string(e.what()).find("no source 'radio'"), std::string::npos) << e.what();
  }
}

TEST_F(ControlServerTest, ALateSubscriberFillsItsScreenFromHistory) {
  Publisher publisher({.endpoint = dir_.ipc_endpoint("bus"), .history = &history_});
  for (uint64_t sequence = 1; sequence <= 30; ++sequence) {
    const EventKind kind = sequence % 3 == 0 ? EventKind::kFinal : EventKind::kPartial;
    publisher.publish(make_event(kind, "mic", sequence, "text " + std::to_string(sequence)));
  }
  // Nobody was subscribed: all of it went by. A client that starts now asks.
  ASSERT_TRUE(testing::wait_until([&] { return publisher.stats().n_published == 30; }));
  const std::vector<TranscriptEvent> finals = client_.history("mic", 3);
  ASSERT_EQ(finals.size(), 3u);
  EXPECT_EQ(finals[0].stable_text, "text 24");
  EXPECT_EQ(finals[1].stable_text, "text 27");
  EXPECT_EQ(finals[2].stable_text, "text 30");
  EXPECT_EQ(finals[2].kind, EventKind::kFinal);
  EXPECT_EQ(client_.history("", 100).size(), 10u);
}

TEST_F(ControlServerTest, MalformedRequestsGetErrorRepliesAndTheServerStaysUp) {
  EXPECT_NE(error_of(R"({"command":"status")").find("not valid JSON"), std::string::npos);
  expect_still_serving();
  EXPECT_NE(error_of(R"({"command":["status"]})").find("expected a string, got array"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":"history","count":"all"})").find("field 'count'"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":"set","source":"mic","task":7})").find("field 'task'"), std::string::npos);
  expect_still_serving();
  EXPECT_NE(error_of(R"({"command":"self_destruct"})").find("unknown command"), std::string::npos);
  expect_still_serving();
  EXPECT_NE(error_of(std::string("\xff\xfe{", 3)).find("not valid JSON"), std::string::npos);

  const std::string ten_megabytes = R"({"command":"status","pad":")" + std::string(10 * 1024 * 1024, 'x') + "\"}";
  EXPECT_NE(error_of(ten_megabytes).find("larger than the 65536-byte limit"), std::string::npos);
  expect_still_serving();
  EXPECT_EQ(server_.n_errors(), 7u);
}

TEST_F(ControlServerTest, ANumberTooLargeForADoubleGetsAnErrorReplyAndTheServerStaysUp) {
  // A request left without a reply would leave the REP socket unable to receive
  // again: every later client would time out.
  EXPECT_NE(error_of(R"({"command":"status","pad":1e999})").find("not valid JSON"), std::string::npos);
  expect_still_serving();
}

TEST_F(ControlServerTest, MultiFrameRequestsAreRefused) {
  zmq::context_t context;
  zmq::socket_t req(context, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  req.connect(server_.endpoint());
  req.send(zmq::str_buffer(R"({"command":"status"})"), zmq::send_flags::sndmore);
  req.send(zmq::str_buffer("extra"), zmq::send_flags::none);
  zmq::pollitem_t item{req.handle(), 0, ZMQ_POLLIN, 0};
  ASSERT_EQ(zmq::poll(&item, 1, 5s), 1);
  zmq::message_t reply;
  ASSERT_TRUE(req.recv(reply));
  EXPECT_NE(reply.to_string().find("a request is one frame, got 2"), std::string::npos) << reply.to_string();
  expect_still_serving();
}

TEST_F(ControlServerTest, AClientThatNeverReadsItsReplyDoesNotStopTheServer) {
  zmq::context_t context;
  for (int i = 0; i < 50; ++i) {
    zmq::socket_t req(context, zmq::socket_type::req);
    req.set(zmq::sockopt::linger, 0);
    req.connect(server_.endpoint());
    req.send(zmq::str_buffer(R"({"command":"status"})"), zmq::send_flags::none);
  }  // gone before the reply
  expect_still_serving();
}

TEST(ControlClientReply, ANumberTooLargeForADoubleIsAMalformedReply) {
  // nlohmann throws out_of_range (not parse_error) for 1e999: it must come out
  // of the client as the ControlError its callers handle.
  TempDir dir;
  zmq::context_t context;
  zmq::socket_t rep(context, zmq::socket_type::rep);
  rep.set(zmq::sockopt::linger, 0);
  rep.bind(dir.ipc_endpoint("fake"));
  std::thread server([&] {
    zmq::message_t request;
    if (rep.recv(request)) rep.send(zmq::str_buffer(R"({"schema":1,"ok":true,"status":{"uptime_s":1e999}})"));
  });
  ControlClient client({.endpoint = dir.ipc_endpoint("fake"), .timeout = 5s});
  try {
    client.status();
    ADD_FAILURE() << "status() accepted the reply";
  } catch (const ControlError& e) {
    EXPECT_NE(std::string(e.what()).find("malformed reply from " + dir.ipc_endpoint("fake")), std::string::npos)
        << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not a ControlError: " << e.what();
  }
  server.join();
}

TEST(ControlClientTimeout, SaysWhatItWaitedFor) {
  TempDir dir;
  ControlClient client({.endpoint = dir.ipc_endpoint("nobody"), .timeout = 200ms});
  try {
    client.status();
    FAIL() << "status() without a server returned";
  } catch (const ControlError& e) {
    EXPECT_NE(std::string(e.what()).find("no reply from " + dir.ipc_endpoint("nobody") + " within 200 ms"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace earshot::ipc
