#include "ipc/control_server.h"

#include <atomic>
#include <thread>

#include <zmq.hpp>

#include "ipc/control_handler.h"
#include "ipc/history.h"
#include "ipc/socket_setup.h"
#include "ipc/wake_fd.h"
#include "ipc/zap_authenticator.h"

namespace earshot::ipc {

struct ControlServer::Impl {
  Impl(ControlServerOptions options_in, ControlHandler& handler_in, const History& history_in);
  ~Impl();

  void run() noexcept;  // the control thread
  void answer_one();

  const ControlServerOptions options;
  ControlHandler& handler;
  const History& history;
  zmq::context_t context{1};
  std::unique_ptr<ZapAuthenticator> authenticator;  // outlives the socket it checks clients for
  zmq::socket_t socket{context, zmq::socket_type::rep};
  std::string endpoint;
  WakeFd wake;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> n_requests{0};
  std::atomic<uint64_t> n_errors{0};
  std::thread thread;
};

ControlServer::Impl::Impl(ControlServerOptions options_in, ControlHandler& handler_in, const History& history_in)
    : options(std::move(options_in)), handler(handler_in), history(history_in) {
  const SocketSecurity security{.curve_secret_key = options.curve_secret_key,
                                .curve_authorized_keys = options.curve_authorized_keys};
  configure_socket(socket, security, options.linger_ms);
  authenticator = make_client_authenticator(context, security, "control server");
  socket.set(zmq::sockopt::maxmsgsize, options.max_message_bytes);
  endpoint = bind_socket(socket, options.endpoint, security, "control server");
  thread = std::thread([this] { run(); });
}

ControlServer::Impl::~Impl() {
  stopping.store(true);
  wake.notify();
  if (thread.joinable()) thread.join();
}

void ControlServer::Impl::run() noexcept {
  zmq_pollitem_t items[2] = {{socket.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, wake.fd(), ZMQ_POLLIN, 0}};
  while (!stopping.load()) {
    if (zmq_poll(items, 2, -1) < 0) {
      if (zmq_errno() == EINTR) continue;
      break;
    }
    if (items[0].revents & ZMQ_POLLIN) {
      try {
        answer_one();
      } catch (...) {
        n_errors.fetch_add(1, std::memory_order_relaxed);
      }
    }
  }
}

void ControlServer::Impl::answer_one() {
  zmq::message_t request;
  if (!socket.recv(request, zmq::recv_flags::dontwait)) return;
  size_t n_frames = 1;
  for (bool more = request.more(); more;) {
    zmq::message_t extra;
    if (!socket.recv(extra, zmq::recv_flags::dontwait)) break;
    ++n_frames;
    more = extra.more();
  }
  // Every request gets a reply, whatever happens: until it has sent one, a REP
  // socket receives nothing more, and every later client would wait in vain.
  ControlReply reply;
  try {
    reply = n_frames == 1
                ? answer_control_request(request.to_string_view(), handler, history, options.max_request_bytes)
                : ControlReply{control_error_reply("a request is one frame, got " + std::to_string(n_frames)), false};
  } catch (...) {
    reply = ControlReply{control_error_reply("the daemon failed to answer this request"), false};
  }
  n_requests.fetch_add(1, std::memory_order_relaxed);
  if (!reply.ok) n_errors.fetch_add(1, std::memory_order_relaxed);
  socket.send(zmq::buffer(reply.json), zmq::send_flags::dontwait);
}

ControlServer::ControlServer(ControlServerOptions options, ControlHandler& handler, const History& history)
    : impl_(std::make_unique<Impl>(std::move(options), handler, history)) {}

ControlServer::~ControlServer() = default;

const std::string& ControlServer::endpoint() const { return impl_->endpoint; }
uint64_t ControlServer::n_requests() const { return impl_->n_requests.load(std::memory_order_relaxed); }
uint64_t ControlServer::n_errors() const { return impl_->n_errors.load(std::memory_order_relaxed); }
uint64_t ControlServer::n_refused_clients() const {
  return impl_->authenticator ? impl_->authenticator->n_refused() : 0;
}

std::string ControlServer::last_refused_key() const {
  return impl_->authenticator ? impl_->authenticator->last_refused_key() : std::string();
}

}  // namespace earshot::ipc
