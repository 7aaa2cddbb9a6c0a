#include "daemon/source_runner.h"

#include <chrono>
#include <stdexcept>

#include "daemon/log.h"
#include "daemon/monotonic_clock.h"
#include "daemon/source_factory.h"
#include "ipc/topic.h"
#include "model/language_names.h"

namespace earshot::daemon {
namespace {

constexpr auto kPopTimeout = std::chrono::milliseconds(100);
constexpr double kFrameSeconds = 0.04;  // one model frame, what a session drops to catch up
// A running source that sends nothing this long is reported (capture blocks are 10 ms).
constexpr int64_t kNoAudioWarningNs = 5'000'000'000;

double block_seconds(size_t n_blocks) {
  return static_cast<double>(n_blocks * audio::kBlockSamples) / audio::kCaptureSampleRate;
}

ipc::SourceState state_of(audio::SourceState state, bool paused) {
  switch (state) {
    case audio::SourceState::kIdle:
    case audio::SourceState::kReconnecting: return ipc::SourceState::kStarting;
    case audio::SourceState::kRunning: return paused ? ipc::SourceState::kPaused : ipc::SourceState::kRunning;
    case audio::SourceState::kFailed: return ipc::SourceState::kFailed;
    case audio::SourceState::kEnded:
    case audio::SourceState::kStopped: return ipc::SourceState::kStopped;
  }
  return ipc::SourceState::kFailed;
}

}  // namespace

DecoderRequest decoder_request_of(const SourceSettings& settings) {
  return {settings.task, language_tag(settings.language), language_tag(settings.target_language)};
}

SourceRunner::SourceRunner(SourceSettings settings, const SpeechModel& model, Publish publish)
    : SourceRunner(std::move(settings),
                   [&model](const DecoderRequest& request) { return model.make_decoder(request); },
                   std::move(publish)) {}

SourceRunner::SourceRunner(SourceSettings settings, MakeDecoder make_decoder, Publish publish)
    : settings_(std::move(settings)),
      make_decoder_(std::move(make_decoder)),
      publish_(std::move(publish)),
      stream_config_(stream_config_of(settings_)),
      task_(decoder_request_of(settings_)),
      no_audio_(kNoAudioWarningNs) {
  shared_.source = settings_.label;
  shared_.task = task_.task;
  shared_.language = task_.language;
  shared_.target_language = task_.target_language;
}

SourceRunner::~SourceRunner() { stop(); }

void SourceRunner::start() {
  const std::string who = "source '" + settings_.label + "': ";
  try {
    decoder_ = make_decoder_(task_);
  } catch (const std::exception& e) {
    throw std::runtime_error(who + "cannot make its decoder: " + e.what());
  }
  try {
    source_ = make_source(settings_);
    source_->start();
  } catch (const std::exception& e) {
    throw std::runtime_error(who + e.what());
  }
  heartbeat_ns_.store(monotonic_ns(), std::memory_order_relaxed);
  seen_ = source_->status();  // as start_runner() reports it; changes from here are logged
  thread_ = std::thread(&SourceRunner::run, this);
}

void SourceRunner::stop() {
  if (!thread_.joinable()) return;
  source_->stop();  // queued blocks stay readable; the session thread drains them
  {
    std::lock_guard lock(stop_mutex_);
    stop_requested_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

std::string SourceRunner::describe() const {
  return source_ ? source_->describe() : std::string(enum_name(settings_.kind)) + " source";
}

std::optional<ipc::ControlResult> SourceRunner::refusal_if_ended() const {
  if (!ended()) return std::nullopt;
  const ipc::SourceStatus now = status();
  if (now.state == ipc::SourceState::kFailed) {
    return ipc::ControlResult::failure("source '" + settings_.label + "' has failed (" + now.error +
                                       "); a reload (SIGHUP) starts it again");
  }
  return ipc::ControlResult::failure("source '" + settings_.label + "' has stopped: its stream ended");
}

bool SourceRunner::failed() const { return ended() && status().state == ipc::SourceState::kFailed; }

ipc::ControlResult SourceRunner::pause() {
  if (auto refusal = refusal_if_ended()) return *refusal;
  std::lock_guard lock(mail_mutex_);
  mail_.paused = true;
  has_mail_.store(true, std::memory_order_release);
  std::lock_guard shared(shared_mutex_);
  shared_paused_ = true;
  return ipc::ControlResult::success();
}

ipc::ControlResult SourceRunner::resume() {
  if (auto refusal = refusal_if_ended()) return *refusal;
  std::lock_guard lock(mail_mutex_);
  mail_.paused = false;
  has_mail_.store(true, std::memory_order_release);
  std::lock_guard shared(shared_mutex_);
  shared_paused_ = false;
  return ipc::ControlResult::success();
}

ipc::ControlResult SourceRunner::set(const ipc::SourceSettings& change) {
  if (auto refusal = refusal_if_ended()) return *refusal;
  TaskSettings next;
  {
    std::lock_guard shared(shared_mutex_);
    next = {shared_.task, shared_.language, shared_.target_language};
  }
  if (change.task) next.task = *change.task;
  if (change.language) next.language = *change.language;
  if (change.target_language) next.target_language = *change.target_language;
  if (next.task == ipc::Task::kTranslate && next.target_language.empty()) {
    return ipc::ControlResult::failure("translate needs a target language");
  }
  // Names or tags come in; status and events carry tags.
  try {
    if (!next.language.empty()) next.language = model::language_of(next.language).tag;
    if (!next.target_language.empty()) next.target_language = model::language_of(next.target_language).tag;
  } catch (const std::invalid_argument& e) {
    return ipc::ControlResult::failure(e.what());
  }
  std::unique_ptr<stream::StreamDecoder> decoder;
  try {
    decoder = make_decoder_(next);
  } catch (const std::exception& e) {
    return ipc::ControlResult::failure(std::string("cannot make a decoder: ") + e.what());
  }
  std::lock_guard lock(mail_mutex_);
  mail_.decoder = std::move(decoder);
  mail_.task = next;
  has_mail_.store(true, std::memory_order_release);
  std::lock_guard shared(shared_mutex_);
  shared_.task = next.task;
  shared_.language = next.language;
  shared_.target_language = next.target_language;
  return ipc::ControlResult::success();
}

ipc::SourceStatus SourceRunner::status() const {
  ipc::SourceStatus status;
  bool paused = false;
  {
    std::lock_guard lock(shared_mutex_);
    status = shared_;
    paused = shared_paused_;
  }
  if (!status.error.empty()) {
    status.state = ipc::SourceState::kFailed;  // the session thread stopped on an error
    return status;
  }
  if (!source_) return status;
  const audio::SourceStatus source_status = source_->status();
  status.state = state_of(source_status.state, paused);
  if (status.state == ipc::SourceState::kFailed) status.error = source_status.message;
  return status;
}

RunnerTotals SourceRunner::totals() const {
  std::lock_guard lock(shared_mutex_);
  return shared_totals_;
}

std::optional<int64_t> SourceRunner::heartbeat_ns() const {
  if (finished_.load(std::memory_order_acquire)) return std::nullopt;
  return heartbeat_ns_.load(std::memory_order_relaxed);
}

// ---- session thread ----

void SourceRunner::run() noexcept {
  try {
    loop();
  } catch (const std::exception& e) {
    std::lock_guard lock(shared_mutex_);
    shared_.error = e.what();
    log_error("source '" + settings_.label + "': session stopped: " + e.what());
  } catch (...) {
    std::lock_guard lock(shared_mutex_);
    shared_.error = "unknown error";
    log_error("source '" + settings_.label + "': session stopped by an unknown error");
  }
  finished_.store(true, std::memory_order_release);
}

void SourceRunner::beat() { heartbeat_ns_.store(monotonic_ns(), std::memory_order_relaxed); }

void SourceRunner::loop() {
  audio::AudioBlock block;
  while (true) {
    beat();
    if (has_mail_.load(std::memory_order_acquire)) take_mail();
    stall_if_asked();
    fail_if_asked();
    if (!source_->wait_pop(block, kPopTimeout)) {
      if (source_->ended()) break;
      watch_no_audio(false);
      refresh_shared();
      continue;
    }
    watch_no_audio(true);
    n_samples_ += block.n_samples;
    if (!paused_) push(block);
    refresh_shared();
  }
  close_session();
  refresh_shared();
  const audio::SourceStatus end = source_->status();
  if (end.state == audio::SourceState::kFailed) {
    log_error("source '" + settings_.label + "': " + end.message);
  } else if (end.state == audio::SourceState::kEnded) {
    log_notice("source '" + settings_.label + "': end of stream");
  }
}

void SourceRunner::push(const audio::AudioBlock& block) {
  // Missing audio breaks the session's clock: the segment ends where the audio
  // did, and a new session starts at the block's true time.
  if (block.gap_ns > 0 && session_) close_session();
  if (!session_) open_session(block);
  session_->set_backlog(block_seconds(source_->n_ready()));
  session_->push(block.view(), block.wall_ns);
}

void SourceRunner::open_session(const audio::AudioBlock& block) {
  offset_s_ = static_cast<double>(block.device_ns) * 1e-9;
  session_ = std::make_unique<stream::StreamingSession>(
      *decoder_, stream_config_, settings_.label, [this](ipc::TranscriptEvent e) { on_event(std::move(e)); });
  session_->set_failure_sink([this](uint64_t segment_id, const std::string& reason) {
    log_warning("source '" + settings_.label + "': segment " + std::to_string(segment_base_ + segment_id) +
                ": decoding failed (" + reason + "); its text is lost or cut short");
  });
}

void SourceRunner::close_session() {
  if (!session_) return;
  session_->finish();
  const stream::SessionCounters& c = session_->counters();
  segment_base_ += c.n_segments;
  n_frames_dropped_ += c.n_frames_dropped;
  n_failed_segments_ += c.n_failed_segments;
  decode_s_ += c.decode_seconds;
  session_.reset();
}

void SourceRunner::on_event(ipc::TranscriptEvent event) {
  event.sequence = ++sequence_;
  event.segment_id += segment_base_;
  event.audio_start_s += offset_s_;
  event.audio_end_s += offset_s_;
  publish_(std::move(event));
}

void SourceRunner::take_mail() {
  Mailbox mail;
  {
    std::lock_guard lock(mail_mutex_);
    mail = std::move(mail_);
    mail_ = Mailbox{};
    has_mail_.store(false, std::memory_order_release);
  }
  if (mail.decoder) {
    close_session();  // the open segment ends in the old language
    decoder_ = std::move(mail.decoder);
    task_ = *mail.task;
    stream_config_.language = task_.language;
    stream_config_.target_language = task_.task == ipc::Task::kTranslate ? task_.target_language : "";
    log_info("source '" + settings_.label + "': now " + std::string(ipc::task_name(task_.task)) + " in " +
             task_.language + (task_.task == ipc::Task::kTranslate ? " to " + task_.target_language : ""));
  }
  if (mail.paused && *mail.paused != paused_) {
    paused_ = *mail.paused;
    if (paused_) close_session();
    log_info("source '" + settings_.label + "': " + (paused_ ? "paused" : "resumed"));
  }
}

void SourceRunner::fail_if_asked() const {
  if (settings_.test_fail_after_s <= 0) return;
  if (static_cast<double>(n_samples_) / audio::kCaptureSampleRate < settings_.test_fail_after_s) return;
  throw std::runtime_error("test_fail_after_s reached");
}

void SourceRunner::stall_if_asked() {
  if (settings_.test_stall_after_s <= 0 || stalled_once_) return;
  if (static_cast<double>(n_samples_) / audio::kCaptureSampleRate < settings_.test_stall_after_s) return;
  stalled_once_ = true;
  log_warning("source '" + settings_.label + "': test_stall_after_s reached; the session thread sleeps until "
              "shutdown");
  std::unique_lock lock(stop_mutex_);
  stop_cv_.wait(lock, [this] { return stop_requested_; });
}

void SourceRunner::log_state_change() {
  const audio::SourceStatus now = source_->status();
  // A running source may change what it records without stopping (the sound
  // server moved its stream): that is news too. Retries say nothing new.
  const bool news = seen_.state != now.state || (now.state == audio::SourceState::kRunning && seen_.message != now.message);
  seen_ = now;
  if (!news) return;
  const std::string line = "source '" + settings_.label + "': " + now.message;
  if (now.state == audio::SourceState::kReconnecting) {
    log_warning(line);
  } else if (now.state == audio::SourceState::kRunning) {
    log_notice(line);
  }  // failure and end of stream are logged when the session ends
}

void SourceRunner::watch_no_audio(bool got_audio) {
  const int64_t now = monotonic_ns();
  if (got_audio) {
    if (const std::optional<int64_t> silent_ns = no_audio_.on_audio(now)) {
      log_notice("source '" + settings_.label + "': audio again after " +
                 std::to_string(*silent_ns / 1'000'000'000) + " s without");
    }
    return;
  }
  if (no_audio_.on_idle(now, source_->state() == audio::SourceState::kRunning)) {
    log_warning("source '" + settings_.label + "': no audio for " + std::to_string(kNoAudioWarningNs / 1'000'000'000) +
                " s from " + source_->describe() +
                ", which reports no error (suspended or stalled?); still waiting for it");
  }
}

void SourceRunner::refresh_shared() {
  log_state_change();
  const audio::SourceCounters counters = source_->counters();
  if (counters.n_nonfinite_frames > 0 && !warned_nonfinite_) {
    warned_nonfinite_ = true;
    log_warning("source '" + settings_.label + "': " + source_->describe() +
                " delivers NaN or infinite samples (is that its true sample format?); they are read as silence");
  }
  const stream::SessionCounters* current = session_ ? &session_->counters() : nullptr;
  const double lost_samples = static_cast<double>(counters.n_overrun_samples + counters.n_dropped_samples);
  const uint64_t n_frames_dropped = n_frames_dropped_ + (current ? current->n_frames_dropped : 0);
  const uint64_t n_failed_segments = n_failed_segments_ + (current ? current->n_failed_segments : 0);
  std::lock_guard lock(shared_mutex_);
  shared_.lag_s = block_seconds(source_->n_ready());
  shared_.dropped_audio_s =
      lost_samples / audio::kCaptureSampleRate + static_cast<double>(n_frames_dropped) * kFrameSeconds;
  shared_.n_failed_segments = n_failed_segments;
  shared_.no_audio_s = static_cast<double>(no_audio_.silent_ns(monotonic_ns())) * 1e-9;
  shared_totals_.audio_s = static_cast<double>(n_samples_) / audio::kCaptureSampleRate;
  shared_totals_.decode_s = decode_s_ + (current ? current->decode_seconds : 0);
}

}  // namespace earshot::daemon
