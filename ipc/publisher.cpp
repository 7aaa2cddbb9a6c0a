#include "ipc/publisher.h"

#include <atomic>
#include <cerrno>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "ipc/event_queue.h"
#include "ipc/history.h"
#include "ipc/peer_monitor.h"
#include "ipc/socket_setup.h"
#include "ipc/wake_fd.h"
#include "ipc/zap_authenticator.h"

namespace earshot::ipc {
namespace {

bool has_valid_topic(const TranscriptEvent& event) {
  if (!is_valid_source_label(event.source)) return false;
  return event.kind != EventKind::kTranslation || is_valid_language_tag(event.target_language);
}

std::string unique_name(const void* self) {
  return "publisher-" + std::to_string(reinterpret_cast<uintptr_t>(self));
}

}  // namespace

struct Publisher::Impl {
  explicit Impl(PublisherOptions options_in);
  ~Impl();

  void run() noexcept;  // the publisher thread
  void send(const TranscriptEvent& event);

  const PublisherOptions options;
  zmq::context_t context{1};
  std::unique_ptr<ZapAuthenticator> authenticator;  // outlives the socket it checks clients for
  zmq::socket_t socket{context, zmq::socket_type::pub};
  std::unique_ptr<PeerMonitor> monitor;
  std::string endpoint;
  EventQueue queue;
  WakeFd wake;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> n_published{0};
  std::atomic<uint64_t> n_dropped_queue_full{0};
  std::atomic<uint64_t> n_rejected{0};
  std::atomic<uint64_t> n_send_failed{0};
  std::atomic<int> n_subscribers{0};
  std::thread thread;
};

Publisher::Impl::Impl(PublisherOptions options_in) : options(std::move(options_in)), queue(options.queue_capacity) {
  const SocketSecurity security =
      options.connect ? SocketSecurity{.curve_server_public_key = options.curve_server_public_key,
                                       .curve_client_secret_key = options.curve_client_secret_key}
                      : SocketSecurity{.curve_secret_key = options.curve_secret_key,
                                       .curve_authorized_keys = options.curve_authorized_keys};
  configure_socket(socket, security, options.linger_ms);
  authenticator = make_client_authenticator(context, security, "bus publisher");
  socket.set(zmq::sockopt::sndhwm, options.send_high_water_mark);
  monitor = std::make_unique<PeerMonitor>(context, socket, unique_name(this));
  if (options.connect) {
    connect_socket(socket, options.endpoint, "bus publisher");
    endpoint = options.endpoint;
  } else {
    endpoint = bind_socket(socket, options.endpoint, security, "bus publisher");
  }
  // From here on the socket and the monitor belong to the publisher thread.
  thread = std::thread([this] { run(); });
}

Publisher::Impl::~Impl() {
  stopping.store(true);
  wake.notify();
  if (thread.joinable()) thread.join();
}

void Publisher::Impl::run() noexcept {
  std::vector<TranscriptEvent> batch;
  batch.reserve(queue.capacity());
  zmq_pollitem_t items[2] = {{monitor->events().handle(), 0, ZMQ_POLLIN, 0},
                             {nullptr, wake.fd(), ZMQ_POLLIN, 0}};
  while (true) {
    if (zmq_poll(items, 2, -1) < 0) {
      if (zmq_errno() == EINTR) continue;
      break;  // the context is gone: nothing more can be sent
    }
    try {
      if (items[0].revents & ZMQ_POLLIN) n_subscribers.store(monitor->read_events());
      if (items[1].revents & ZMQ_POLLIN) {
        wake.drain();  // before take_all(), so that no wake-up is lost
        // Read before take_all(): every event queued before the destructor set
        // `stopping` is then in this batch, and none is left behind.
        const bool last_batch = stopping.load();
        batch.clear();
        queue.take_all(batch);
        for (const TranscriptEvent& event : batch) send(event);
        if (last_batch) break;
      }
    } catch (...) {
      n_send_failed.fetch_add(1, std::memory_order_relaxed);
    }
  }
}

void Publisher::Impl::send(const TranscriptEvent& event) {
  const std::string topic = topic_of(event);
  const std::string payload = serialize_event(event);
  bool sent = false;
  try {
    sent = socket.send(zmq::buffer(topic), zmq::send_flags::sndmore | zmq::send_flags::dontwait) &&
           socket.send(zmq::buffer(payload), zmq::send_flags::dontwait);
  } catch (const zmq::error_t&) {
    sent = false;
  }
  if (!sent) {
    n_send_failed.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Recorded before it is counted: a caller that sees the count finds it in the history.
  if (options.history != nullptr) options.history->record(event);
  n_published.fetch_add(1, std::memory_order_relaxed);
}

Publisher::Publisher(PublisherOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

Publisher::~Publisher() = default;

PublishResult Publisher::publish(TranscriptEvent event) noexcept {
  if (!has_valid_topic(event)) {
    impl_->n_rejected.fetch_add(1, std::memory_order_relaxed);
    return PublishResult::kRejected;
  }
  switch (impl_->queue.push(std::move(event))) {
    case EventQueue::PushResult::kQueuedWasEmpty:
      impl_->wake.notify();
      return PublishResult::kQueued;
    case EventQueue::PushResult::kQueued:
      return PublishResult::kQueued;
    case EventQueue::PushResult::kFull:
      break;
  }
  impl_->n_dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
  return PublishResult::kQueueFull;
}

PublisherStats Publisher::stats() const noexcept {
  PublisherStats stats;
  stats.n_published = impl_->n_published.load(std::memory_order_relaxed);
  stats.n_dropped_queue_full = impl_->n_dropped_queue_full.load(std::memory_order_relaxed);
  stats.n_rejected = impl_->n_rejected.load(std::memory_order_relaxed);
  stats.n_send_failed = impl_->n_send_failed.load(std::memory_order_relaxed);
  stats.n_subscribers = impl_->n_subscribers.load(std::memory_order_relaxed);
  stats.n_refused_clients = impl_->authenticator ? impl_->authenticator->n_refused() : 0;
  if (impl_->authenticator) stats.last_refused_key = impl_->authenticator->last_refused_key();
  return stats;
}

const std::string& Publisher::endpoint() const { return impl_->endpoint; }

}  // namespace earshot::ipc

