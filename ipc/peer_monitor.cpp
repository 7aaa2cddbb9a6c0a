#include "ipc/peer_monitor.h"

#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace earshot::ipc {

PeerMonitor::PeerMonitor(zmq::context_t& context, zmq::socket_t& monitored, const std::string& name)
    : monitored_(monitored), events_(context, zmq::socket_type::pair) {
  const std::string endpoint = "inproc://earshot-monitor-" + name;
  constexpr int kEvents = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED;
  if (zmq_socket_monitor(monitored_.handle(), endpoint.c_str(), kEvents) != 0) {
    throw std::runtime_error("cannot monitor socket " + name + ": " + zmq_strerror(zmq_errno()));
  }
  events_.set(zmq::sockopt::linger, 0);
  events_.connect(endpoint);
}

PeerMonitor::~PeerMonitor() { zmq_socket_monitor(monitored_.handle(), nullptr, 0); }

int PeerMonitor::read_events() {
  while (true) {
    // Frame 1: uint16 event id, uint32 value; frame 2: the endpoint.
    zmq::message_t header;
    if (!events_.recv(header, zmq::recv_flags::dontwait)) break;
    uint16_t event = 0;
    if (header.size() >= sizeof event) std::memcpy(&event, header.data(), sizeof event);
    while (events_.get(zmq::sockopt::rcvmore)) {
      zmq::message_t rest;
      if (!events_.recv(rest, zmq::recv_flags::dontwait)) break;
    }
    if (event == ZMQ_EVENT_ACCEPTED || event == ZMQ_EVENT_CONNECTED) ++n_peers_;
    if (event == ZMQ_EVENT_DISCONNECTED && n_peers_ > 0) --n_peers_;
  }
  return n_peers_;
}

}  // namespace earshot::ipc
