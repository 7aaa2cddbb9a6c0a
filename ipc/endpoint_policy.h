// Which endpoints earshot may bind, and with what protection. Unix sockets
// (ipc://) are protected by their directory's permissions; TCP on the loopback
// interface is reachable by every local user; TCP on any other interface is
// reachable from the network and is only allowed with CURVE (encryption and
// server authentication). Plain functions: any thread.
#pragma once

#include <string_view>

namespace earshot::ipc {

enum class EndpointScope {
  kProcess,   // inproc://
  kLocal,     // ipc:// (a Unix socket)
  kLoopback,  // tcp://127.x.x.x:port, tcp://[::1]:port, tcp://localhost:port
  kNetwork,   // any other tcp:// address, interface name or wildcard
};

// Throws std::invalid_argument for transports earshot does not use (pgm, udp,
// ...) or a malformed endpoint.
EndpointScope endpoint_scope(std::string_view endpoint);

// Throws std::invalid_argument with a message the user can act on when binding
// `endpoint` without CURVE would expose the bus to the network.
void check_bind_allowed(std::string_view endpoint, bool uses_curve);

}  // namespace earshot::ipc
