// One source and its streaming session, run by the source's session thread:
// it takes AudioBlocks from the capture ring, tells the session how far
// behind it is (blocks waiting x 10 ms), pushes the samples, and hands the
// session's events to `publish`. Pause, resume and new task or language
// settings arrive through a mailbox and are applied between blocks; each of
// them, a gap in the audio and the end of the stream finish the open segment
// (its final is published) and the next audio starts a new session, with
// sequence numbers, segment ids and audio times continuing on the source's
// clock.
//
//   SourceRunner runner(settings, model, [&](ipc::TranscriptEvent e) { bus.publish(std::move(e)); });
//   runner.start();   // throws "source 'mic': ..."
//   ...
//   runner.stop();    // the open segment's final is published before it returns
//
// Thread contract: start(), stop() and the destructor on the main thread;
// pause(), resume(), set() on the control thread; status(), totals() and
// heartbeat_ns() from any thread. The session thread owns the session and the
// decoder; `publish` is called on it and must not block.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "audio/audio_source.h"
#include "daemon/no_audio_watch.h"
#include "daemon/settings.h"
#include "daemon/speech_model.h"
#include "ipc/control_handler.h"
#include "stream/streaming_session.h"

namespace earshot::daemon {

struct RunnerTotals {
  double audio_s = 0;   // audio taken from the source
  double decode_s = 0;  // time spent in the model
};

// What a runner's start() asks its MakeDecoder for: the source's task, its
// languages as tags.
DecoderRequest decoder_request_of(const SourceSettings& settings);

class SourceRunner {
 public:
  using Publish = std::function<void(ipc::TranscriptEvent)>;
  // Makes a decoder for a task and its languages (tags): the model's
  // make_decoder() in the service, a scripted decoder in tests. Throws when it
  // cannot; called on the main and control threads.
  using MakeDecoder = std::function<std::unique_ptr<stream::StreamDecoder>(const DecoderRequest&)>;

  // `model` must outlive the runner.
  SourceRunner(SourceSettings settings, const SpeechModel& model, Publish publish);
  SourceRunner(SourceSettings settings, MakeDecoder make_decoder, Publish publish);
  ~SourceRunner();
  SourceRunner(const SourceRunner&) = delete;
  SourceRunner& operator=(const SourceRunner&) = delete;

  // Makes the decoder, opens the source and starts the session thread.
  // Throws std::runtime_error starting "source 'LABEL': ".
  void start();
  // Stops the capture, lets the session take what was captured, finishes the
  // open segment and joins. Idempotent.
  void stop();

  // Each fails, saying why, once the session thread has ended (the source
  // failed, its stream ended, or stop()): nothing would take the change. (A
  // command that comes while the last segment is being finished is taken and
  // goes nowhere.)
  ipc::ControlResult pause();
  ipc::ControlResult resume();
  ipc::ControlResult set(const ipc::SourceSettings& change);
  // The session thread has ended; only a new runner (a reload) starts the source again.
  bool ended() const { return finished_.load(std::memory_order_acquire); }
  // It ended on an error (its device, or the session), not at the end of its stream.
  bool failed() const;

  ipc::SourceStatus status() const;
  RunnerTotals totals() const;
  // CLOCK_MONOTONIC ns of the session thread's last sign of progress; nullopt
  // once that thread has ended (end of stream, failure, stop).
  std::optional<int64_t> heartbeat_ns() const;

  const SourceSettings& settings() const { return settings_; }
  std::string describe() const;

 private:
  // What the session does, languages as tags ("en") whatever the config or the
  // control request wrote: exactly what its decoder is made for.
  using TaskSettings = DecoderRequest;
  // Control thread to session thread.
  struct Mailbox {
    std::optional<bool> paused{};
    std::unique_ptr<stream::StreamDecoder> decoder{};
    std::optional<TaskSettings> task{};
  };

  // A control command's answer once the session thread has ended, else nullopt.
  std::optional<ipc::ControlResult> refusal_if_ended() const;

  // Session thread.
  void run() noexcept;
  void loop();
  void beat();
  void take_mail();
  // Logs a device lost (reconnecting, and why) or back, or recording elsewhere, once per change.
  void log_state_change();
  // Logs a running source that delivers nothing for a while, and its return.
  void watch_no_audio(bool got_audio);
  void stall_if_asked();
  void fail_if_asked() const;
  void push(const audio::AudioBlock& block);
  void open_session(const audio::AudioBlock& block);
  void close_session();
  void on_event(ipc::TranscriptEvent event);
  void refresh_shared();

  const SourceSettings settings_;
  const MakeDecoder make_decoder_;
  const Publish publish_;
  std::unique_ptr<audio::AudioSource> source_;
  std::thread thread_;

  // Session thread only.
  std::unique_ptr<stream::StreamDecoder> decoder_;
  std::unique_ptr<stream::StreamingSession> session_;
  stream::StreamConfig stream_config_;
  TaskSettings task_;
  bool paused_ = false;
  bool stalled_once_ = false;
  audio::SourceStatus seen_;  // the source's state and message at the last look
  bool warned_nonfinite_ = false;  // the log says once that the source sends NaN or infinities
  NoAudioWatch no_audio_;
  uint64_t sequence_ = 0;
  uint64_t segment_base_ = 0;
  double offset_s_ = 0;          // source time of the current session's first sample
  uint64_t n_samples_ = 0;       // taken from the source
  uint64_t n_frames_dropped_ = 0;  // by finished sessions, catching up
  uint64_t n_failed_segments_ = 0;  // by finished sessions
  double decode_s_ = 0;            // by finished sessions

  std::mutex mail_mutex_;
  Mailbox mail_;                   // guarded by mail_mutex_
  std::atomic<bool> has_mail_{false};

  mutable std::mutex shared_mutex_;
  ipc::SourceStatus shared_;       // guarded by shared_mutex_: task, language, lag, drops, failures, error
  RunnerTotals shared_totals_;     // guarded by shared_mutex_
  bool shared_paused_ = false;     // guarded by shared_mutex_

  std::mutex stop_mutex_;
  std::condition_variable stop_cv_;
  bool stop_requested_ = false;    // guarded by stop_mutex_
  std::atomic<int64_t> heartbeat_ns_{0};
  std::atomic<bool> finished_{false};
};

}  // namespace earshot::daemon
