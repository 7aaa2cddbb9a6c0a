// A bus client: a ZeroMQ SUB socket that receives [topic, payload] messages.
//
//   ipc::Subscriber bus({.endpoint = endpoints.bus, .topic_prefixes = {"final/"}});
//   while (auto message = bus.receive(std::chrono::milliseconds(200))) {
//     ipc::TranscriptEvent event = ipc::parse_event(message->payload);
//   }
//
// Thread contract: one thread uses a Subscriber.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace earshot::ipc {

struct SubscriberOptions {
  std::string endpoint{};
  std::vector<std::string> topic_prefixes{""};  // "" = everything
  std::string curve_server_public_key{};          // when the bus uses CURVE
  std::string curve_client_secret_key{};          // own secret key, for a bus that checks client keys
  int receive_high_water_mark = 1000;
};

struct BusMessage {
  std::string topic{};
  std::string payload{};  // JSON, see parse_event()
};

class Subscriber {
 public:
  // Throws std::runtime_error naming the endpoint when it cannot connect.
  explicit Subscriber(SubscriberOptions options);
  ~Subscriber();
  Subscriber(const Subscriber&) = delete;
  Subscriber& operator=(const Subscriber&) = delete;

  // The next message, or std::nullopt when none came within `timeout` (or a
  // signal interrupted the wait). Messages that are not two frames are skipped
  // and counted.
  std::optional<BusMessage> receive(std::chrono::milliseconds timeout);

  uint64_t n_malformed() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace earshot::ipc
