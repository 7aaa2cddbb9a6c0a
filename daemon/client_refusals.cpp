#include "daemon/client_refusals.h"

namespace earshot::daemon {

std::vector<std::string> RefusalReporter::news(const std::vector<ClientRefusals>& now, int64_t now_ns) {
  std::vector<std::string> lines;
  std::map<std::string, Reported> reported;
  for (const ClientRefusals& socket : now) {
    const auto it = reported_.find(socket.socket);
    Reported last = it == reported_.end() || it->second.n > socket.n ? Reported{0, now_ns - min_interval_ns_}
                                                                     : it->second;
    if (socket.n > last.n && now_ns - last.at_ns >= min_interval_ns_) {
      const uint64_t n_new = socket.n - last.n;
      lines.push_back(socket.socket + ": refused " + std::to_string(n_new) + " CURVE handshake" +
                      (n_new == 1 ? "" : "s") + " of clients whose public key is not in curve_authorized_keys (the latest: " +
                      socket.last_key + "); list a client's public key there to let it in");
      last = {socket.n, now_ns};
    }
    reported[socket.socket] = last;
  }
  reported_ = std::move(reported);
  return lines;
}

}  // namespace earshot::daemon
