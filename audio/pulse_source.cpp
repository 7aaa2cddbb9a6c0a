#include "audio/pulse_source.h"

#include <algorithm>
#include <condition_variable>
#include <optional>
#include <stdexcept>

#include "audio/capture_clock.h"
#include "audio/capture_converter.h"
#include "audio/pulse_handles.h"
#include "audio/pulse_source_list.h"
#include "audio/retry_backoff.h"
#include "audio/wall_clock.h"

namespace earshot::audio {

namespace {

// Device and transport latency beyond this is not believed (bad timing data).
constexpr pa_usec_t kMaxDeviceLatencyUs = 500'000;

}  // namespace

// One connection attempt walks the phases kConnecting -> kResolving ->
// kOpening -> kStreaming. Callbacks only record what happened; the thread's
// loop acts on it after each dispatch (tears down, schedules the next attempt),
// so no libpulse object is freed inside its own callback.
class PulseSource::Loop {
 public:
  enum class Phase { kWaiting, kConnecting, kResolving, kOpening, kStreaming };

  explicit Loop(PulseSource& owner)
      : owner_(owner), opts_(owner.opts_), mainloop_(pa_mainloop_new()) {
    if (!mainloop_) throw std::runtime_error("PulseAudio: cannot create a main loop");
  }

  // Controlling thread: blocks until the first stream is recording (returns
  // "") or the first attempt failed (returns why).
  std::string wait_for_start(std::chrono::milliseconds timeout) {
    std::unique_lock lock(start_mutex_);
    if (!start_cv_.wait_for(lock, timeout, [&] { return start_settled_; })) {
      return "no answer from the PulseAudio server at " + describe_pulse_server(opts_.server) +
             " within " + std::to_string(timeout.count()) + " ms while opening " + device_words();
    }
    return start_error_;
  }

  // Any thread: interrupts the loop's poll so it sees the stop request.
  void wake() { pa_mainloop_wakeup(mainloop_.get()); }

  // Capture thread.
  void run() noexcept {
    try {
      while (!owner_.stop_requested() && !start_failed_) {
        const int64_t now = steady_now_ns();
        if (phase_ == Phase::kWaiting && now >= next_attempt_ns_) begin_attempt();
        if (lost_) {
          after_loss();
          continue;
        }
        const int timeout_us =
            phase_ == Phase::kWaiting
                ? static_cast<int>(std::max<int64_t>(0, next_attempt_ns_ - now) / 1000)
                : -1;
        if (pa_mainloop_prepare(mainloop_.get(), timeout_us) < 0 ||
            pa_mainloop_poll(mainloop_.get()) < 0 || pa_mainloop_dispatch(mainloop_.get()) < 0) {
          fail("PulseAudio main loop stopped unexpectedly");
        }
        if (lost_) after_loss();
      }
    } catch (const std::exception& e) {
      // Nothing in the loop is expected to throw; if it does, say so and end.
      settle_start(e.what());
      owner_.set_status(SourceState::kFailed, std::string("pulse capture thread: ") + e.what());
    }
    // Stopped: what was recorded up to here is delivered, to the last sample.
    flush_converter();
    owner_.assembler().flush();
    release_all();
  }

 private:
  // --- connection attempt -------------------------------------------------

  void begin_attempt() {
    phase_ = Phase::kConnecting;
    context_.reset(pa_context_new(pa_mainloop_get_api(mainloop_.get()), "earshot"));
    if (!context_) return fail("PulseAudio: cannot create a context");
    pa_context_set_state_callback(context_.get(), &Loop::on_context_state, this);
    if (pa_context_connect(context_.get(), opts_.server.empty() ? nullptr : opts_.server.c_str(),
                           PA_CONTEXT_NOAUTOSPAWN, nullptr) < 0) {
      fail(server_error());
    }
  }

  static void on_context_state(pa_context* context, void* user) {
    auto* self = static_cast<Loop*>(user);
    switch (pa_context_get_state(context)) {
      case PA_CONTEXT_READY:
        self->resolve_device();
        break;
      case PA_CONTEXT_FAILED:
      case PA_CONTEXT_TERMINATED:
        self->fail(self->server_error());
        break;
      default:
        break;
    }
  }

  // Finds the source to record and its native format: special names are
  // resolved through the server info at every attempt.
  void resolve_device() {
    phase_ = Phase::kResolving;
    follow_default_ = opts_.device.empty() || opts_.device == kDefaultSourceName;
    if (follow_default_ || opts_.device == kDefaultMonitorName) {
      run_operation(pa_context_get_server_info(context_.get(), &Loop::on_server_info, this));
    } else {
      lookup_source(opts_.device);
    }
  }

