#include "daemon/bus.h"

#include <stdexcept>

#include "ipc/authorized_keys.h"
#include "ipc/curve_keys.h"
#include "ipc/runtime_endpoints.h"

namespace earshot::daemon {
namespace {

ipc::BusEndpoints default_endpoints() {
  try {
    return ipc::default_bus_endpoints_from_environment();
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("no default endpoint: ") + e.what() +
                             " (or set `bus` and `control` in the configuration)");
  }
}

std::string load_key(const std::string& key_or_path, const char* setting) {
  if (key_or_path.empty()) return {};
  try {
    return ipc::load_curve_key(key_or_path);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string(setting) + ": " + e.what());
  }
}

ClientAllowlist load_allowlist(const ServiceSettings& service) {
  if (service.curve_authorized_keys.empty()) return {};
  try {
    const std::string& path = service.curve_authorized_keys;
    return ClientAllowlist{path, ipc::load_authorized_keys(path)};
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("curve_authorized_keys: ") + e.what());
  }
}

}  // namespace

BusSettings bus_settings_of(const ServiceSettings& service) {
  BusSettings settings;
  settings.bind = service.bus;
  if (settings.bind.empty()) settings.bind = {default_endpoints().bus};
  settings.broker = service.bus_broker;
  settings.curve_secret_key = load_key(service.curve_secret_key, "curve_secret_key");
  settings.authorized_clients = load_allowlist(service);
  settings.broker_public_key = load_key(service.broker_public_key, "broker_public_key");
  settings.send_high_water_mark = service.send_high_water_mark;
  return settings;
}

ControlSettings control_settings_of(const ServiceSettings& service) {
  ControlSettings settings;
  settings.endpoint = service.control.empty() ? default_endpoints().control : service.control;
  settings.curve_secret_key = load_key(service.curve_secret_key, "curve_secret_key");
  settings.authorized_clients = load_allowlist(service);
  return settings;
}

ipc::ControlServerOptions control_server_options_of(const ControlSettings& settings) {
  return ipc::ControlServerOptions{.endpoint = settings.endpoint,
                                   .curve_secret_key = settings.curve_secret_key,
                                   .curve_authorized_keys = settings.authorized_clients.path};
}

Bus::Bus(const BusSettings& settings, ipc::History& history) {
  for (const auto& endpoint : settings.bind) {
    locks_.push_back(std::make_unique<EndpointLock>(endpoint));
    ipc::PublisherOptions options;
    options.endpoint = endpoint;
    options.curve_secret_key = settings.curve_secret_key;
    options.curve_authorized_keys = settings.authorized_clients.path;
    options.send_high_water_mark = settings.send_high_water_mark;
    options.history = publishers_.empty() ? &history : nullptr;
    publishers_.push_back(std::make_unique<ipc::Publisher>(std::move(options)));
  }
  if (!settings.broker.empty()) {
    ipc::PublisherOptions options;
    options.endpoint = settings.broker;
    options.connect = true;
    options.curve_server_public_key = settings.broker_public_key;
    // The daemon's own key pair rather than a throw-away one, so that a broker
    // with an allowlist can let it in by the public key of curve_secret_key.
    if (!settings.broker_public_key.empty()) options.curve_client_secret_key = settings.curve_secret_key;
    options.send_high_water_mark = settings.send_high_water_mark;
    options.history = publishers_.empty() ? &history : nullptr;
    publishers_.push_back(std::make_unique<ipc::Publisher>(std::move(options)));
  }
}

Bus::~Bus() = default;

void Bus::publish(ipc::TranscriptEvent event) noexcept {
  for (size_t i = 0; i + 1 < publishers_.size(); ++i) {
    try {
      publishers_[i]->publish(event);  // a copy for all but the last
    } catch (...) {
      // Copying an event can only fail for memory; the event is lost for this endpoint.
    }
  }
  if (!publishers_.empty()) publishers_.back()->publish(std::move(event));
}

int Bus::n_subscribers() const noexcept {
  int n = 0;
  for (const auto& p : publishers_) n += p->stats().n_subscribers;
  return n;
}

ipc::BusDrops Bus::drops() const noexcept {
  ipc::BusDrops drops;
  for (const auto& p : publishers_) {
    const ipc::PublisherStats s = p->stats();
    drops.n_queue_full += s.n_dropped_queue_full;
    drops.n_send_failed += s.n_send_failed;
    drops.n_rejected += s.n_rejected;
  }
  return drops;
}

std::vector<ClientRefusals> Bus::client_refusals() const {
  std::vector<ClientRefusals> out;
  for (const auto& p : publishers_) {
    const ipc::PublisherStats s = p->stats();
    out.push_back({"bus " + p->endpoint(), s.n_refused_clients, s.last_refused_key});
  }
  return out;
}

std::vector<std::string> Bus::endpoints() const {
  std::vector<std::string> out;
  for (const auto& p : publishers_) out.push_back(p->endpoint());
  return out;
}

}  // namespace earshot::daemon
