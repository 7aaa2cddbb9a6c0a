#include "audio/alsa_source.h"

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <vector>

#include "audio/alsa_pcm.h"
#include "audio/capture_clock.h"
#include "audio/capture_converter.h"
#include "audio/wall_clock.h"

namespace earshot::audio {

namespace {

constexpr int kWaitMs = 100;           // how often the thread looks at the stop flag
constexpr size_t kPeriodsPerRead = 4;  // catch up quickly after a late wake-up

AlsaRequest request_from(const AlsaSource::Options& o) {
  AlsaRequest r;
  r.device = o.device;
  r.rate = o.rate ? o.rate : 48000;
  r.n_channels = o.n_channels ? o.n_channels : 2;
  if (!o.sample_format.empty()) r.sample_format = parse_sample_format(o.sample_format);
  r.period_ms = o.period_ms;
  return r;
}

std::string describe_pcm(const std::string& device, const StreamFormat& format) {
  return "alsa device '" + device + "' (" + describe(format) + ")";
}

}  // namespace

AlsaSource::AlsaSource(Options options)
    : AudioSource(options.label, options.capture, OverrunPolicy::kDrop),
      opts_(std::move(options)),
      description_("alsa device '" + opts_.device + "'") {}

AlsaSource::~AlsaSource() {
  stop();
}

void AlsaSource::start() {
  if (thread_.joinable()) throw std::logic_error("alsa source '" + label() + "' already started");
  if (opts_.period_ms == 0 || opts_.period_ms > 500) {
    throw std::invalid_argument("alsa source '" + label() + "': period_ms must be 1..500");
  }
  pcm_ = std::make_unique<AlsaPcm>(request_from(opts_));
  converter_ = std::make_unique<CaptureConverter>(pcm_->format(), opts_.capture.resample_quality);
  if (const int err = pcm_->start(); err < 0) {
    pcm_.reset();
    throw std::runtime_error("ALSA device '" + opts_.device +
                             "' cannot start capturing: " + alsa_error_text(err));
  }
  const std::string what = describe_pcm(opts_.device, pcm_->format());
  {
    std::lock_guard lock(description_mutex_);
    description_ = what;
  }
  clear_stop_request();
  set_status(SourceState::kRunning, "recording " + what);
  thread_ = std::thread([this] { run(); });
}

void AlsaSource::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
  pcm_.reset();
  if (!is_final(state()) && state() != SourceState::kIdle) {
    set_status(SourceState::kStopped, "stopped");
  }
}

std::string AlsaSource::describe() const {
  std::lock_guard lock(description_mutex_);
  return description_;
}

bool AlsaSource::reopen() {
  try {
    auto pcm = std::make_unique<AlsaPcm>(request_from(opts_));
    if (pcm->start() < 0) return false;
    const StreamFormat& f = pcm->format();
    const StreamFormat& old = converter_->input();
    if (f.rate != old.rate || f.n_channels != old.n_channels ||
        f.sample_format != old.sample_format) {
      converter_ = std::make_unique<CaptureConverter>(f, opts_.capture.resample_quality);
    } else {
      converter_->reset();
    }
    pcm_ = std::move(pcm);
    const std::string what = describe_pcm(opts_.device, pcm_->format());
    {
      std::lock_guard lock(description_mutex_);
      description_ = what;
    }
    set_status(SourceState::kRunning, "recording " + what + " again after it came back");
    return true;
  } catch (const std::exception& e) {
    set_status(SourceState::kReconnecting, std::string(e.what()) + "; " + backoff_.describe());
    return false;
  }
}

void AlsaSource::wait_unless_stopped(std::chrono::milliseconds wait) const {
  // In slices, so that stop() does not wait for a whole back-off.
  using Clock = std::chrono::steady_clock;
  const Clock::time_point until = Clock::now() + wait;
  for (Clock::time_point now = Clock::now(); !stop_requested() && now < until; now = Clock::now()) {
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, std::chrono::milliseconds(kWaitMs)));
  }
}

void AlsaSource::run() noexcept {
  std::vector<unsigned char> buffer;
  CaptureClock clock(converter_->input().rate);
  uint64_t n_frames_read = 0;     // since the clock was last reset
  bool gap_pending = false;       // the next read follows lost audio
  bool gap_from_overrun = false;  // ...lost to an overrun (counted as dropped)
  int64_t next_input_wall_ns = 0;
  BlockAssembler& assembler = this->assembler();

  const auto flush_converter = [&] {
    converter_->flush([&](std::span<const float> samples, int64_t offset_ns) {
      assembler.append(samples, next_input_wall_ns + offset_ns);
    });
  };

  while (!stop_requested()) {
    if (!pcm_) {
      wait_unless_stopped(backoff_.next());
      if (stop_requested() || !reopen()) continue;
      backoff_.reset();
      capture_counters().add_reconnect();
      clock = CaptureClock(converter_->input().rate);
      n_frames_read = 0;
      gap_pending = true;
      gap_from_overrun = false;
    }
    const size_t max_frames = pcm_->period_frames() * kPeriodsPerRead;
    buffer.resize(max_frames * pcm_->format().bytes_per_frame());  // no-op once sized

    int err = pcm_->wait(kWaitMs);
    long n_frames = 0;
    long delay = 0;
    int64_t now_ns = 0;
    if (err > 0) {
      delay = pcm_->delay_frames();
      now_ns = wall_now_ns();
      n_frames = pcm_->read(buffer.data(), max_frames);
      if (n_frames == -EAGAIN) continue;
      if (n_frames < 0) err = static_cast<int>(n_frames);
    }
    if (err == 0) continue;
    if (err == -EPIPE || err == -ESTRPIPE) {
      // Overrun or suspend: the device kept capturing into a full buffer.
      capture_counters().add_device_overrun();
      flush_converter();
      gap_pending = true;
      gap_from_overrun = true;
      clock.reset();
      if (pcm_->recover(err) == 0) continue;
      err = -ENODEV;
    }
    if (err < 0) {
      flush_converter();
      set_status(SourceState::kReconnecting, "ALSA device '" + opts_.device +
                                                 "' stopped capturing: " + alsa_error_text(err) + "; " +
                                                 backoff_.describe());
      pcm_.reset();
      continue;
    }

    const uint32_t rate = pcm_->format().rate;
    // The first frame read was captured `delay` frames ago (at least as long
    // ago as the frames just read last).
    const int64_t backlog_frames = delay >= n_frames ? delay : n_frames;
    const int64_t first_wall_ns =
        clock.wall_ns(n_frames_read, now_ns - backlog_frames * kNsPerSecond / rate);
    n_frames_read += static_cast<uint64_t>(n_frames);
    if (gap_pending) {
      gap_pending = false;
      if (assembler.has_started()) {
        const int64_t gap_ns = std::max<int64_t>(first_wall_ns - assembler.expected_wall_ns(), 0);
        if (gap_from_overrun) {
          capture_counters().add_dropped_samples(static_cast<uint64_t>(gap_ns) *
                                                 kCaptureSampleRate / kNsPerSecond);
        }
        assembler.add_gap(gap_ns);
      }
    }
    const size_t n_nonfinite =
        converter_->convert(buffer.data(), static_cast<size_t>(n_frames),
                            [&](std::span<const float> samples, int64_t offset_ns) {
                              assembler.append(samples, first_wall_ns + offset_ns);
                            });
    capture_counters().add_nonfinite_frames(n_nonfinite);
    next_input_wall_ns = first_wall_ns + n_frames * kNsPerSecond / rate;
  }
  if (converter_) flush_converter();
  assembler.flush();
}

}  // namespace earshot::audio
