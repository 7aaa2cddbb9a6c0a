#include "ipc/control_protocol.h"

#include <algorithm>
#include <exception>

#include <nlohmann/json.hpp>

#include "ipc/control_handler.h"
#include "ipc/event_json.h"
#include "ipc/history.h"
#include "ipc/json_fields.h"

namespace earshot::ipc {
namespace {

using nlohmann::json;

// A request that cannot be carried out; its message goes into the error reply.
class RequestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

json ok_reply() { return json{{"schema", kSchemaVersion}, {"ok", true}}; }

json error_reply(const std::string& error) {
  return json{{"schema", kSchemaVersion}, {"ok", false}, {"error", error}};
}

json result_reply(const ControlResult& result) { return result.ok() ? ok_reply() : error_reply(result.error); }

std::string source_field(const JsonFields& fields) {
  const std::string source = fields.string("source");
  if (!is_valid_source_label(source)) {
    throw RequestError(fields.describe("source") + ": '" + source +
                       "' is not a source label (1-64 letters, digits, '-' or '_')");
  }
  return source;
}

// A tag ("es") or an English name ("Norwegian Bokmål"): which ones are known
// is the handler's to say; here only the shape is bounded.
bool is_language_tag_or_name(std::string_view value) {
  constexpr size_t kMaxLanguageBytes = 64;
  if (value.size() > kMaxLanguageBytes) return false;
  for (unsigned char c : value) {
    if (c < 0x20 || c == 0x7f) return false;  // control characters
  }
  return true;
}

std::optional<std::string> language_field(const JsonFields& fields, const char* name) {
  if (!fields.has(name)) return std::nullopt;
  const std::string language = fields.string(name);
  if (!is_language_tag_or_name(language)) {
    throw RequestError(fields.describe(name) +
                       ": not a language tag such as \"en\" or an English name such as \"Spanish\" "
                       "(at most 64 bytes, no control characters)");
  }
  return language;
}

SourceSettings settings_from(const JsonFields& fields) {
  SourceSettings settings;
  settings.source = source_field(fields);
  if (fields.has("task")) {
    const std::string task = fields.string("task");
    settings.task = task_from_name(task);
    if (!settings.task) {
      throw RequestError(fields.describe("task") + ": '" + task + "' is neither \"transcribe\" nor \"translate\"");
    }
  }
  settings.language = language_field(fields, "language");
  settings.target_language = language_field(fields, "target_language");
  if (!settings.task && !settings.language && !settings.target_language) {
    throw RequestError("'set' needs at least one of 'task', 'language', 'target_language'");
  }
  return settings;
}

json history_reply(const JsonFields& fields, const History& history) {
  const uint64_t n_asked = fields.unsigned_integer_or("count", kDefaultHistoryCount);
  const size_t count = static_cast<size_t>(std::min<uint64_t>(n_asked, history.limits().n_finals_per_source));
  std::vector<TranscriptEvent> finals;
  if (fields.has("source")) {
    finals = history.last(source_field(fields), count);
  } else {
    for (const std::string& source : history.sources()) {
      std::vector<TranscriptEvent> of_source = history.last(source, count);
      finals.insert(finals.end(), of_source.begin(), of_source.end());
    }
    std::stable_sort(finals.begin(), finals.end(), [](const TranscriptEvent& a, const TranscriptEvent& b) {
      return a.wall_end_s < b.wall_end_s;
    });
  }
  json events = json::array();
  for (const TranscriptEvent& event : finals) events.push_back(event_to_json(event));
  json reply = ok_reply();
  reply["finals"] = std::move(events);
  return reply;
}

json carry_out(const std::string& command, const JsonFields& fields, ControlHandler& handler,
               const History& history) {
  if (command == "status") {
    json reply = ok_reply();
    reply["status"] = daemon_status_to_json(handler.status());
    return reply;
  }
  if (command == "list_sources") {
    json sources = json::array();
    for (const SourceStatus& source : handler.list_sources()) sources.push_back(source_status_to_json(source));
    json reply = ok_reply();
    reply["sources"] = std::move(sources);
    return reply;
  }
  if (command == "pause") return result_reply(handler.pause(source_field(fields)));
  if (command == "resume") return result_reply(handler.resume(source_field(fields)));
  if (command == "set") return result_reply(handler.set(settings_from(fields)));
  if (command == "history") return history_reply(fields, history);
  throw RequestError("unknown command '" + command +
                     "' (known: status, list_sources, pause, resume, set, history)");
}

// The request's "id", echoed in the reply so that clients can match them.
void echo_id(const json& request, json& reply) {
  if (!request.is_object()) return;
  const auto id = request.find("id");
  if (id != request.end() && (id->is_string() || id->is_number())) reply["id"] = *id;
}

}  // namespace

std::string control_error_reply(const std::string& error) { return dump_json(error_reply(error)); }

ControlReply answer_control_request(std::string_view request, ControlHandler& handler, const History& history,
                                   size_t max_request_bytes) {
  if (request.size() > max_request_bytes) {
    return {control_error_reply("request of " + std::to_string(request.size()) + " bytes is larger than the " +
                               std::to_string(max_request_bytes) + "-byte limit"), false};
  }
  json parsed;
  try {
    parsed = json::parse(request);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number such as 1e999
    return {control_error_reply(std::string("request is not valid JSON: ") + e.what()), false};
  }
  json reply;
  try {
    const JsonFields fields(parsed, "");
    if (fields.has("schema")) check_schema(parsed, "");
    reply = carry_out(fields.string("command"), fields, handler, history);
  } catch (const JsonFieldError& e) {
    reply = error_reply(e.what());
  } catch (const RequestError& e) {
    reply = error_reply(e.what());
  } catch (const std::exception& e) {
    reply = error_reply(std::string("the daemon failed to carry out the command: ") + e.what());
  } catch (...) {
    reply = error_reply("the daemon failed to carry out the command");
  }
  echo_id(parsed, reply);
  const bool ok = reply.value("ok", false);
  return {dump_json(reply), ok};
}

}  // namespace earshot::ipc
