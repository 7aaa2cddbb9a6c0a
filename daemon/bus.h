// The service's side of the transcript bus: one Publisher per bound endpoint
// (and one connected to a broker, when set), every event sent to all of them.
// Finals are recorded in the History by the first publisher only.
//
//   Bus bus(bus_settings_of(config.service), history);   // binds; throws "bus: ..."
//   bus.publish(std::move(event));                      // from any session thread
//
// Thread contract: constructed and destroyed on the main thread; publish(),
// n_subscribers(), drops() and endpoints() from any thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/endpoint_lock.h"
#include "daemon/settings.h"
#include "ipc/publisher.h"

namespace earshot::ipc {
class History;
}

namespace earshot::daemon {

// What the bus is made of, with defaults filled in and keys loaded; compared
// on reload to tell whether the bus must be rebuilt.
struct BusSettings {
  std::vector<std::string> bind{};
  std::string broker{};
  std::string curve_secret_key{};   // the key itself
  std::string broker_public_key{};  // the key itself
  int send_high_water_mark = 1000;

  bool operator==(const BusSettings&) const = default;
};

struct ControlSettings {
  std::string endpoint{};
  std::string curve_secret_key{};

  bool operator==(const ControlSettings&) const = default;
};

// Fill in the default endpoints under $XDG_RUNTIME_DIR and load the keys.
// Throw std::runtime_error saying which setting is missing or unreadable.
BusSettings bus_settings_of(const ServiceSettings& service);
ControlSettings control_settings_of(const ServiceSettings& service);

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

 private:
  std::vector<std::unique_ptr<EndpointLock>> locks_;
  std::vector<std::unique_ptr<ipc::Publisher>> publishers_;
};

}  // namespace earshot::daemon
