#include "ipc/zap_authenticator.h"

#include <cerrno>
#include <stdexcept>
#include <vector>

#include "ipc/authorized_keys.h"
#include "ipc/curve_keys.h"
#include "ipc/socket_setup.h"

namespace earshot::ipc {
namespace {

constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";  // fixed by RFC 27
constexpr size_t kBinaryKeyBytes = 32;

// The frames of a ZAP request: version, request id, domain, address, routing id,
// mechanism, then the mechanism's credentials (CURVE: the 32-byte client key).
enum ZapRequestFrame : size_t { kVersion, kRequestId, kDomain, kAddress, kRoutingId, kMechanism, kClientKey };

std::string z85_of_binary_key(const zmq::message_t& key) {
  if (key.size() != kBinaryKeyBytes) return {};
  char text[kZ85KeyLength + 1] = {};
  if (zmq_z85_encode(text, static_cast<const uint8_t*>(key.data()), kBinaryKeyBytes) == nullptr) return {};
  return text;
}

}  // namespace

ZapAuthenticator::ZapAuthenticator(zmq::context_t& context, std::set<std::string> authorized_keys)
    : authorized_keys_(std::move(authorized_keys)), socket_(context, zmq::socket_type::rep) {
  socket_.set(zmq::sockopt::linger, 0);
  try {
    socket_.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    throw std::runtime_error(std::string("cannot start the client key check on ") + kZapEndpoint + ": " + e.what());
  }
  thread_ = std::thread([this] { run(); });
}

ZapAuthenticator::~ZapAuthenticator() {
  stopping_.store(true);
  wake_.notify();
  thread_.join();
}

void ZapAuthenticator::run() noexcept {
  zmq_pollitem_t items[2] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake_.fd(), ZMQ_POLLIN, 0}};
  while (!stopping_.load()) {
    if (zmq_poll(items, 2, -1) < 0) {
      if (zmq_errno() == EINTR) continue;
      break;  // the context is gone
    }
    if (items[0].revents & ZMQ_POLLIN) {
      try {
        answer_one();
      } catch (const zmq::error_t&) {
        // The handshake that asked waits no more (its connection closed); carry on.
      }
    }
  }
}

std::string ZapAuthenticator::last_refused_key() const {
  std::lock_guard lock(refused_mutex_);
  return last_refused_key_;
}

void ZapAuthenticator::answer_one() {
  std::vector<zmq::message_t> request;
  do {
    request.emplace_back();
    if (!socket_.recv(request.back(), zmq::recv_flags::dontwait)) return;
  } while (request.back().more());

  // Only libzmq writes to this endpoint, so a short request is a libzmq bug;
  // it is refused all the same.
  const bool well_formed = request.size() > kClientKey && request[kVersion].to_string_view() == "1.0";
  const bool curve = well_formed && request[kMechanism].to_string_view() == "CURVE";
  const std::string client_key = curve ? z85_of_binary_key(request[kClientKey]) : std::string();
  const bool allowed = curve && authorized_keys_.contains(client_key);
  if (!allowed && !client_key.empty()) {
    std::lock_guard lock(refused_mutex_);
    last_refused_key_ = client_key;
  }
  (allowed ? n_allowed_ : n_refused_).fetch_add(1, std::memory_order_relaxed);

  const std::string request_id = request.size() > kRequestId ? request[kRequestId].to_string() : std::string();
  const std::string status_code = allowed ? "200" : (well_formed ? "400" : "500");
  const std::string status_text = allowed ? "OK" : "client key not authorized";
  socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(request_id), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(status_code), zmq::send_flags::sndmore);
  socket_.send(zmq::buffer(status_text), zmq::send_flags::sndmore);
  socket_.send(zmq::str_buffer(""), zmq::send_flags::sndmore);  // user id
  socket_.send(zmq::str_buffer(""), zmq::send_flags::none);     // metadata
}

std::unique_ptr<ZapAuthenticator> make_client_authenticator(zmq::context_t& context, const SocketSecurity& security,
                                                            const char* role) {
  if (security.curve_authorized_keys.empty()) return nullptr;
  if (security.curve_secret_key.empty()) {
    throw std::runtime_error(std::string(role) + ": authorized client keys (" + security.curve_authorized_keys +
                             ") need a CURVE secret key: without CURVE no client has a key to check");
  }
  try {
    return std::make_unique<ZapAuthenticator>(context, load_authorized_keys(security.curve_authorized_keys));
  } catch (const std::runtime_error& e) {
    throw std::runtime_error(std::string(role) + ": " + e.what());
  }
}

}  // namespace earshot::ipc
