// The service's side of the transcript bus: one Publisher per bound endpoint
// (and one connected to a broker, when set), every event sent to all of them.
// Finals are recorded in the History by the first publisher only. With
// curve_authorized_keys, every bound endpoint lets in only the listed clients;
// towards a broker the daemon presents the key pair of its curve_secret_key.
//
//   Bus bus(bus_settings_of(config.service), history);   // binds; throws "bus: ..."
//   bus.publish(std::move(event));                      // from any session thread
//
// Thread contract: constructed and destroyed on the main thread; publish(),
// n_subscribers(), drops() and endpoints() from any thread.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/client_refusals.h"
#include "daemon/endpoint_lock.h"
#include "daemon/settings.h"
#include "ipc/control_server.h"
#include "ipc/publisher.h"

namespace earshot::ipc {
class History;
}

namespace earshot::daemon {

// The clients a bound socket lets in (curve_authorized_keys). The keys are
// read here too, although ipc/ reads the list again when it binds: so that a
// bad list fails before a reload unbinds anything, and so that a reload
// notices a list edited in place.
struct ClientAllowlist {
  std::string path{};            // file or directory; "" = any client with the server key
  std::set<std::string> keys{};  // the Z85 public keys it held when read

  bool operator==(const ClientAllowlist&) const = default;
};

// What the bus is made of, with defaults filled in and keys loaded; compared
// on reload to tell whether the bus must be rebuilt.
struct BusSettings {
  std::vector<std::string> bind{};
  std::string broker{};
  std::string curve_secret_key{};        // the key itself; also the daemon's own key towards the broker
  ClientAllowlist authorized_clients{};  // of the bound endpoints
  std::string broker_public_key{};       // the key itself
  int send_high_water_mark = 1000;

  bool operator==(const BusSettings&) const = default;
};

struct ControlSettings {
  std::string endpoint{};
  std::string curve_secret_key{};
  ClientAllowlist authorized_clients{};

  bool operator==(const ControlSettings&) const = default;
};

// Fill in the default endpoints under $XDG_RUNTIME_DIR and load the keys.
// Throw std::runtime_error saying which setting is missing or unreadable.
BusSettings bus_settings_of(const ServiceSettings& service);
ControlSettings control_settings_of(const ServiceSettings& service);

// The control server's socket options for these settings (the endpoint, the
// CURVE key, the allowlist).
ipc::ControlServerOptions control_server_options_of(const ControlSettings& settings);

class Bus {
 public:
  Bus(const BusSettings& settings, ipc::History& history);
  ~Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  void publish(ipc::TranscriptEvent event) noexcept;
  int n_subscribers() const noexcept;
  ipc::BusDrops drops() const noexcept;
  std::vector<std::string> endpoints() const;  // as bound / connected
  // Per bound endpoint with an allowlist: the clients it turned away.
  std::vector<ClientRefusals> client_refusals() const;

 private:
  std::vector<std::unique_ptr<EndpointLock>> locks_;
  std::vector<std::unique_ptr<ipc::Publisher>> publishers_;
};

}  // namespace earshot::daemon
