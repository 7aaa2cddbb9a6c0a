#include "daemon/rate_limiter.h"

#include <cctype>

namespace earshot::daemon {

std::string RateLimiter::key_of(std::string_view text) {
  std::string key;
  key.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i]))) {
      key += '#';
      while (i + 1 < text.size() && (std::isdigit(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '.')) {
        ++i;
      }
    } else {
      key += text[i];
    }
  }
  return key;
}

RateDecision RateLimiter::check(std::string_view key, int64_t now_ns) {
  if (windows_.size() >= limit_.max_keys && !windows_.contains(std::string(key))) {
    // Forget the keys whose window is over; if all are current, start afresh.
    std::erase_if(windows_, [&](const auto& entry) {
      return now_ns - entry.second.start_ns >= limit_.window_ns && entry.second.n_suppressed == 0;
    });
    if (windows_.size() >= limit_.max_keys) windows_.clear();
  }
  Window& w = windows_[std::string(key)];
  if (w.n_in_window == 0 || now_ns - w.start_ns >= limit_.window_ns) {
    w.start_ns = now_ns;
    w.n_in_window = 0;
  }
  if (w.n_in_window >= limit_.burst) {
    ++w.n_suppressed;
    return {};
  }
  ++w.n_in_window;
  RateDecision decision{true, w.n_suppressed};
  w.n_suppressed = 0;
  return decision;
}

}  // namespace earshot::daemon
