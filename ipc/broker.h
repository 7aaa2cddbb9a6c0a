// A bus broker: publishers connect their PUB sockets to its frontend (XSUB) and
// subscribers connect to its backend (XPUB); ZeroMQ's proxy forwards messages
// one way and subscriptions the other. Several daemons (or machines) can so
// share one bus.
//
//   ipc::Broker broker({.frontend = "ipc:///run/user/1000/earshot/in",
//                       .backend = "tcp://127.0.0.1:7700"});
//   std::thread t([&] { broker.run(); });  ...  broker.stop(); t.join();
//
// Thread contract: the constructor binds both sockets (throws on failure);
// run() then owns them on the calling thread until stop() is called from any
// other thread (or before run()).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace earshot::ipc {

struct BrokerOptions {
  std::string frontend{};          // XSUB, publishers connect here
  std::string backend{};           // XPUB, subscribers connect here
  std::string curve_secret_key{};  // serve both with CURVE (required off loopback)
  std::string curve_authorized_keys{};  // file or directory of the public keys of the publishers and
                                        //   subscribers let in; "" = any client with the server key
  int high_water_mark = 1000;    // messages kept per peer
};

class Broker {
 public:
  explicit Broker(BrokerOptions options);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Forwards until stop(). Throws std::runtime_error if the proxy fails.
  void run();
  void stop();

  const std::string& frontend_endpoint() const;  // as bound
  const std::string& backend_endpoint() const;
  uint64_t n_refused_clients() const;  // CURVE handshakes refused: client key not authorized

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace earshot::ipc