  static void on_server_info(pa_context*, const pa_server_info* info, void* user) {
    auto* self = static_cast<Loop*>(user);
    if (!info) return self->fail(self->server_error());
    if (self->follow_default_) {
      if (!info->default_source_name || !*info->default_source_name) {
        return self->fail("PulseAudio server at " + describe_pulse_server(self->opts_.server) +
                          " has no default input source");
      }
      return self->lookup_source(info->default_source_name);
    }
    if (!info->default_sink_name || !*info->default_sink_name) {
      return self->fail("PulseAudio server at " + describe_pulse_server(self->opts_.server) +
                        " has no default sink, so " + kDefaultMonitorName + " names nothing");
    }
    self->run_operation(pa_context_get_sink_info_by_name(
        self->context_.get(), info->default_sink_name, &Loop::on_default_sink, self));
  }

  static void on_default_sink(pa_context*, const pa_sink_info* info, int eol, void* user) {
    auto* self = static_cast<Loop*>(user);
    if (eol > 0) return;
    if (!info || !info->monitor_source_name) {
      return self->fail("PulseAudio: the default sink has no monitor source (" +
                        std::string(pa_strerror(pa_context_errno(self->context_.get()))) + ")");
    }
    self->lookup_source(info->monitor_source_name);
  }

  void lookup_source(const std::string& name) {
    source_name_ = name;
    run_operation(pa_context_get_source_info_by_name(context_.get(), name.c_str(),
                                                     &Loop::on_source_info, this));
  }

  static void on_source_info(pa_context*, const pa_source_info* info, int eol, void* user) {
    auto* self = static_cast<Loop*>(user);
    if (eol > 0) return;
    if (!info) {
      return self->fail("PulseAudio server at " + describe_pulse_server(self->opts_.server) +
                        " has no source named '" + self->source_name_ +
                        "' (`earshot sources` lists them)");
    }
    self->open_stream(*info);
  }

  // Records float32 at the source's own rate and channel count: the server
  // converts only the sample type, earshot does the rest.
  void open_stream(const pa_source_info& info) {
    phase_ = Phase::kOpening;
    spec_ = pa_sample_spec{PA_SAMPLE_FLOAT32LE, info.sample_spec.rate, info.sample_spec.channels};
    asked_ = StreamFormat{SampleFormat::kF32, spec_.rate, spec_.channels};
    const std::string stream_name = "earshot " + owner_.label();
    stream_.reset(pa_stream_new(context_.get(), stream_name.c_str(), &spec_, &info.channel_map));
    if (!stream_) return fail(stream_error("cannot create a stream"));
    pa_stream_set_state_callback(stream_.get(), &Loop::on_stream_state, this);
    pa_stream_set_read_callback(stream_.get(), &Loop::on_read, this);
    pa_stream_set_overflow_callback(stream_.get(), &Loop::on_overflow, this);
    pa_stream_set_moved_callback(stream_.get(), &Loop::on_moved, this);

    pa_buffer_attr attr{};
    attr.maxlength = static_cast<uint32_t>(-1);
    attr.fragsize = static_cast<uint32_t>(
        pa_usec_to_bytes(static_cast<pa_usec_t>(opts_.fragment_ms) * 1000, &spec_));
    attr.tlength = attr.prebuf = attr.minreq = static_cast<uint32_t>(-1);
    auto flags =
        static_cast<pa_stream_flags_t>(PA_STREAM_ADJUST_LATENCY | PA_STREAM_AUTO_TIMING_UPDATE);
    // A named source must not be silently swapped for another one.
    if (!follow_default_) flags = static_cast<pa_stream_flags_t>(flags | PA_STREAM_DONT_MOVE);
    const char* device = follow_default_ ? nullptr : source_name_.c_str();
    if (pa_stream_connect_record(stream_.get(), device, &attr, flags) < 0) {
      fail(stream_error("refused the format"));
    }
  }

  static void on_stream_state(pa_stream* stream, void* user) {
    auto* self = static_cast<Loop*>(user);
    switch (pa_stream_get_state(stream)) {
      case PA_STREAM_READY:
        self->on_recording();
        break;
      case PA_STREAM_FAILED:
      case PA_STREAM_TERMINATED:
        self->fail(self->stream_error("stopped recording"));
        break;
      default:
        break;
    }
  }

