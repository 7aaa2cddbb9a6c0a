// The running service: the bus, the control socket, the one loaded model and
// a SourceRunner (source + streaming session + thread) per [[source]]. It is
// also the control socket's handler (status, list_sources, pause, resume,
// set; "history" is answered from its History).
//
//   Service service(config);
//   service.start(progress);     // binds, checks sources, loads the model, starts sessions
//   ... service.snapshot() / check_progress() from the main loop ...
//   service.reload(new_config);  // SIGHUP: what did not change keeps running
//   service.stop();              // every open segment is finished and published
//
// Thread contract: start(), reload(), stop(), snapshot(), check_progress()
// and publish_status() on the main thread; the ControlHandler methods on the
// control server's thread; publish() on the session threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/bus.h"
#include "daemon/config.h"
#include "daemon/endpoint_lock.h"
#include "daemon/progress_check.h"
#include "daemon/source_runner.h"
#include "daemon/speech_model.h"
#include "daemon/status_report.h"
#include "ipc/control_handler.h"
#include "ipc/control_server.h"
#include "ipc/history.h"

namespace earshot::daemon {

// The model settings in effect: `model` resolved to the bundled file when empty.
SpeechModelOptions model_options_of(const ServiceSettings& service);

class Service final : public ipc::ControlHandler {
 public:
  using Progress = std::function<void(std::string_view)>;

  explicit Service(DaemonConfig config);
  ~Service() override;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Throws std::runtime_error whose message says what failed and where
  // ("bus: cannot bind tcp://127.0.0.1:7700: Address already in use").
  void start(const Progress& progress);
  // Applies `next`: a changed bus or control endpoint is rebound, a changed
  // model is loaded (then every session restarts on it), changed or new
  // sources restart or start, removed ones stop; the rest keeps running and
  // subscribers stay connected; sources that failed start again. Throws
  // (leaving the service as it was) when the new model cannot be had or cannot
  // make a decoder for a source's task and languages. Endpoints that cannot
  // be bound keep the previous ones (or, failing those too, leave the bus or
  // control socket unbound until a later reload: unbound_parts()); a source
  // that fails to start (its device, say) is logged and left out.
  void reload(DaemonConfig next, const Progress& progress);
  void stop();

  // Status now; also feeds the real-time factor's window (main thread).
  ipc::DaemonStatus snapshot();
  ProgressVerdict check_progress(int64_t limit_ns) const;
  void publish_status(const ipc::DaemonStatus& status);

  // ControlHandler, on the control thread.
  ipc::DaemonStatus status() override;
  ipc::ControlResult pause(const std::string& source) override;
  ipc::ControlResult resume(const std::string& source) override;
  ipc::ControlResult set(const ipc::SourceSettings& settings) override;

  const DaemonConfig& config() const { return config_; }
  std::vector<std::string> bus_endpoints() const;
  std::string control_endpoint() const;
  // "bus", "control socket": what a reload left unbound (main thread).
  std::vector<std::string> unbound_parts() const;
  // The CURVE clients each socket with an allowlist turned away (main thread).
  std::vector<ClientRefusals> client_refusals();

 private:
  void publish(ipc::TranscriptEvent event) noexcept;
  void bind_bus(const BusSettings& settings);
  void bind_control(const ControlSettings& settings);
  // bind(true) binds the new settings; if that throws, bind(false) the previous
  // ones (unless they are the same); if that throws too, the part stays
  // unbound (logged, and named by unbound_parts()).
  void rebind(const std::string& what, bool unchanged, const std::function<void(bool next)>& bind);
  std::unique_ptr<SourceRunner> start_runner(const SourceSettings& settings);
  ipc::DaemonStatus build_status() const;
  template <class Action>
  ipc::ControlResult with_runner(const std::string& label, Action action);

  DaemonConfig config_;
  const int64_t started_ns_;
  std::unique_ptr<ipc::History> history_;
  std::unique_ptr<SpeechModel> model_;

  mutable std::shared_mutex bus_mutex_;
  std::unique_ptr<Bus> bus_;  // guarded by bus_mutex_ (swapped on reload, used by session threads)
  BusSettings bus_settings_;

  std::unique_ptr<EndpointLock> control_lock_;
  std::unique_ptr<ipc::ControlServer> control_;
  // The control socket's refusals as client_refusals() last saw them, for
  // status replies made on the control thread, which must not read control_.
  std::atomic<uint64_t> n_control_refused_{0};
  ControlSettings control_settings_;

  mutable std::shared_mutex runners_mutex_;
  std::vector<std::unique_ptr<SourceRunner>> runners_;  // guarded by runners_mutex_

  mutable std::mutex status_mutex_;
  std::string model_name_;  // guarded by status_mutex_
  double rtf_ = 0;          // guarded by status_mutex_
  RtfWindow rtf_window_;    // main thread
  uint64_t status_sequence_ = 0;  // main thread
};

}  // namespace earshot::daemon
