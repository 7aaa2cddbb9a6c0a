#include "ipc/transcript_event.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

namespace earshot::ipc {
namespace {

using nlohmann::json;

TranscriptEvent partial_event() {
  TranscriptEvent event;
  event.kind = EventKind::kPartial;
  event.source = "mic";
  event.segment_id = 7;
  event.sequence = 412;
  event.audio_start_s = 31.2;
  event.audio_end_s = 33.0;
  event.wall_start_s = 1760000031.2;
  event.wall_end_s = 1760000033.0;
  event.stable_text = "the quick";
  event.unstable_text = " brown fax";
  event.language = "en";
  event.lag_s = 0.34;
  return event;
}

void expect_same_text_event(const TranscriptEvent& a, const TranscriptEvent& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.segment_id, b.segment_id);
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_DOUBLE_EQ(a.audio_start_s, b.audio_start_s);
  EXPECT_DOUBLE_EQ(a.audio_end_s, b.audio_end_s);
  EXPECT_DOUBLE_EQ(a.wall_start_s, b.wall_start_s);
  EXPECT_DOUBLE_EQ(a.wall_end_s, b.wall_end_s);
  EXPECT_EQ(a.stable_text, b.stable_text);
  EXPECT_EQ(a.unstable_text, b.unstable_text);
  EXPECT_EQ(a.language, b.language);
  EXPECT_EQ(a.target_language, b.target_language);
  EXPECT_DOUBLE_EQ(a.lag_s, b.lag_s);
}

TEST(TranscriptEvent, PartialRoundTrips) {
  const TranscriptEvent event = partial_event();
  expect_same_text_event(parse_event(serialize_event(event)), event);
}

TEST(TranscriptEvent, EveryPayloadCarriesTheSchemaVersion) {
  TranscriptEvent status;
  status.kind = EventKind::kStatus;
  status.source = std::string(kDaemonSource);
  for (const TranscriptEvent& event : {partial_event(), status}) {
    const json payload = json::parse(serialize_event(event));
    EXPECT_EQ(payload.at("schema"), 1);
  }
}

TEST(TranscriptEvent, PayloadUsesTheDocumentedFieldNames) {
  const json payload = json::parse(serialize_event(partial_event()));
  for (const char* name : {"schema", "kind", "source", "segment", "sequence", "audio_start_s", "audio_end_s",
                           "wall_start_s", "wall_end_s", "stable_text", "unstable_text", "language", "lag_s"}) {
    EXPECT_TRUE(payload.contains(name)) << name;
  }
  EXPECT_EQ(payload.at("kind"), "partial");
  EXPECT_FALSE(payload.contains("target_language"));  // translations only
  EXPECT_FALSE(payload.contains("status"));
}

TEST(TranscriptEvent, TranslationCarriesTargetLanguageAndTopic) {
  TranscriptEvent event = partial_event();
  event.kind = EventKind::kTranslation;
  event.stable_text = "el rápido";
  event.unstable_text = "";
  event.target_language = "es";
  const TranscriptEvent back = parse_event(serialize_event(event));
  expect_same_text_event(back, event);
  EXPECT_EQ(topic_of(back), "translation/es/mic");
}

TEST(TranscriptEvent, StatusRoundTrips) {
  TranscriptEvent event;
  event.kind = EventKind::kStatus;
  event.source = std::string(kDaemonSource);
  event.sequence = 9;
  DaemonStatus status;
  status.wall_time_s = 1760000000.5;
  status.model = "earshot-tiny-en";
  status.real_time_factor = 0.12;
  status.uptime_s = 3600;
  status.n_subscribers = 3;
  status.drops = {4, 1, 2};
  status.n_refused_clients = 9;
  status.sources.push_back({"mic", SourceState::kRunning, Task::kTranscribe, "en", "", 0.3, 0.0, ""});
  status.sources.push_back({"system", SourceState::kFailed, Task::kTranslate, "en", "es", 0, 1.5, "device gone", 2, 7.5});
  event.status = status;

  const TranscriptEvent back = parse_event(serialize_event(event));
  EXPECT_EQ(back.kind, EventKind::kStatus);
  EXPECT_EQ(topic_of(back), "status/daemon");
  ASSERT_TRUE(back.status.has_value());
  EXPECT_EQ(back.status->model, "earshot-tiny-en");
  EXPECT_DOUBLE_EQ(back.status->real_time_factor, 0.12);
  EXPECT_EQ(back.status->n_subscribers, 3);
  EXPECT_EQ(back.status->drops.n_queue_full, 4u);
  EXPECT_EQ(back.status->drops.n_send_failed, 1u);
  EXPECT_EQ(back.status->drops.n_rejected, 2u);
  EXPECT_EQ(back.status->n_refused_clients, 9u);
  ASSERT_EQ(back.status->sources.size(), 2u);
  EXPECT_EQ(back.status->sources[1].state, SourceState::kFailed);
  EXPECT_EQ(back.status->sources[1].task, Task::kTranslate);
  EXPECT_EQ(back.status->sources[1].target_language, "es");
  EXPECT_DOUBLE_EQ(back.status->sources[1].dropped_audio_s, 1.5);
  EXPECT_EQ(back.status->sources[1].error, "device gone");
  EXPECT_EQ(back.status->sources[1].n_failed_segments, 2u);
  EXPECT_EQ(back.status->sources[0].n_failed_segments, 0u);
  EXPECT_DOUBLE_EQ(back.status->sources[1].no_audio_s, 7.5);
  EXPECT_DOUBLE_EQ(back.status->sources[0].no_audio_s, 0.0);
}

// A status event with these fields, as JSON: the tests below take fields out,
// as a daemon older than them would have sent it.
json status_payload(const DaemonStatus& status) {
  TranscriptEvent event;
  event.kind = EventKind::kStatus;
  event.source = std::string(kDaemonSource);
  event.status = status;
  return json::parse(serialize_event(event));
}

TEST(TranscriptEvent, StatusNamesFailedSegmentsAndOlderDaemonsMayLeaveThemOut) {
  json payload = status_payload({.sources = {{.source = "mic", .n_failed_segments = 3}}});
  json& source = payload["status"]["sources"][0];
  EXPECT_EQ(source.at("failed_segments"), 3);
  source.erase("failed_segments");
  EXPECT_EQ(parse_event(payload.dump()).status->sources.at(0).n_failed_segments, 0u);
}

TEST(TranscriptEvent, OlderDaemonsMayLeaveOutRejectedEventsAndRefusedClients) {
  json payload = status_payload({.drops = {.n_rejected = 4}, .n_refused_clients = 5});
  EXPECT_EQ(payload["status"]["drops"].at("rejected"), 4);
  EXPECT_EQ(payload["status"].at("refused_clients"), 5);
  payload["status"]["drops"].erase("rejected");
  payload["status"].erase("refused_clients");
  const TranscriptEvent back = parse_event(payload.dump());
  EXPECT_EQ(back.status->drops.n_rejected, 0u);
  EXPECT_EQ(back.status->n_refused_clients, 0u);
}

TEST(TranscriptEvent, StatusSaysHowLongASourceSentNoAudioAndOlderDaemonsMayLeaveItOut) {
  json payload = status_payload({.sources = {{.source = "mic", .no_audio_s = 12.5}}});
  json& source = payload["status"]["sources"][0];
  EXPECT_EQ(source.at("no_audio_s"), 12.5);
  source.erase("no_audio_s");
  EXPECT_EQ(parse_event(payload.dump()).status->sources.at(0).no_audio_s, 0.0);
}

TEST(TranscriptEvent, InvalidUtf8AndNonFiniteNumbersStillSerialize) {
  TranscriptEvent event = partial_event();
  event.stable_text = std::string("caf\xc3", 4);  // cut in the middle of "é"
  event.lag_s = std::numeric_limits<double>::quiet_NaN();
  const TranscriptEvent back = parse_event(serialize_event(event));
  EXPECT_EQ(back.stable_text, "caf\xef\xbf\xbd");  // U+FFFD
  EXPECT_EQ(back.lag_s, 0.0);
}

TEST(TranscriptEvent, UnknownFieldsAreIgnored) {
  json payload = json::parse(serialize_event(partial_event()));
  payload["speaker"] = "A";
  EXPECT_EQ(parse_event(payload.dump()).stable_text, "the quick");
}

std::string parse_error_of(const std::string& payload) {
  try {
    parse_event(payload);
  } catch (const EventParseError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TranscriptEvent, ParseErrorsSayWhatIsWrong) {
  json payload = json::parse(serialize_event(partial_event()));

  EXPECT_NE(parse_error_of(R"({"schema":1,"kind":)").find("not valid JSON"), std::string::npos);
  EXPECT_NE(parse_error_of("[1,2]").find("expected a JSON object"), std::string::npos);

  json schema2 = payload;
  schema2["schema"] = 2;
  EXPECT_NE(parse_error_of(schema2.dump()).find("unsupported schema 2"), std::string::npos);

  json no_schema = payload;
  no_schema.erase("schema");
  EXPECT_NE(parse_error_of(no_schema.dump()).find("field 'schema' is missing"), std::string::npos);

  json wrong_type = payload;
  wrong_type["sequence"] = "412";
  EXPECT_NE(parse_error_of(wrong_type.dump()).find("field 'sequence': expected a non-negative integer, got string"),
            std::string::npos);

  json negative = payload;
  negative["segment"] = -1;
  EXPECT_NE(parse_error_of(negative.dump()).find("field 'segment'"), std::string::npos);

  json unknown_kind = payload;
  unknown_kind["kind"] = "shout";
  EXPECT_NE(parse_error_of(unknown_kind.dump()).find("unknown kind 'shout'"), std::string::npos);

  json bad_status = {{"schema", 1}, {"kind", "status"}, {"source", "daemon"}, {"sequence", 1},
                     {"status", {{"model", 5}}}};
  EXPECT_NE(parse_error_of(bad_status.dump()).find("status.wall_time_s"), std::string::npos);
}

TEST(TranscriptEvent, ANumberTooLargeForADoubleIsAParseError) {
  // Valid JSON syntax, but nlohmann throws out_of_range (not parse_error) for
  // it: `earshot listen` and `dictate` skip what parse_event refuses, and exited on this.
  const std::string payload =
      R"({"schema":1,"kind":"final","source":"mic","sequence":1,"segment":1,"audio_start_s":0,)"
      R"("audio_end_s":1,"wall_start_s":0,"wall_end_s":1,"stable_text":"hi","unstable_text":"",)"
      R"("language":"en","lag_s":1e999})";
  EXPECT_NE(parse_error_of(payload).find("not valid JSON"), std::string::npos);
}

TEST(TranscriptEvent, StateAndTaskNamesRoundTrip) {
  for (SourceState state : {SourceState::kStarting, SourceState::kRunning, SourceState::kPaused,
                            SourceState::kStopped, SourceState::kFailed}) {
    EXPECT_EQ(source_state_from_name(source_state_name(state)), state);
  }
  EXPECT_EQ(task_from_name("translate"), Task::kTranslate);
  EXPECT_EQ(task_from_name("sing"), std::nullopt);
}

TEST(TranscriptEvent, TopicOfRejectsBadSourceLabels) {
  TranscriptEvent event = partial_event();
  event.source = "mic/1";
  EXPECT_THROW(topic_of(event), std::invalid_argument);
}

}  // namespace
}  // namespace earshot::ipc
