// Lets a burst of messages with the same key through per time window and
// counts the rest, so a message repeated every 10 ms cannot flood the
// journal. The caller passes the time, so the limiter itself is deterministic.
//
// Thread contract: thread-compatible; the log guards it with its mutex.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace earshot::daemon {

struct RateLimit {
  int burst = 5;                            // messages per key per window
  int64_t window_ns = 30'000'000'000;       // 30 s
  size_t max_keys = 256;                    // forget old keys beyond this
};

struct RateDecision {
  bool allow = false;
  uint64_t n_suppressed_before = 0;  // with allow: how many were held back since the last one let through
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit = {}) : limit_(limit) {}

  RateDecision check(std::string_view key, int64_t now_ns);

  // A message's key: its text with every run of digits replaced by '#', so
  // "lost 120 ms" and "lost 80 ms" count as one message.
  static std::string key_of(std::string_view text);

 private:
  struct Window {
    int64_t start_ns = 0;
    int n_in_window = 0;
    uint64_t n_suppressed = 0;
  };

  RateLimit limit_;
  std::unordered_map<std::string, Window> windows_;
};

}  // namespace earshot::daemon
