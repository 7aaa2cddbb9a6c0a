// The bus publisher: a ZeroMQ PUB socket that sends each event as two frames,
// [topic, JSON payload] (see ipc/topic.h and docs/protocol.md).
//
//   ipc::History history;
//   ipc::Publisher publisher({.endpoint = ipc::default_bus_endpoints_from_environment().bus,
//                             .history = &history});
//   publisher.publish(std::move(event));   // from any session thread; never blocks
//
// Thread contract: the constructor binds (or connects) and starts the one thread
// that owns the socket; publish() and stats() may be called from any thread and
// never block or throw; the destructor sends what is still queued and joins.
//
// Back-pressure: publish() puts the event in a bounded queue and returns
// kQueueFull, counted, when the publisher thread has fallen that far behind.
// The socket keeps up to send_high_water_mark messages per subscriber; a
// subscriber that reads too slowly loses messages beyond that (ZeroMQ drops them
// for that subscriber alone, silently: it sees a gap in the sequence numbers),
// while the daemon and the other subscribers go on unaffected. ZeroMQ counts a
// subscriber's reads lazily (every send_high_water_mark / 2 messages, taken in
// about once a millisecond), so only a subscriber that stays within about half
// the mark is sure to lose nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "ipc/transcript_event.h"

namespace earshot::ipc {

class History;

struct PublisherOptions {
  std::string endpoint{};        // ipc://..., tcp://127.0.0.1:7700, tcp://127.0.0.1:* ...
  bool connect = false;        // connect to a broker's XSUB endpoint instead of binding
  std::string curve_secret_key{};         // bind: serve with CURVE (required off loopback)
  std::string curve_authorized_keys{};    // bind: file or directory of the client public keys let in
                                          //   (ipc/authorized_keys.h); "" = any client with the server key
  std::string curve_server_public_key{};  // connect: the broker's public key, if it uses CURVE
  std::string curve_client_secret_key{};  // connect: own secret key, for a broker that checks client keys
  int send_high_water_mark = 1000;      // messages kept per subscriber
  size_t queue_capacity = 1024;         // events waiting for the publisher thread
  int linger_ms = 200;                  // how long closing may wait to deliver the last messages
  History* history = nullptr;           // finals are recorded here (must outlive the publisher)
};

enum class PublishResult {
  kQueued,
  kQueueFull,  // dropped: the publisher thread is behind by queue_capacity events
  kRejected,   // dropped: invalid source label, or translation without a valid target language
};

struct PublisherStats {
  uint64_t n_published = 0;           // handed to the socket
  uint64_t n_dropped_queue_full = 0;
  uint64_t n_rejected = 0;
  uint64_t n_send_failed = 0;         // the socket refused the message
  int n_subscribers = 0;              // connected peers (a broker counts as one)
  uint64_t n_refused_clients = 0;     // CURVE handshakes refused: client key not authorized
  std::string last_refused_key;       // the latest such client's public key (Z85); "" if none
};

class Publisher {
 public:
  // Throws std::runtime_error naming the endpoint when it cannot bind or connect,
  // or when binding off loopback without CURVE.
  explicit Publisher(PublisherOptions options);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  PublishResult publish(TranscriptEvent event) noexcept;

  PublisherStats stats() const noexcept;

  // As bound: "tcp://127.0.0.1:45123" when the options said "tcp://127.0.0.1:*".
  const std::string& endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace earshot::ipc