  void on_recording() {
    if (const char* name = pa_stream_get_device_name(stream_.get())) source_name_ = name;
    const pa_sample_spec* actual = pa_stream_get_sample_spec(stream_.get());
    const StreamFormat format{SampleFormat::kF32, actual->rate, actual->channels};
    if (!converter_ || converter_->input().rate != format.rate ||
        converter_->input().n_channels != format.n_channels) {
      // Allocates (once per connection, not on the sample path). Exceptions
      // must not unwind through libpulse, which called us.
      try {
        converter_.emplace(format, opts_.capture.resample_quality);
      } catch (const std::exception& e) {
        converter_.reset();
        return fail(e.what());
      }
    } else {
      converter_->reset();
    }
    backoff_.reset();
    frame_bytes_ = pa_frame_size(actual);
    clock_.emplace(format.rate);
    n_frames_read_ = 0;
    phase_ = Phase::kStreaming;
    const std::string what =
        "pulse source '" + source_name_ + "' (" + audio::describe(format) + ")";
    owner_.set_description(what);
    if (!started_) {
      started_ = true;
      owner_.set_status(SourceState::kRunning, "recording " + what);
      settle_start("");
    } else {
      gap_pending_ = true;
      owner_.capture_counters().add_reconnect();
      owner_.set_status(SourceState::kRunning, "recording " + what + " again after a reconnect");
    }
  }

  // The server moved the stream (only one that follows the default input: a
  // named source's stream may not move): the default input changed, or its
  // source went away and the server chose another. The same stream records
  // on, in the format it was opened with.
  static void on_moved(pa_stream* stream, void* user) {
    auto* self = static_cast<Loop*>(user);
    const char* name = pa_stream_get_device_name(stream);
    if (!name || self->source_name_ == name || self->phase_ != Phase::kStreaming) return;
    const std::string from = self->source_name_;
    self->source_name_ = name;
    const std::string what =
        "pulse source '" + self->source_name_ + "' (" + audio::describe(self->converter_->input()) + ")";
    self->owner_.set_description(what);
    self->owner_.set_status(SourceState::kRunning,
                            "recording " + what + ": the server moved the stream there from '" + from + "'");
  }

  // --- the sample path ----------------------------------------------------

  static void on_read(pa_stream* stream, size_t, void* user) {
    static_cast<Loop*>(user)->read_available(stream);
  }

  void read_available(pa_stream* stream) {
    if (phase_ != Phase::kStreaming) return;
    const int64_t now_ns = wall_now_ns();
    const uint32_t rate = converter_->input().rate;
    // The first unread frame is as old as the audio waiting to be read is
    // long, plus what sat in the device and in transit (from the last timing
    // update; a monitor has ~0). pa_stream_get_latency() is not used: its
    // interpolation was seen stale by hundreds of ms for a second after a
    // monitor stream started.
    int64_t age_ns =
        static_cast<int64_t>(pa_stream_readable_size(stream) / frame_bytes_) * kNsPerSecond / rate;
    if (const pa_timing_info* timing = pa_stream_get_timing_info(stream)) {
      const pa_usec_t device_us =
          std::min<pa_usec_t>(timing->source_usec + timing->transport_usec, kMaxDeviceLatencyUs);
      age_ns += static_cast<int64_t>(device_us) * 1000;
    }
    int64_t chunk_wall_ns = clock_->wall_ns(n_frames_read_, now_ns - age_ns);
    BlockAssembler& assembler = owner_.assembler();

    while (pa_stream_readable_size(stream) > 0) {
      const void* data = nullptr;
      size_t n_bytes = 0;
      if (pa_stream_peek(stream, &data, &n_bytes) < 0 || n_bytes == 0) break;
      const size_t n_frames = n_bytes / frame_bytes_;
      const int64_t duration_ns = static_cast<int64_t>(n_frames) * kNsPerSecond / rate;
      if (data == nullptr) {
        // A hole: the server dropped audio before we read it.
        owner_.capture_counters().add_dropped_samples(n_frames * kCaptureSampleRate / rate);
        converter_->reset();
        assembler.add_gap(duration_ns);
      } else {
        if (gap_pending_) {
          gap_pending_ = false;
          if (assembler.has_started()) {
            assembler.add_gap(std::max<int64_t>(chunk_wall_ns - assembler.expected_wall_ns(), 0));
          }
        }
        const int64_t first_wall_ns = chunk_wall_ns;
        const size_t n_nonfinite = converter_->convert(
            data, n_frames, [&](std::span<const float> samples, int64_t offset_ns) {
              assembler.append(samples, first_wall_ns + offset_ns);
            });
        owner_.capture_counters().add_nonfinite_frames(n_nonfinite);
      }
      chunk_wall_ns += duration_ns;
      n_frames_read_ += n_frames;
      next_input_wall_ns_ = chunk_wall_ns;
      pa_stream_drop(stream);
    }
  }

  static void on_overflow(pa_stream*, void* user) {
    static_cast<Loop*>(user)->owner_.capture_counters().add_device_overrun();
  }

  // --- failures and reconnection -------------------------------------------

  void fail(const std::string& why) {
    if (lost_) return;  // the first reason wins; the rest are its echoes
    lost_ = true;
    lost_reason_ = why;
  }

