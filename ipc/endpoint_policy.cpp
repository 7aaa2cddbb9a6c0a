#include "ipc/endpoint_policy.h"

#include <stdexcept>
#include <string>

namespace earshot::ipc {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// "127.0.0.1:7700" -> "127.0.0.1"; "[::1]:7700" -> "::1".
std::string_view tcp_host(std::string_view address, std::string_view endpoint) {
  std::string_view host;
  if (starts_with(address, "[")) {
    const size_t close = address.find(']');
    if (close == std::string_view::npos) {
      throw std::invalid_argument("malformed endpoint '" + std::string(endpoint) + "': missing ']'");
    }
    host = address.substr(1, close - 1);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string_view::npos) {
      throw std::invalid_argument("malformed endpoint '" + std::string(endpoint) +
                                  "': expected tcp://<address>:<port>");
    }
    host = address.substr(0, colon);
  }
  // A source address ("tcp://src;dst:port") is not used by earshot.
  if (host.find(';') != std::string_view::npos) {
    throw std::invalid_argument("endpoint '" + std::string(endpoint) + "': source addresses are not supported");
  }
  return host;
}

bool is_loopback_host(std::string_view host) {
  return starts_with(host, "127.") || host == "::1" || host == "localhost";
}

}  // namespace

EndpointScope endpoint_scope(std::string_view endpoint) {
  if (starts_with(endpoint, "inproc://")) return EndpointScope::kProcess;
  if (starts_with(endpoint, "ipc://")) {
    if (endpoint.size() == 6) throw std::invalid_argument("endpoint 'ipc://' has no path");
    return EndpointScope::kLocal;
  }
  if (starts_with(endpoint, "tcp://")) {
    return is_loopback_host(tcp_host(endpoint.substr(6), endpoint)) ? EndpointScope::kLoopback
                                                                    : EndpointScope::kNetwork;
  }
  throw std::invalid_argument("unsupported endpoint '" + std::string(endpoint) +
                              "': use ipc://<path> or tcp://<address>:<port>");
}

void check_bind_allowed(std::string_view endpoint, bool uses_curve) {
  if (endpoint_scope(endpoint) == EndpointScope::kNetwork && !uses_curve) {
    throw std::invalid_argument(
        "refusing to bind " + std::string(endpoint) +
        " without CURVE: it would let anyone on the network read transcripts. Bind "
        "tcp://127.0.0.1:<port> instead, or give a server secret key (make one with "
        "`earshot keygen`) and hand its public key to the clients");
  }
}

}  // namespace earshot::ipc
