#include "ipc/subscriber.h"

#include <zmq.hpp>

#include "ipc/socket_setup.h"

namespace earshot::ipc {

struct Subscriber::Impl {
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::sub};
  uint64_t n_malformed = 0;
};

Subscriber::Subscriber(SubscriberOptions options) : impl_(std::make_unique<Impl>()) {
  zmq::socket_t& socket = impl_->socket;
  configure_socket(socket,
                   SocketSecurity{.curve_server_public_key = options.curve_server_public_key,
                                  .curve_client_secret_key = options.curve_client_secret_key},
                   0);
  socket.set(zmq::sockopt::rcvhwm, options.receive_high_water_mark);
  for (const std::string& prefix : options.topic_prefixes) socket.set(zmq::sockopt::subscribe, prefix);
  connect_socket(socket, options.endpoint, "bus subscriber");
}

Subscriber::~Subscriber() = default;

std::optional<BusMessage> Subscriber::receive(std::chrono::milliseconds timeout) {
  zmq::socket_t& socket = impl_->socket;
  zmq_pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (zmq_poll(&item, 1, std::max<long>(0, static_cast<long>(left.count()))) <= 0) return std::nullopt;
    std::vector<zmq::message_t> frames;
    while (true) {
      zmq::message_t frame;
      if (!socket.recv(frame, zmq::recv_flags::dontwait)) break;
      const bool more = frame.more();
      frames.push_back(std::move(frame));
      if (!more) break;
    }
    if (frames.size() == 2) return BusMessage{frames[0].to_string(), frames[1].to_string()};
    if (!frames.empty()) ++impl_->n_malformed;
  }
}

uint64_t Subscriber::n_malformed() const { return impl_->n_malformed; }

}  // namespace earshot::ipc
