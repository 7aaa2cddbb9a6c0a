#include "audio/block_queue.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "audio/wall_clock.h"

namespace earshot::audio {

BlockQueue::BlockQueue(size_t min_blocks) : ring_(min_blocks) {
  event_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd_ < 0) {
    throw std::runtime_error(std::string("audio block queue: eventfd failed: ") +
                             std::strerror(errno));
  }
}

BlockQueue::~BlockQueue() {
  close(event_fd_);
}

bool BlockQueue::push(const AudioBlock& block) {
  if (ring_.write(std::span<const AudioBlock>(&block, 1)) == 0) return false;
  wake();
  return true;
}

void BlockQueue::wake() {
  const uint64_t one = 1;
  // Non-blocking; fails only when the counter would overflow, which still
  // leaves the fd readable.
  [[maybe_unused]] const ssize_t n = write(event_fd_, &one, sizeof(one));
}

bool BlockQueue::pop(AudioBlock& out) {
  return ring_.read(std::span<AudioBlock>(&out, 1)) == 1;
}

void BlockQueue::clear_wake() {
  uint64_t count = 0;
  [[maybe_unused]] const ssize_t n = read(event_fd_, &count, sizeof(count));
}

bool BlockQueue::wait_pop(AudioBlock& out, std::chrono::milliseconds timeout) {
  const int64_t deadline = steady_now_ns() + timeout.count() * 1'000'000;
  while (true) {
    // Clear first: a push after this point makes the fd readable again.
    clear_wake();
    if (pop(out)) return true;
    const int64_t left_ns = deadline - steady_now_ns();
    if (left_ns <= 0) return false;
    pollfd fd{event_fd_, POLLIN, 0};
    const int ready = poll(&fd, 1, static_cast<int>((left_ns + 999'999) / 1'000'000));
    if (ready == 0) return pop(out);
    if (ready < 0 && errno != EINTR) return pop(out);
    // A wake() without a block returns to the caller so it can check the state.
    if (ready > 0 && ring_.available() == 0) {
      clear_wake();
      return false;
    }
  }
}

}  // namespace earshot::audio
