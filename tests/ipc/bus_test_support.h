// Helpers for the bus tests: a private temporary directory, waiting with a
// deadline, and events to publish. Used by one test thread at a time.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ipc/publisher.h"
#include "ipc/subscriber.h"
#include "ipc/transcript_event.h"

namespace earshot::ipc::testing {

// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "earshot-ipc-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string ipc_endpoint(const std::string& name) const { return "ipc://" + (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline bool wait_until(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return done();
}

// Messages that arrive within `during` (for clients that must receive nothing).
inline size_t count_received(Subscriber& subscriber, std::chrono::milliseconds during) {
  size_t n = 0;
  const auto deadline = std::chrono::steady_clock::now() + during;
  while (std::chrono::steady_clock::now() < deadline) {
    if (subscriber.receive(std::chrono::milliseconds(20))) ++n;
  }
  return n;
}

inline TranscriptEvent make_event(EventKind kind, const std::string& source, uint64_t sequence,
                                  const std::string& text) {
  TranscriptEvent event;
  event.kind = kind;
  event.source = source;
  event.segment_id = sequence / 4;
  event.sequence = sequence;
  event.audio_start_s = 0.04 * static_cast<double>(sequence);
  event.audio_end_s = event.audio_start_s + 1.0;
  event.wall_start_s = 1.7e9 + event.audio_start_s;
  event.wall_end_s = 1.7e9 + event.audio_end_s;
  event.stable_text = text;
  event.language = "en";
  if (kind == EventKind::kTranslation) event.target_language = "es";
  event.lag_s = 0.25;
  return event;
}

inline constexpr const char* kWarmUpSource = "warmup";

// ZeroMQ delivers only to subscriptions that have reached the publisher: keeps
// publishing "partial/warmup" until every subscriber has received one. Callers
// ignore warm-up messages afterwards (is_warm_up()).
inline bool warm_up(Publisher& publisher, const std::vector<Subscriber*>& subscribers,
                    std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  std::vector<bool> ready(subscribers.size(), false);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  uint64_t sequence = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    publisher.publish(make_event(EventKind::kPartial, kWarmUpSource, ++sequence, "warm-up"));
    bool all_ready = true;
    for (size_t i = 0; i < subscribers.size(); ++i) {
      while (!ready[i]) {
        std::optional<BusMessage> message = subscribers[i]->receive(std::chrono::milliseconds(5));
        if (!message) break;
        if (message->topic == std::string("partial/") + kWarmUpSource) ready[i] = true;
      }
      all_ready = all_ready && ready[i];
    }
    if (all_ready) return true;
  }
  return false;
}

inline bool is_warm_up(const BusMessage& message) {
  return message.topic == std::string("partial/") + kWarmUpSource;
}

// The next message that is not a warm-up, or nullopt after `timeout`.
inline std::optional<BusMessage> receive_non_warm_up(Subscriber& subscriber,
                                                     std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    std::optional<BusMessage> message = subscriber.receive(std::chrono::milliseconds(50));
    if (message && !is_warm_up(*message)) return message;
  }
  return std::nullopt;
}

}  // namespace earshot::ipc::testing
