// Internal to ipc/: the options every earshot socket gets (linger, CURVE) and
// bind/connect with errors that name the endpoint and the role of the socket.
// Called on the thread that creates the socket, before it is handed on.
#pragma once

#include <string>

#include <zmq.hpp>

namespace earshot::ipc {

struct SocketSecurity {
  std::string curve_secret_key{};         // server side: serve with CURVE when set
  std::string curve_authorized_keys{};    // server side: allowlist file or directory (make_client_authenticator)
  std::string curve_server_public_key{};  // client side: connect with CURVE when set
  std::string curve_client_secret_key{};  // client side: own key pair's secret; "" = a throw-away pair
};

// Linger so that closing the socket cannot hang, and the CURVE options.
// Throws std::runtime_error when a key is malformed or CURVE is unavailable.
void configure_socket(zmq::socket_t& socket, const SocketSecurity& security, int linger_ms);

// Checks check_bind_allowed(), binds, and returns the endpoint as bound (with
// the real port for "tcp://127.0.0.1:*"). Throws std::runtime_error saying
// which socket (`role`, e.g. "bus publisher") could not bind where, and why.
std::string bind_socket(zmq::socket_t& socket, const std::string& endpoint, const SocketSecurity& security,
                        const char* role);

// Connects; throws std::runtime_error naming the role and endpoint.
void connect_socket(zmq::socket_t& socket, const std::string& endpoint, const char* role);

}  // namespace earshot::ipc
