// A client of the control socket (docs/protocol.md, "Control commands"): sends
// one JSON request and waits a bounded time for the reply.
//
//   ipc::ControlClient control({.endpoint = endpoints.control});
//   ipc::DaemonStatus status = control.status();
//
// Thread contract: one thread uses a ControlClient. Each request uses a fresh
// REQ socket, so a request that timed out leaves nothing stuck behind.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "ipc/control_handler.h"
#include "ipc/transcript_event.h"

namespace earshot::ipc {

// No reply in time, a malformed reply, or an error reply from the daemon.
class ControlError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ControlClientOptions {
  std::string endpoint{};
  std::string curve_server_public_key{};  // when the control socket uses CURVE
  std::string curve_client_secret_key{};  // own secret key, for a server that checks client keys
  std::chrono::milliseconds timeout{2000};
};

class ControlClient {
 public:
  explicit ControlClient(ControlClientOptions options);
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // The raw reply to a raw request. Throws ControlError when no reply comes in time.
  std::string request(const std::string& request_json);

  // Typed commands; they throw ControlError with the daemon's message on {"ok":false}.
  DaemonStatus status();
  std::vector<SourceStatus> list_sources();
  std::vector<TranscriptEvent> history(const std::string& source, size_t count);  // source "" = all
  void pause(const std::string& source);
  void resume(const std::string& source);
  void set(const SourceSettings& settings);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace earshot::ipc
