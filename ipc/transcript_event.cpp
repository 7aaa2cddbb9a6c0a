#include "ipc/transcript_event.h"

#include "ipc/event_json.h"
#include "ipc/json_fields.h"

namespace earshot::ipc {
namespace {

using nlohmann::json;

std::string path(const std::string& where, const std::string& name) {
  return where.empty() ? name : where + "." + name;
}

}  // namespace

std::string_view source_state_name(SourceState state) {
  switch (state) {
    case SourceState::kStarting: return "starting";
    case SourceState::kRunning: return "running";
    case SourceState::kPaused: return "paused";
    case SourceState::kStopped: return "stopped";
    case SourceState::kFailed: return "failed";
  }
  return "unknown";
}

std::optional<SourceState> source_state_from_name(std::string_view name) {
  for (SourceState state : {SourceState::kStarting, SourceState::kRunning, SourceState::kPaused,
                            SourceState::kStopped, SourceState::kFailed}) {
    if (source_state_name(state) == name) return state;
  }
  return std::nullopt;
}

std::string_view task_name(Task task) {
  switch (task) {
    case Task::kTranscribe: return "transcribe";
    case Task::kTranslate: return "translate";
  }
  return "unknown";
}

std::optional<Task> task_from_name(std::string_view name) {
  if (name == "transcribe") return Task::kTranscribe;
  if (name == "translate") return Task::kTranslate;
  return std::nullopt;
}

json source_status_to_json(const SourceStatus& source) {
  return json{{"source", source.source},
              {"state", source_state_name(source.state)},
              {"task", task_name(source.task)},
              {"language", source.language},
              {"target_language", source.target_language},
              {"lag_s", finite_or_zero(source.lag_s)},
              {"dropped_audio_s", finite_or_zero(source.dropped_audio_s)},
              {"failed_segments", source.n_failed_segments},
              {"no_audio_s", finite_or_zero(source.no_audio_s)},
              {"error", source.error}};
}

json daemon_status_to_json(const DaemonStatus& status) {
  json sources = json::array();
  for (const SourceStatus& source : status.sources) sources.push_back(source_status_to_json(source));
  return json{{"wall_time_s", finite_or_zero(status.wall_time_s)},
              {"model", status.model},
              {"real_time_factor", finite_or_zero(status.real_time_factor)},
              {"uptime_s", finite_or_zero(status.uptime_s)},
              {"subscribers", status.n_subscribers},
              {"drops",
               {{"queue_full", status.drops.n_queue_full},
                {"send_failed", status.drops.n_send_failed},
                {"rejected", status.drops.n_rejected}}},
              {"refused_clients", status.n_refused_clients},
              {"sources", std::move(sources)}};
}

json event_to_json(const TranscriptEvent& event) {
  json out{{"schema", kSchemaVersion},
           {"kind", kind_name(event.kind)},
           {"source", event.source},
           {"sequence", event.sequence}};
  if (event.kind == EventKind::kStatus) {
    out["status"] = daemon_status_to_json(event.status.value_or(DaemonStatus{}));
    return out;
  }
  out["segment"] = event.segment_id;
  out["audio_start_s"] = finite_or_zero(event.audio_start_s);
  out["audio_end_s"] = finite_or_zero(event.audio_end_s);
  out["wall_start_s"] = finite_or_zero(event.wall_start_s);
  out["wall_end_s"] = finite_or_zero(event.wall_end_s);
  out["stable_text"] = event.stable_text;
  out["unstable_text"] = event.unstable_text;
  out["language"] = event.language;
  if (event.kind == EventKind::kTranslation) out["target_language"] = event.target_language;
  out["lag_s"] = finite_or_zero(event.lag_s);
  return out;
}

void check_schema(const json& value, const std::string& where) {
  const JsonFields fields(value, where);
  const uint64_t schema = fields.unsigned_integer("schema");
  if (schema != static_cast<uint64_t>(kSchemaVersion)) {
    throw JsonFieldError("unsupported schema " + std::to_string(schema) + " (this reader knows schema " +
                         std::to_string(kSchemaVersion) + ")");
  }
}

SourceStatus source_status_from_json(const json& value, const std::string& where) {
  const JsonFields fields(value, where);
  SourceStatus source;
  source.source = fields.string("source");
  const std::string state = fields.string("state");
  const std::optional<SourceState> parsed_state = source_state_from_name(state);
  if (!parsed_state) throw JsonFieldError(fields.describe("state") + ": unknown state '" + state + "'");
  source.state = *parsed_state;
  const std::string task = fields.string("task");
  const std::optional<Task> parsed_task = task_from_name(task);
  if (!parsed_task) throw JsonFieldError(fields.describe("task") + ": unknown task '" + task + "'");
  source.task = *parsed_task;
  source.language = fields.string("language");
  source.target_language = fields.string("target_language");
  source.lag_s = fields.number("lag_s");
  source.dropped_audio_s = fields.number("dropped_audio_s");
  source.n_failed_segments = fields.unsigned_integer_or("failed_segments", 0);  // added within schema 1
  source.no_audio_s = fields.number_or("no_audio_s", 0);                       // added within schema 1
  source.error = fields.string_or("error", "");
  return source;
}

DaemonStatus daemon_status_from_json(const json& value, const std::string& where) {
  const JsonFields fields(value, where);
  DaemonStatus status;
  status.wall_time_s = fields.number("wall_time_s");
  status.model = fields.string("model");
  status.real_time_factor = fields.number("real_time_factor");
  status.uptime_s = fields.number("uptime_s");
  status.n_subscribers = static_cast<int>(fields.unsigned_integer("subscribers"));
  const JsonFields drops(fields.object("drops"), path(where, "drops"));
  status.drops.n_queue_full = drops.unsigned_integer("queue_full");
  status.drops.n_send_failed = drops.unsigned_integer("send_failed");
  status.drops.n_rejected = drops.unsigned_integer_or("rejected", 0);             // added within schema 1
  status.n_refused_clients = fields.unsigned_integer_or("refused_clients", 0);  // added within schema 1
  const json& sources = fields.array("sources");
  for (size_t i = 0; i < sources.size(); ++i) {
    status.sources.push_back(
        source_status_from_json(sources[i], path(where, "sources[" + std::to_string(i) + "]")));
  }
  return status;
}

TranscriptEvent event_from_json(const json& value, const std::string& where) {
  check_schema(value, where);
  const JsonFields fields(value, where);
  TranscriptEvent event;
  const std::string kind = fields.string("kind");
  const std::optional<EventKind> parsed_kind = kind_from_name(kind);
  if (!parsed_kind) throw JsonFieldError(fields.describe("kind") + ": unknown kind '" + kind + "'");
  event.kind = *parsed_kind;
  event.source = fields.string("source");
  event.sequence = fields.unsigned_integer("sequence");
  if (event.kind == EventKind::kStatus) {
    event.status = daemon_status_from_json(fields.object("status"), path(where, "status"));
    return event;
  }
  event.segment_id = fields.unsigned_integer("segment");
  event.audio_start_s = fields.number("audio_start_s");
  event.audio_end_s = fields.number("audio_end_s");
  event.wall_start_s = fields.number("wall_start_s");
  event.wall_end_s = fields.number("wall_end_s");
  event.stable_text = fields.string("stable_text");
  event.unstable_text = fields.string("unstable_text");
  event.language = fields.string("language");
  if (event.kind == EventKind::kTranslation) event.target_language = fields.string("target_language");
  event.lag_s = fields.number("lag_s");
  return event;
}

std::string topic_of(const TranscriptEvent& event) {
  return make_topic(event.kind, event.source, event.target_language);
}

std::string serialize_event(const TranscriptEvent& event) { return dump_json(event_to_json(event)); }

TranscriptEvent parse_event(std::string_view payload) {
  json value;
  try {
    value = json::parse(payload);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number such as 1e999
    throw EventParseError(std::string("event is not valid JSON: ") + e.what());
  }
  try {
    return event_from_json(value, "");
  } catch (const JsonFieldError& e) {
    throw EventParseError(std::string("bad event: ") + e.what());
  }
}

}  // namespace earshot::ipc
