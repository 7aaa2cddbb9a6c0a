#include "ipc/control_client.h"

#include <cerrno>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "ipc/event_json.h"
#include "ipc/json_fields.h"
#include "ipc/socket_setup.h"

namespace earshot::ipc {
namespace {

using nlohmann::json;

// Parses a reply; throws ControlError for a malformed reply or {"ok": false}.
json checked_reply(const std::string& text, const std::string& endpoint) {
  try {
    json reply = json::parse(text);
    check_schema(reply, "reply");
    const JsonFields fields(reply, "reply");
    const json& ok = fields.at("ok");
    if (!ok.is_boolean()) throw JsonFieldError(fields.describe("ok") + ": expected a boolean");
    if (!ok.get<bool>()) throw ControlError(endpoint + " refused: " + fields.string_or("error", "(no reason)"));
    return reply;
  } catch (const json::exception& e) {  // parse_error, or out_of_range for a number such as 1e999
    throw ControlError("malformed reply from " + endpoint + ": " + e.what());
  } catch (const JsonFieldError& e) {
    throw ControlError("malformed reply from " + endpoint + ": " + e.what());
  }
}

}  // namespace

struct ControlClient::Impl {
  explicit Impl(ControlClientOptions options_in) : options(std::move(options_in)) {}

  const ControlClientOptions options;
  zmq::context_t context{1};
};

ControlClient::ControlClient(ControlClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

ControlClient::~ControlClient() = default;

std::string ControlClient::request(const std::string& request_json) {
  const ControlClientOptions& options = impl_->options;
  zmq::socket_t socket(impl_->context, zmq::socket_type::req);
  try {
    configure_socket(socket,
                     SocketSecurity{.curve_server_public_key = options.curve_server_public_key,
                                    .curve_client_secret_key = options.curve_client_secret_key},
                     0);
    connect_socket(socket, options.endpoint, "control client");
    socket.send(zmq::buffer(request_json), zmq::send_flags::none);
  } catch (const std::runtime_error& e) {
    throw ControlError(e.what());
  }
  zmq_pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    const int rc = zmq_poll(&item, 1, static_cast<long>(left.count()));
    if (rc < 0 && zmq_errno() == EINTR) continue;
    if (rc <= 0) break;
    zmq::message_t reply;
    if (socket.recv(reply, zmq::recv_flags::dontwait)) return reply.to_string();
  }
  throw ControlError("no reply from " + options.endpoint + " within " + std::to_string(options.timeout.count()) +
                     " ms (is earshotd running?)");
}

DaemonStatus ControlClient::status() {
  const json reply = checked_reply(request(R"({"command":"status"})"), impl_->options.endpoint);
  try {
    return daemon_status_from_json(JsonFields(reply, "reply").object("status"), "reply.status");
  } catch (const JsonFieldError& e) {
    throw ControlError("malformed status from " + impl_->options.endpoint + ": " + e.what());
  }
}

std::vector<SourceStatus> ControlClient::list_sources() {
  const json reply = checked_reply(request(R"({"command":"list_sources"})"), impl_->options.endpoint);
  std::vector<SourceStatus> sources;
  try {
    const json& list = JsonFields(reply, "reply").array("sources");
    for (size_t i = 0; i < list.size(); ++i) {
      sources.push_back(source_status_from_json(list[i], "reply.sources[" + std::to_string(i) + "]"));
    }
  } catch (const JsonFieldError& e) {
    throw ControlError("malformed source list from " + impl_->options.endpoint + ": " + e.what());
  }
  return sources;
}

std::vector<TranscriptEvent> ControlClient::history(const std::string& source, size_t count) {
  json command{{"command", "history"}, {"count", count}};
  if (!source.empty()) command["source"] = source;
  const json reply = checked_reply(request(dump_json(command)), impl_->options.endpoint);
  std::vector<TranscriptEvent> finals;
  try {
    const json& list = JsonFields(reply, "reply").array("finals");
    for (size_t i = 0; i < list.size(); ++i) {
      finals.push_back(event_from_json(list[i], "reply.finals[" + std::to_string(i) + "]"));
    }
  } catch (const JsonFieldError& e) {
    throw ControlError("malformed history from " + impl_->options.endpoint + ": " + e.what());
  }
  return finals;
}

void ControlClient::pause(const std::string& source) {
  checked_reply(request(dump_json(json{{"command", "pause"}, {"source", source}})), impl_->options.endpoint);
}

void ControlClient::resume(const std::string& source) {
  checked_reply(request(dump_json(json{{"command", "resume"}, {"source", source}})), impl_->options.endpoint);
}

void ControlClient::set(const SourceSettings& settings) {
  json command{{"command", "set"}, {"source", settings.source}};
  if (settings.task) command["task"] = task_name(*settings.task);
  if (settings.language) command["language"] = *settings.language;
  if (settings.target_language) command["target_language"] = *settings.target_language;
  checked_reply(request(dump_json(command)), impl_->options.endpoint);
}

}  // namespace earshot::ipc
