// The control socket: a ZeroMQ REP socket answering JSON commands (status,
// list_sources, pause, resume, set, history) through a ControlHandler.
//
//   ipc::ControlServer control({.endpoint = endpoints.control}, handler, history);
//
// Thread contract: the constructor binds (throws on failure) and starts the one
// thread that owns the socket and calls the handler; the destructor stops and
// joins it. Requests over max_request_bytes get an error reply; requests over
// max_message_bytes are cut off by ZeroMQ, which closes that client's connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ipc/control_protocol.h"

namespace earshot::ipc {

class ControlHandler;
class History;

struct ControlServerOptions {
  std::string endpoint{};
  std::string curve_secret_key{};  // serve with CURVE (required off loopback)
  std::string curve_authorized_keys{};  // file or directory of the client public keys let in
                                        //   (ipc/authorized_keys.h); "" = any client with the server key
  size_t max_request_bytes = kDefaultMaxControlRequestBytes;
  int64_t max_message_bytes = 16 * 1024 * 1024;
  int linger_ms = 0;
};

class ControlServer {
 public:
  // `handler` and `history` must outlive the server.
  ControlServer(ControlServerOptions options, ControlHandler& handler, const History& history);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::string& endpoint() const;  // as bound
  uint64_t n_requests() const;          // answered so far
  uint64_t n_errors() const;            // of which error replies
  uint64_t n_refused_clients() const;   // CURVE handshakes refused: client key not authorized
  std::string last_refused_key() const;  // the latest such client's public key (Z85); "" if none

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace earshot::ipc