  // After a dispatch that reported a failure: before the first recording it
  // ends start(); later it tears down and schedules the next attempt.
  void after_loss() {
    lost_ = false;
    if (!started_) {
      start_failed_ = true;
      settle_start(lost_reason_);
      return;
    }
    flush_converter();  // then count the time from here
    release_all();
    phase_ = Phase::kWaiting;
    next_attempt_ns_ = steady_now_ns() + backoff_.next().count() * 1'000'000;
    owner_.set_status(
        SourceState::kReconnecting,
        lost_reason_ + "; " + backoff_.describe());
  }

  // Hands out what the resampler still holds of the stream being recorded.
  void flush_converter() {
    if (phase_ != Phase::kStreaming) return;
    converter_->flush([&](std::span<const float> samples, int64_t offset_ns) {
      owner_.assembler().append(samples, next_input_wall_ns_ + offset_ns);
    });
  }

  void release_all() {
    operation_.reset();
    stream_.reset();
    context_.reset();
  }

  void run_operation(pa_operation* operation) {
    if (!operation) return fail(server_error());
    operation_.reset(operation);
  }

  void settle_start(const std::string& error) {
    std::lock_guard lock(start_mutex_);
    start_error_ = error;
    start_settled_ = true;
    start_cv_.notify_all();
  }

  // --- messages -------------------------------------------------------------

  std::string device_words() const {
    if (opts_.device.empty() || opts_.device == kDefaultSourceName) return "the default input";
    if (opts_.device == kDefaultMonitorName) return "the monitor of the default sink";
    return "source '" + opts_.device + "'";
  }

  std::string server_error() const {
    const int err = context_ ? pa_context_errno(context_.get()) : PA_ERR_UNKNOWN;
    return "PulseAudio server at " + describe_pulse_server(opts_.server) +
           (started_ ? " went away" : " cannot be reached") + ": " + pa_strerror(err);
  }

  std::string stream_error(const std::string& what) const {
    const int err = context_ ? pa_context_errno(context_.get()) : PA_ERR_UNKNOWN;
    return "PulseAudio source '" + source_name_ + "' " + what + " (asked " +
           audio::describe(asked_) + "): " + pa_strerror(err);
  }

  PulseSource& owner_;
  const Options& opts_;
  RetryBackoff backoff_{opts_.retry_interval};
  pulse::MainloopPtr mainloop_;
  pulse::ContextPtr context_;
  pulse::StreamPtr stream_;
  pulse::OperationPtr operation_;

  Phase phase_ = Phase::kWaiting;
  int64_t next_attempt_ns_ = 0;
  bool follow_default_ = false;
  std::string source_name_;
  pa_sample_spec spec_{};
  StreamFormat asked_;
  size_t frame_bytes_ = 0;
  std::optional<CaptureConverter> converter_;
  std::optional<CaptureClock> clock_;
  uint64_t n_frames_read_ = 0;  // on this stream, holes included

  bool started_ = false;       // a first stream has recorded
  bool start_failed_ = false;  // the first attempt failed: the thread ends
  bool lost_ = false;          // a callback reported a failure this dispatch
  std::string lost_reason_;
  bool gap_pending_ = false;  // next data follows a reconnect
  int64_t next_input_wall_ns_ = 0;

  std::mutex start_mutex_;
  std::condition_variable start_cv_;
  bool start_settled_ = false;  // guarded by start_mutex_
  std::string start_error_;     // guarded by start_mutex_
};

PulseSource::PulseSource(Options options)
    : AudioSource(options.label, options.capture, OverrunPolicy::kDrop), opts_(std::move(options)) {
  set_description("pulse " + (opts_.device.empty() ? std::string("default input")
                                                   : "source '" + opts_.device + "'"));
}

PulseSource::~PulseSource() {
  stop();
}

void PulseSource::start() {
  if (thread_.joinable()) throw std::logic_error("pulse source '" + label() + "' already started");
  if (opts_.fragment_ms == 0 || opts_.fragment_ms > 1000) {
    throw std::invalid_argument("pulse source '" + label() + "': fragment_ms must be 1..1000");
  }
  clear_stop_request();
  loop_ = std::make_unique<Loop>(*this);
  thread_ = std::thread([this] { loop_->run(); });
  const std::string error = loop_->wait_for_start(opts_.start_timeout);
  if (!error.empty()) {
    request_stop();
    loop_->wake();
    thread_.join();
    loop_.reset();
    set_status(SourceState::kFailed, error);
    throw std::runtime_error(error);
  }
}

void PulseSource::stop() {
  request_stop();
  if (thread_.joinable()) {
    loop_->wake();
    thread_.join();
  }
  loop_.reset();
  if (!is_final(state()) && state() != SourceState::kIdle) {
    set_status(SourceState::kStopped, "stopped");
  }
}

std::string PulseSource::describe() const {
  std::lock_guard lock(description_mutex_);
  return description_;
}

void PulseSource::set_description(std::string text) {
  std::lock_guard lock(description_mutex_);
  description_ = std::move(text);
}

}  // namespace earshot::audio
