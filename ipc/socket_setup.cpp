#include "ipc/socket_setup.h"

#include <stdexcept>

#include "ipc/curve_keys.h"
#include "ipc/endpoint_policy.h"

namespace earshot::ipc {
namespace {

void require_curve() {
  if (!curve_available()) {
    throw std::runtime_error("CURVE keys were given but this libzmq has no CURVE support");
  }
}

// The client's own key pair: the given one (which a server's allowlist may
// name), or a throw-away pair for servers that let in any client with their key.
CurveKeyPair client_key_pair(const std::string& secret_key) {
  if (secret_key.empty()) return generate_curve_keypair();
  if (!is_z85_key(secret_key)) {
    throw std::runtime_error("the CURVE client secret key is not 40 characters of Z85 text");
  }
  return CurveKeyPair{curve_public_key_of(secret_key), secret_key};
}

}  // namespace

void configure_socket(zmq::socket_t& socket, const SocketSecurity& security, int linger_ms) {
  socket.set(zmq::sockopt::linger, linger_ms);
  if (!security.curve_client_secret_key.empty() && security.curve_server_public_key.empty()) {
    throw std::runtime_error("a CURVE client secret key was given without the server's public key");
  }
  if (!security.curve_secret_key.empty()) {
    require_curve();
    if (!is_z85_key(security.curve_secret_key)) {
      throw std::runtime_error("the CURVE server secret key is not 40 characters of Z85 text");
    }
    socket.set(zmq::sockopt::curve_server, 1);
    socket.set(zmq::sockopt::curve_secretkey, security.curve_secret_key);
  }
  if (!security.curve_server_public_key.empty()) {
    require_curve();
    if (!is_z85_key(security.curve_server_public_key)) {
      throw std::runtime_error("the CURVE server public key is not 40 characters of Z85 text");
    }
    const CurveKeyPair own = client_key_pair(security.curve_client_secret_key);
    socket.set(zmq::sockopt::curve_serverkey, security.curve_server_public_key);
    socket.set(zmq::sockopt::curve_publickey, own.public_key);
    socket.set(zmq::sockopt::curve_secretkey, own.secret_key);
  }
}

std::string bind_socket(zmq::socket_t& socket, const std::string& endpoint, const SocketSecurity& security,
                        const char* role) {
  try {
    check_bind_allowed(endpoint, !security.curve_secret_key.empty());
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string(role) + ": " + e.what());
  }
  try {
    socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string(role) + ": cannot bind " + endpoint + ": " + e.what());
  }
  return socket.get(zmq::sockopt::last_endpoint);
}

void connect_socket(zmq::socket_t& socket, const std::string& endpoint, const char* role) {
  try {
    endpoint_scope(endpoint);  // rejects transports earshot does not speak
    socket.connect(endpoint);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(std::string(role) + ": " + e.what());
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string(role) + ": cannot connect to " + endpoint + ": " + e.what());
  }
}

}  // namespace earshot::ipc
