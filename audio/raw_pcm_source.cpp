#include "audio/raw_pcm_source.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "audio/capture_converter.h"
#include "audio/wall_clock.h"

namespace earshot::audio {

namespace {

constexpr int kPollMs = 50;  // how often the thread looks at the stop flag
constexpr size_t kReadFrames = 1024;

uint32_t parse_positive(std::string_view text, std::string_view what, std::string_view whole) {
  uint32_t value = 0;
  const auto [end, err] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (err != std::errc() || end != text.data() + text.size() || value == 0) {
    throw std::invalid_argument("raw PCM format '" + std::string(whole) +
                                "': " + std::string(what) + " must be a positive integer, not '" +
                                std::string(text) + "'");
  }
  return value;
}

}  // namespace

StreamFormat parse_raw_pcm_format(std::string_view text) {
  const size_t first = text.find(':');
  const size_t second = first == std::string_view::npos ? first : text.find(':', first + 1);
  if (second == std::string_view::npos || text.find(':', second + 1) != std::string_view::npos) {
    throw std::invalid_argument("raw PCM format '" + std::string(text) +
                                "' must read FORMAT:RATE:CHANNELS, e.g. s16le:48000:2");
  }
  StreamFormat format;
  format.sample_format = parse_sample_format(text.substr(0, first));
  format.rate = parse_positive(text.substr(first + 1, second - first - 1), "the rate", text);
  format.n_channels = parse_positive(text.substr(second + 1), "the channel count", text);
  if (format.rate > 768000 || format.n_channels > 64) {
    throw std::invalid_argument("raw PCM format '" + std::string(text) +
                                "': at most 768000 Hz and 64 channels");
  }
  return format;
}

RawPcmSource::RawPcmSource(Options options)
    : AudioSource(options.label, options.capture, OverrunPolicy::kWait),
      opts_(std::move(options)) {}

RawPcmSource::~RawPcmSource() {
  stop();
}

void RawPcmSource::start() {
  if (thread_.joinable())
    throw std::logic_error("raw PCM source '" + label() + "' already started");
  if (fcntl(opts_.fd, F_GETFL) < 0) {
    throw std::runtime_error("raw PCM source '" + label() + "': descriptor " +
                             std::to_string(opts_.fd) + " is not open: " + std::strerror(errno));
  }
  converter_ = std::make_unique<CaptureConverter>(opts_.format, opts_.capture.resample_quality);
  clear_stop_request();
  set_status(SourceState::kRunning, "reading " + describe());
  thread_ = std::thread([this] { run(); });
}

void RawPcmSource::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
  if (!is_final(state()) && state() != SourceState::kIdle) {
    set_status(SourceState::kStopped, "stopped");
  }
}

std::string RawPcmSource::describe() const {
  return "raw PCM on fd " + std::to_string(opts_.fd) + " (" + audio::describe(opts_.format) + ")";
}

void RawPcmSource::run() noexcept {
  const size_t frame_bytes = opts_.format.bytes_per_frame();
  std::vector<unsigned char> buffer(kReadFrames * frame_bytes);
  size_t n_held = 0;  // bytes of an incomplete frame kept from the last read
  uint64_t n_bytes_total = 0;
  std::string failure;
  while (!stop_requested()) {
    pollfd fd{opts_.fd, POLLIN, 0};
    const int ready = poll(&fd, 1, kPollMs);
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    if (ready < 0) {
      failure = std::string("poll failed: ") + std::strerror(errno);
      break;
    }
    const ssize_t n = read(opts_.fd, buffer.data() + n_held, buffer.size() - n_held);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      failure = std::string("read failed: ") + std::strerror(errno);
      break;
    }
    if (n == 0) break;  // end of input
    const int64_t read_wall_ns = wall_now_ns();
    n_bytes_total += static_cast<uint64_t>(n);
    const size_t n_bytes = n_held + static_cast<size_t>(n);
    const size_t n_frames = n_bytes / frame_bytes;
    const int64_t first_wall_ns =
        read_wall_ns - static_cast<int64_t>(n_frames * kNsPerSecond / opts_.format.rate);
    const size_t n_nonfinite = converter_->convert(
        buffer.data(), n_frames, [&](std::span<const float> samples, int64_t off) {
          assembler().append(samples, first_wall_ns + off);
        });
    capture_counters().add_nonfinite_frames(n_nonfinite);
    n_held = n_bytes - n_frames * frame_bytes;
    std::memmove(buffer.data(), buffer.data() + n_frames * frame_bytes, n_held);
  }
  const int64_t end_wall_ns = wall_now_ns();
  converter_->flush([&](std::span<const float> samples, int64_t off) {
    assembler().append(samples, end_wall_ns + off);
  });
  assembler().flush();
  if (!failure.empty()) {
    set_status(SourceState::kFailed, describe() + ": " + failure);
  } else if (stop_requested()) {
    set_status(SourceState::kStopped, "stopped");
  } else {
    std::string message =
        "end of input on " + describe() + " after " + std::to_string(n_bytes_total) + " bytes";
    if (n_held > 0) message += " (" + std::to_string(n_held) + " bytes of a partial frame ignored)";
    set_status(SourceState::kEnded, message);
  }
}

}  // namespace earshot::audio
