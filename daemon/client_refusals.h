// CURVE clients turned away by a socket with an allowlist (curve_authorized_keys):
// the operator hears of them in the log, with the key to list if the client
// should be let in. ZeroMQ refuses them silently otherwise, and a refused
// client tries again every 100 ms, so each socket is reported at most once
// a minute, with the count since its last report.
//
//   RefusalReporter reporter;
//   for (const std::string& line : reporter.news(service.client_refusals(), monotonic_ns())) log_warning(line);
//
// Thread contract: thread-compatible; the main loop owns the reporter.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace earshot::daemon {

struct ClientRefusals {
  std::string socket;    // "bus tcp://*:5556", "control ipc://..."
  uint64_t n = 0;        // refused since the socket was bound
  std::string last_key;  // the latest refused client's public key (Z85)
};

class RefusalReporter {
 public:
  explicit RefusalReporter(int64_t min_interval_ns = 60'000'000'000) : min_interval_ns_(min_interval_ns) {}

  // One line for each socket that refused clients since its last report,
  // unless that report is under min_interval_ns old. A socket bound anew (a
  // reload) starts counting from zero again.
  std::vector<std::string> news(const std::vector<ClientRefusals>& now, int64_t now_ns);

 private:
  struct Reported {
    uint64_t n = 0;        // the socket's count at its last report
    int64_t at_ns = 0;
  };
  const int64_t min_interval_ns_;
  std::map<std::string, Reported> reported_;  // by socket
};

}  // namespace earshot::daemon
