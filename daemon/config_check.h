// Checks that involve more than one value, after the file and the overrides
// are read: unique valid labels, what each source kind needs, endpoints that
// may be bound. Each message names the key and where its value came from.
//
// Thread contract: a pure function; the main thread calls it.
#pragma once

namespace earshot::daemon {

struct DaemonConfig;

// Throws ConfigError for the first problem found.
void check_config(const DaemonConfig& config);

}  // namespace earshot::daemon
