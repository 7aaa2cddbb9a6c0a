// Single-producer single-consumer ring of samples between a capture thread and
// its consumer. Lock-free and allocation-free after construction.
//
// Thread contract: exactly one thread calls write(), exactly one other thread
// calls read()/available(); the capacity is fixed at construction.
//
// Indices run free as 32-bit counters (wrapping is harmless because the capacity
// is a power of two) with acquire/release ordering, as PipeWire's spa_ringbuffer.
// The ring never overwrites: write() stores what fits and returns the count, so
// the caller decides what an overrun means and counts it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace earshot::audio {

template <typename T>
class SpscRing {
 public:
  // capacity is rounded up to a power of two.
  explicit SpscRing(size_t min_capacity) : buffer_(round_up_pow2(min_capacity)) {
    mask_ = static_cast<uint32_t>(buffer_.size() - 1);
  }
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  size_t capacity() const { return buffer_.size(); }

  // Producer: copies as many items as fit; returns how many were stored.
  size_t write(std::span<const T> items) {
    const uint32_t head = head_.load(std::memory_order_relaxed);
    const uint32_t tail = tail_.load(std::memory_order_acquire);
    const size_t free_slots = buffer_.size() - static_cast<uint32_t>(head - tail);
    const size_t n = items.size() < free_slots ? items.size() : free_slots;
    for (size_t i = 0; i < n; ++i) buffer_[(head + i) & mask_] = items[i];
    head_.store(head + static_cast<uint32_t>(n), std::memory_order_release);
    return n;
  }

  // Consumer: number of items ready to read.
  size_t available() const {
    const uint32_t tail = tail_.load(std::memory_order_relaxed);
    return static_cast<uint32_t>(head_.load(std::memory_order_acquire) - tail);
  }

  // Consumer: moves up to out.size() items out; returns how many were read.
  size_t read(std::span<T> out) {
    const uint32_t tail = tail_.load(std::memory_order_relaxed);
    const uint32_t head = head_.load(std::memory_order_acquire);
    const size_t ready = static_cast<uint32_t>(head - tail);
    const size_t n = out.size() < ready ? out.size() : ready;
    for (size_t i = 0; i < n; ++i) out[i] = buffer_[(tail + i) & mask_];
    tail_.store(tail + static_cast<uint32_t>(n), std::memory_order_release);
    return n;
  }

 private:
  static size_t round_up_pow2(size_t n) {
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
  }

  std::vector<T> buffer_;
  uint32_t mask_ = 0;
  alignas(64) std::atomic<uint32_t> head_{0};  // written by the producer
  alignas(64) std::atomic<uint32_t> tail_{0};  // written by the consumer
};

}  // namespace earshot::audio
