// The control protocol without a socket: requests in, replies out.
#include "ipc/control_protocol.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ipc/history.h"
#include "tests/ipc/test_control_handler.h"

namespace earshot::ipc {
namespace {

using nlohmann::json;

class ControlProtocol : public ::testing::Test {
 protected:
  json ask(const std::string& request) {
    const ControlReply reply = answer_control_request(request, handler_, history_);
    json parsed = json::parse(reply.json);
    EXPECT_EQ(parsed.at("schema"), 1);
    EXPECT_EQ(parsed.at("ok").get<bool>(), reply.ok);
    return parsed;
  }

  std::string error_of(const std::string& request) {
    const json reply = ask(request);
    EXPECT_FALSE(reply.at("ok").get<bool>()) << reply.dump();
    return reply.value("error", "");
  }

  testing::TestControlHandler handler_;
  History history_{{.n_finals_per_source = 5, .n_sources = 4}};
};

TEST_F(ControlProtocol, StatusAndListSources) {
  const json status = ask(R"({"command":"status"})");
  EXPECT_TRUE(status.at("ok").get<bool>());
  EXPECT_EQ(status.at("status").at("model"), "test-model");
  EXPECT_EQ(status.at("status").at("sources").size(), 2u);

  const json sources = ask(R"({"command":"list_sources","id":7})");
  EXPECT_EQ(sources.at("sources").at(1).at("source"), "system");
  EXPECT_EQ(sources.at("id"), 7);  // echoed
}

TEST_F(ControlProtocol, PauseResumeAndSetChangeTheSource) {
  EXPECT_TRUE(ask(R"({"command":"pause","source":"mic"})").at("ok").get<bool>());
  EXPECT_EQ(handler_.source("mic").state, SourceState::kPaused);
  EXPECT_TRUE(ask(R"({"command":"resume","source":"mic"})").at("ok").get<bool>());
  EXPECT_EQ(handler_.source("mic").state, SourceState::kRunning);

  EXPECT_TRUE(ask(R"({"command":"set","source":"system","task":"translate","target_language":"es"})")
                  .at("ok")
                  .get<bool>());
  EXPECT_EQ(handler_.source("system").task, Task::kTranslate);
  EXPECT_EQ(handler_.source("system").target_language, "es");
  EXPECT_EQ(handler_.source("system").language, "en");  // left as it was

  // English names with spaces and letters beyond ASCII reach the handler, which knows the names.
  EXPECT_TRUE(ask(R"({"command":"set","source":"system","target_language":"Norwegian Bokmål"})")
                  .at("ok")
                  .get<bool>());
  EXPECT_EQ(handler_.source("system").target_language, "Norwegian Bokmål");
}

TEST_F(ControlProtocol, HandlerRefusalsBecomeErrorReplies) {
  EXPECT_EQ(error_of(R"({"command":"pause","source":"radio"})"), "no source 'radio'");
}

TEST_F(ControlProtocol, HistoryReturnsTheLastFinals) {
  for (uint64_t i = 1; i <= 8; ++i) {
    TranscriptEvent final_event;
    final_event.kind = EventKind::kFinal;
    final_event.source = i % 2 ? "mic" : "system";
    final_event.sequence = i;
    final_event.wall_end_s = static_cast<double>(i);
    final_event.stable_text = "final " + std::to_string(i);
    history_.record(final_event);
  }
  const json mic = ask(R"({"command":"history","source":"mic","count":2})");
  ASSERT_EQ(mic.at("finals").size(), 2u);
  EXPECT_EQ(mic.at("finals").at(0).at("stable_text"), "final 5");
  EXPECT_EQ(mic.at("finals").at(1).at("stable_text"), "final 7");
  EXPECT_EQ(mic.at("finals").at(1).at("schema"), 1);

  const json all = ask(R"({"command":"history"})");  // all sources, by time
  ASSERT_EQ(all.at("finals").size(), 8u);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(all.at("finals").at(i).at("sequence"), i + 1);

  EXPECT_EQ(ask(R"({"command":"history","source":"mic","count":1000})").at("finals").size(), 4u);
  EXPECT_EQ(ask(R"({"command":"history","source":"radio"})").at("finals").size(), 0u);
}

TEST_F(ControlProtocol, MalformedRequestsGetClearErrors) {
  EXPECT_NE(error_of(R"({"command":"sta)").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("[1]").find("expected a JSON object"), std::string::npos);
  EXPECT_NE(error_of(R"({})").find("field 'command' is missing"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":5})").find("field 'command': expected a string, got integer"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"command":"reboot"})").find("unknown command 'reboot'"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":"pause"})").find("field 'source' is missing"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":"pause","source":"../x"})").find("not a source label"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":"history","count":-3})").find("field 'count'"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":"set","source":"mic"})").find("at least one of"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":"set","source":"mic","task":"sing"})").find("'sing'"), std::string::npos);
  EXPECT_NE(error_of(R"({"command":"set","source":"mic","language":"e\nn"})").find("not a language tag"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"command":"set","source":"mic","language":")" + std::string(65, 'x') + R"("})")
                .find("at most 64 bytes"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"schema":2,"command":"status"})").find("unsupported schema 2"), std::string::npos);
}

TEST_F(ControlProtocol, NumbersBeyondADoubleGetAnErrorReply) {
  // nlohmann's parser reports these as out_of_range, not as a parse error.
  EXPECT_NE(error_of(R"({"command":"status","pad":1e999})").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of("-1e400").find("not valid JSON"), std::string::npos);
}

TEST_F(ControlProtocol, OversizedRequestsAreRefusedBeforeParsing) {
  const std::string huge = R"({"command":"status","pad":")" + std::string(10 * 1024 * 1024, 'x') + "\"}";
  EXPECT_NE(error_of(huge).find("larger than the 65536-byte limit"), std::string::npos);
}

class ThrowingHandler : public testing::TestControlHandler {
 public:
  DaemonStatus status() override { throw std::runtime_error("model not loaded yet"); }
};

TEST(ControlProtocolHandlerFailure, ExceptionsBecomeErrorReplies) {
  ThrowingHandler handler;
  History history;
  const ControlReply reply = answer_control_request(R"({"command":"status"})", handler, history);
  EXPECT_FALSE(reply.ok);
  EXPECT_NE(reply.json.find("model not loaded yet"), std::string::npos);
}

}  // namespace
}  // namespace earshot::ipc
