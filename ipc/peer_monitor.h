// Internal to ipc/: counts the peers connected to one socket, from the socket's
// monitor events (accepted or connected, minus disconnected). A peer still in
// its CURVE handshake counts until the handshake fails and it is disconnected.
// Thread contract: built on the thread that built the socket; afterwards used
// only by the thread that owns the socket, and destroyed after that thread ends.
#pragma once

#include <string>

#include <zmq.hpp>

namespace earshot::ipc {

class PeerMonitor {
 public:
  // Throws std::runtime_error when the monitor cannot be set up.
  PeerMonitor(zmq::context_t& context, zmq::socket_t& monitored, const std::string& name);
  ~PeerMonitor();
  PeerMonitor(const PeerMonitor&) = delete;
  PeerMonitor& operator=(const PeerMonitor&) = delete;

  // The socket to poll for ZMQ_POLLIN.
  zmq::socket_t& events() { return events_; }

  // Reads every waiting event without blocking; returns the new peer count.
  int read_events();

  int n_peers() const { return n_peers_; }

 private:
  zmq::socket_t& monitored_;
  zmq::socket_t events_;
  int n_peers_ = 0;
};

}  // namespace earshot::ipc
