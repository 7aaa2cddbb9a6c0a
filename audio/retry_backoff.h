// How long a lost source waits before its next attempt to open its server or
// device again: the base interval at first, doubling after each failed attempt
// up to a cap. A server that restarts at once is found again within the base
// interval; one that is gone for hours is not asked four times a second.
//
// Thread contract: thread-compatible; the source's capture thread owns it.
#pragma once

#include <chrono>
#include <string>

namespace earshot::audio {

class RetryBackoff {
 public:
  static constexpr std::chrono::milliseconds kDefaultCap{4000};

  explicit RetryBackoff(std::chrono::milliseconds base, std::chrono::milliseconds cap = kDefaultCap)
      : base_(base), cap_(cap < base ? base : cap), next_(base) {}

  // The wait before the attempt to come; the one after it waits twice as long.
  std::chrono::milliseconds next() {
    const std::chrono::milliseconds wait = next_;
    next_ = next_ * 2 < cap_ ? next_ * 2 : cap_;
    return wait;
  }
  // After an attempt that succeeded: the next loss starts from the base again.
  void reset() { next_ = base_; }
  // For status messages: "retrying every 250 ms, then less often (up to 4000 ms apart)".
  std::string describe() const {
    const std::string base = "retrying every " + std::to_string(base_.count()) + " ms";
    if (cap_ == base_) return base;
    return base + ", then less often (up to " + std::to_string(cap_.count()) + " ms apart)";
  }

 private:
  const std::chrono::milliseconds base_;
  const std::chrono::milliseconds cap_;
  std::chrono::milliseconds next_;
};

}  // namespace earshot::audio
