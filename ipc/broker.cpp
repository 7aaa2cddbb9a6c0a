#include "ipc/broker.h"

#include <atomic>
#include <stdexcept>

#include <zmq.hpp>

#include "ipc/socket_setup.h"
#include "ipc/zap_authenticator.h"

namespace earshot::ipc {

struct Broker::Impl {
  explicit Impl(BrokerOptions options_in) : options(std::move(options_in)) {}

  const BrokerOptions options;
  zmq::context_t context{1};
  std::unique_ptr<ZapAuthenticator> authenticator;  // outlives the sockets it checks clients for
  zmq::socket_t frontend{context, zmq::socket_type::xsub};
  zmq::socket_t backend{context, zmq::socket_type::xpub};
  zmq::socket_t steering{context, zmq::socket_type::pair};  // receives "TERMINATE"
  std::string steering_endpoint;
  std::string frontend_endpoint;
  std::string backend_endpoint;
  std::atomic<bool> stop_sent{false};
};

Broker::Broker(BrokerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl& impl = *impl_;
  const SocketSecurity security{.curve_secret_key = impl.options.curve_secret_key,
                                .curve_authorized_keys = impl.options.curve_authorized_keys};
  configure_socket(impl.frontend, security, 0);
  impl.authenticator = make_client_authenticator(impl.context, security, "broker");
  configure_socket(impl.backend, security, 0);
  impl.frontend.set(zmq::sockopt::rcvhwm, impl.options.high_water_mark);
  impl.backend.set(zmq::sockopt::sndhwm, impl.options.high_water_mark);
  impl.steering.set(zmq::sockopt::linger, 0);
  impl.steering_endpoint = "inproc://earshot-broker-steering-" + std::to_string(reinterpret_cast<uintptr_t>(this));
  impl.steering.bind(impl.steering_endpoint);
  impl.frontend_endpoint = bind_socket(impl.frontend, impl.options.frontend, security, "broker frontend");
  impl.backend_endpoint = bind_socket(impl.backend, impl.options.backend, security, "broker backend");
}

Broker::~Broker() = default;

void Broker::run() {
  Impl& impl = *impl_;
  while (true) {
    const int rc = zmq_proxy_steerable(impl.frontend.handle(), impl.backend.handle(), nullptr, impl.steering.handle());
    if (rc == 0) return;  // TERMINATE
    if (zmq_errno() == EINTR && !impl.stop_sent.load()) continue;
    if (impl.stop_sent.load()) return;
    throw std::runtime_error(std::string("broker proxy failed: ") + zmq_strerror(zmq_errno()));
  }
}

void Broker::stop() {
  Impl& impl = *impl_;
  if (impl.stop_sent.exchange(true)) return;
  zmq::socket_t command(impl.context, zmq::socket_type::pair);
  command.set(zmq::sockopt::linger, 1000);
  command.connect(impl.steering_endpoint);
  command.send(zmq::str_buffer("TERMINATE"), zmq::send_flags::none);
}

const std::string& Broker::frontend_endpoint() const { return impl_->frontend_endpoint; }
const std::string& Broker::backend_endpoint() const { return impl_->backend_endpoint; }
uint64_t Broker::n_refused_clients() const {
  return impl_->authenticator ? impl_->authenticator->n_refused() : 0;
}

}  // namespace earshot::ipc
