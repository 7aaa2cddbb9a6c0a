// Internal to ipc/: lets in only the CURVE clients whose public key is in an
// allowlist (see ipc/authorized_keys.h). It answers ZeroMQ's authentication
// requests (ZAP, RFC 27), which libzmq sends over inproc://zeromq.zap.01 for
// every CURVE handshake on a server socket of the same context; a refused client
// gets an ERROR command and no data.
//
// Thread contract: built on the thread that builds the server sockets, before
// they bind; it then runs one thread of its own, which owns the ZAP socket.
// n_allowed(), n_refused() and last_refused_key() may be called from any thread. Destroy it after
// the context's server sockets are closed and before the context.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "ipc/wake_fd.h"

namespace earshot::ipc {

struct SocketSecurity;

class ZapAuthenticator {
 public:
  // Throws std::runtime_error when the context already has a ZAP handler.
  ZapAuthenticator(zmq::context_t& context, std::set<std::string> authorized_keys);
  ~ZapAuthenticator();
  ZapAuthenticator(const ZapAuthenticator&) = delete;
  ZapAuthenticator& operator=(const ZapAuthenticator&) = delete;

  uint64_t n_allowed() const { return n_allowed_.load(std::memory_order_relaxed); }
  uint64_t n_refused() const { return n_refused_.load(std::memory_order_relaxed); }
  // The public key (Z85) of the latest client refused for its key; "" if none was.
  std::string last_refused_key() const;

 private:
  void run() noexcept;  // the authenticator thread
  void answer_one();

  const std::set<std::string> authorized_keys_;  // Z85
  zmq::socket_t socket_;
  WakeFd wake_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> n_allowed_{0};
  std::atomic<uint64_t> n_refused_{0};
  mutable std::mutex refused_mutex_;
  std::string last_refused_key_;  // guarded by refused_mutex_
  std::thread thread_;  // last: starts once the members above exist
};

// The authenticator a server socket's security asks for, or nullptr when it
// names no authorized keys (then any client that knows the server's public key
// gets in). Throws std::runtime_error, prefixed with `role`, when authorized
// keys come without a CURVE secret key or cannot be loaded.
std::unique_ptr<ZapAuthenticator> make_client_authenticator(zmq::context_t& context, const SocketSecurity& security,
                                                            const char* role);

}  // namespace earshot::ipc
