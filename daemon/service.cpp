#include "daemon/service.h"

#include <time.h>

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>

#include "daemon/log.h"
#include "daemon/model_paths.h"
#include "daemon/monotonic_clock.h"
#include "daemon/source_factory.h"
#include "ipc/curve_keys.h"

namespace earshot::daemon {
namespace {

constexpr size_t kHistorySources = 32;

double unix_time_s() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs `step`; an exception gets `what` in front of its message.
template <class Step>
auto with_context(const std::string& what, Step step) {
  try {
    return step();
  } catch (const std::exception& e) {
    throw std::runtime_error(what + ": " + e.what());
  }
}

// Who may connect, and the public key a broker with an allowlist must list
// (the one that belongs to curve_secret_key): operators need both to set up clients.
void log_bus_keys(const BusSettings& settings) {
  const ClientAllowlist& allowed = settings.authorized_clients;
  if (!allowed.path.empty()) {
    log_info("bus and control socket: CURVE, only the " + std::to_string(allowed.keys.size()) +
             " client key(s) listed in " + allowed.path + " are let in");
  }
  if (!settings.broker.empty() && !settings.broker_public_key.empty() && !settings.curve_secret_key.empty()) {
    log_info("bus broker " + settings.broker + ": connecting with the CURVE public key " +
             ipc::curve_public_key_of(settings.curve_secret_key));
  }
}

// Makes, and drops, one decoder for each task and languages the sources ask
// for: a model that loads but cannot serve them (a special token missing, no
// memory for the cache) is refused while the old sessions still run.
void check_decoders(const SpeechModel& model, const std::vector<SourceSettings>& sources) {
  std::set<std::tuple<ipc::Task, std::string, std::string>> tried;
  for (const SourceSettings& source : sources) {
    const DecoderRequest request = decoder_request_of(source);
    if (!tried.emplace(request.task, request.language, request.target_language).second) continue;
    try {
      model.make_decoder(request);
    } catch (const std::exception& e) {
      throw std::runtime_error("source '" + source.label + "' cannot run on it: " + e.what());
    }
  }
}

}  // namespace

SpeechModelOptions model_options_of(const ServiceSettings& service) {
  const std::filesystem::path model = effective_model_path(service.model);
  return SpeechModelOptions{model, service.mmproj, service.threads, service.final_beam, service.partial_beam,
                            service.ctc_weight, word_lm_path(service.word_lm, model)};
}

Service::Service(DaemonConfig config) : config_(std::move(config)), started_ns_(monotonic_ns()) {}

Service::~Service() { stop(); }

void Service::bind_bus(const BusSettings& settings) {
  auto bus = with_context("bus", [&] { return std::make_unique<Bus>(settings, *history_); });
  {
    std::unique_lock lock(bus_mutex_);
    bus_ = std::move(bus);
    bus_settings_ = settings;
  }
  log_bus_keys(settings);
}

void Service::bind_control(const ControlSettings& settings) {
  with_context("control socket", [&] {
    auto lock = std::make_unique<EndpointLock>(settings.endpoint);
    auto server = std::make_unique<ipc::ControlServer>(control_server_options_of(settings), *this, *history_);
    control_lock_ = std::move(lock);
    control_ = std::move(server);
  });
  control_settings_ = settings;
}

void Service::rebind(const std::string& what, bool unchanged, const std::function<void(bool next)>& bind) {
  try {
    bind(true);
    return;
  } catch (const std::exception& e) {
    if (unchanged) {
      log_error(std::string(e.what()) + "; " + what + " is not bound until a reload (SIGHUP) binds it");
      return;
    }
    log_error(std::string(e.what()) + "; keeping the previous settings of " + what);
  }
  try {
    bind(false);
  } catch (const std::exception& e) {
    // Someone took the endpoint while it was free: run on without it, say so,
    // and let the next reload try again.
    log_error(std::string(e.what()) + "; " + what + " is not bound until a reload (SIGHUP) binds it");
  }
}

std::unique_ptr<SourceRunner> Service::start_runner(const SourceSettings& settings) {
  auto runner = std::make_unique<SourceRunner>(settings, *model_,
                                               [this](ipc::TranscriptEvent e) { publish(std::move(e)); });
  runner->start();
  log_info("source '" + settings.label + "': " + runner->describe() + ", " +
           std::string(ipc::task_name(settings.task)) + " in " + settings.language);
  return runner;
}

void Service::start(const Progress& progress) {
  history_ = std::make_unique<ipc::History>(ipc::HistoryLimits{
      static_cast<size_t>(config_.service.history), kHistorySources});

  progress("binding the bus and the control socket");
  bind_bus(with_context("bus", [&] { return bus_settings_of(config_.service); }));
  bind_control(with_context("control socket", [&] { return control_settings_of(config_.service); }));

  for (const SourceSettings& source : config_.sources) {
    with_context("source '" + source.label + "'", [&] { probe_source(source); });
  }

  const SpeechModelOptions model_options = model_options_of(config_.service);
  progress("loading the model " + model_options.model.string());
  model_ = SpeechModel::load(model_options);
  {
    std::lock_guard lock(status_mutex_);
    model_name_ = model_->name();
  }
  log_info("model " + model_->name() + " (" + model_options.model.string() + ", " +
           std::to_string(model_->weight_bytes() / 1000000) + " MB of weights); word model " +
           (model_options.word_lm.empty() ? std::string("none") : model_options.word_lm.string()));

  progress("opening the sources");
  for (const SourceSettings& source : config_.sources) {
    auto runner = start_runner(source);
    std::unique_lock lock(runners_mutex_);
    runners_.push_back(std::move(runner));
  }
}

void Service::reload(DaemonConfig next, const Progress& progress) {
  // Everything that can fail comes first, while the service runs as it was.
  const BusSettings bus_next = with_context("bus", [&] { return bus_settings_of(next.service); });
  const ControlSettings control_next =
      with_context("control socket", [&] { return control_settings_of(next.service); });
  const SpeechModelOptions model_next = model_options_of(next.service);
  std::unique_ptr<SpeechModel> new_model;
  const bool replaced = model_next == model_->options() && model_->files_replaced();
  if (replaced) log_notice("reload: " + model_next.model.string() + " was replaced on disk; it is loaded again");
  if (!(model_next == model_->options()) || replaced) {
    progress("loading the model " + model_next.model.string());
    new_model = SpeechModel::load(model_next);
    with_context("model " + model_next.model.string(), [&] { check_decoders(*new_model, next.sources); });
  }
  if (next.service.history != config_.service.history) {
    log_warning("reload: `history` takes effect at the next start");
  }

  // A part that a previous reload left unbound is bound again even with
  // unchanged settings.
  if (!bus_ || !(bus_next == bus_settings_)) {
    log_notice(bus_ ? "reload: the bus endpoints or keys changed; the bus is bound again"
                    : "reload: binding the bus again");
    {
      std::unique_lock lock(bus_mutex_);
      bus_.reset();  // unbind first: the new bus may use the same endpoints
    }
    rebind("the bus", bus_next == bus_settings_, [&](bool next) { bind_bus(next ? bus_next : bus_settings_); });
  }
  if (!control_ || !(control_next == control_settings_)) {
    control_.reset();
    control_lock_.reset();
    rebind("the control socket", control_next == control_settings_,
           [&](bool next) { bind_control(next ? control_next : control_settings_); });
  }

  // Sessions: keep those whose settings and model are unchanged.
  std::vector<std::unique_ptr<SourceRunner>> old;
  {
    std::unique_lock lock(runners_mutex_);
    old = std::move(runners_);
    runners_.clear();
  }
  std::vector<std::unique_ptr<SourceRunner>> kept;
  for (auto& runner : old) {
    const SourceSettings* wanted = next.find_source(runner->settings().label);
    // A source that failed starts again, as at start; one whose stream ended
    // (a file) stays ended rather than publish it all again.
    if (!new_model && wanted && *wanted == runner->settings() && !runner->failed()) {
      kept.push_back(std::move(runner));
    } else {
      runner->stop();  // its open segment is finished on the old settings
      runner.reset();
    }
  }
  if (new_model) {
    model_ = std::move(new_model);
    log_notice("reload: model " + model_->name() + " (" + model_next.model.string() + ") loaded; the sessions "
               "restart on it");
    std::lock_guard lock(status_mutex_);
    model_name_ = model_->name();
  }
  progress("opening the sources");
  std::vector<std::unique_ptr<SourceRunner>> running;
  for (const SourceSettings& source : next.sources) {
    auto same = std::find_if(kept.begin(), kept.end(),
                             [&](const auto& r) { return r && r->settings().label == source.label; });
    if (same != kept.end()) {
      running.push_back(std::move(*same));
      continue;
    }
    try {
      running.push_back(start_runner(source));
    } catch (const std::exception& e) {
      log_error(std::string("reload: ") + e.what() + "; the source is left out");
    }
  }
  {
    std::unique_lock lock(runners_mutex_);
    runners_ = std::move(running);
  }
  rtf_window_.clear();
  config_ = std::move(next);
}

void Service::stop() {
  std::vector<std::unique_ptr<SourceRunner>> runners;
  {
    std::unique_lock lock(runners_mutex_);
    runners = std::move(runners_);
    runners_.clear();
  }
  for (auto& runner : runners) runner->stop();  // finals go out on the bus
  if (bus_ && config_.service.status_event_interval_s > 0) {
    ipc::DaemonStatus last = build_status();
    for (auto& runner : runners) last.sources.push_back(runner->status());
    publish_status(last);
  }
  runners.clear();
  control_.reset();
  control_lock_.reset();
  std::unique_lock lock(bus_mutex_);
  bus_.reset();  // sends what is still queued, within the publishers' linger
}

void Service::publish(ipc::TranscriptEvent event) noexcept {
  std::shared_lock lock(bus_mutex_);
  if (bus_) bus_->publish(std::move(event));
}

ipc::DaemonStatus Service::build_status() const {
  ipc::DaemonStatus status;
  status.wall_time_s = unix_time_s();
  status.uptime_s = static_cast<double>(monotonic_ns() - started_ns_) * 1e-9;
  {
    std::lock_guard lock(status_mutex_);
    status.model = model_name_;
    status.real_time_factor = rtf_;
  }
  {
    std::shared_lock lock(bus_mutex_);
    if (bus_) {
      status.n_subscribers = bus_->n_subscribers();
      status.drops = bus_->drops();
      for (const ClientRefusals& socket : bus_->client_refusals()) status.n_refused_clients += socket.n;
    }
  }
  status.n_refused_clients += n_control_refused_.load(std::memory_order_relaxed);
  std::shared_lock lock(runners_mutex_);
  for (const auto& runner : runners_) status.sources.push_back(runner->status());
  return status;
}

ipc::DaemonStatus Service::snapshot() {
  double audio_s = 0;
  double decode_s = 0;
  {
    std::shared_lock lock(runners_mutex_);
    for (const auto& runner : runners_) {
      const RunnerTotals t = runner->totals();
      audio_s += t.audio_s;
      decode_s += t.decode_s;
    }
  }
  rtf_window_.add(monotonic_ns(), audio_s, decode_s);
  {
    std::lock_guard lock(status_mutex_);
    rtf_ = rtf_window_.rtf();
  }
  return build_status();
}

ProgressVerdict Service::check_progress(int64_t limit_ns) const {
  std::vector<Heartbeat> beats;
  {
    std::shared_lock lock(runners_mutex_);
    for (const auto& runner : runners_) beats.push_back({runner->settings().label, runner->heartbeat_ns()});
  }
  return daemon::check_progress(beats, monotonic_ns(), limit_ns);
}

void Service::publish_status(const ipc::DaemonStatus& status) {
  ipc::TranscriptEvent event;
  event.kind = ipc::EventKind::kStatus;
  event.source = std::string(ipc::kDaemonSource);
  event.sequence = ++status_sequence_;
  event.wall_start_s = event.wall_end_s = status.wall_time_s;
  event.status = status;
  publish(std::move(event));
}

ipc::DaemonStatus Service::status() { return build_status(); }

template <class Action>
ipc::ControlResult Service::with_runner(const std::string& label, Action action) {
  std::shared_lock lock(runners_mutex_);
  for (const auto& runner : runners_) {
    if (runner->settings().label == label) return action(*runner);
  }
  return ipc::ControlResult::failure("no source '" + label + "'");
}

ipc::ControlResult Service::pause(const std::string& source) {
  return with_runner(source, [](SourceRunner& r) { return r.pause(); });
}

ipc::ControlResult Service::resume(const std::string& source) {
  return with_runner(source, [](SourceRunner& r) { return r.resume(); });
}

ipc::ControlResult Service::set(const ipc::SourceSettings& settings) {
  return with_runner(settings.source, [&](SourceRunner& r) { return r.set(settings); });
}

std::vector<std::string> Service::unbound_parts() const {
  std::vector<std::string> parts;
  if (!bus_) parts.push_back("bus");
  if (!control_) parts.push_back("control socket");
  return parts;
}

std::vector<ClientRefusals> Service::client_refusals() {
  std::vector<ClientRefusals> out;
  {
    std::shared_lock lock(bus_mutex_);
    if (bus_) out = bus_->client_refusals();
  }
  const uint64_t n_control = control_ ? control_->n_refused_clients() : 0;
  n_control_refused_.store(n_control, std::memory_order_relaxed);
  if (control_) out.push_back({"control " + control_->endpoint(), n_control, control_->last_refused_key()});
  return out;
}

std::vector<std::string> Service::bus_endpoints() const {
  std::shared_lock lock(bus_mutex_);
  return bus_ ? bus_->endpoints() : std::vector<std::string>{};
}

std::string Service::control_endpoint() const { return control_ ? control_->endpoint() : std::string{}; }

}  // namespace earshot::daemon
