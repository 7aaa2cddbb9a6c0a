// The configuration as text, from the lists in settings.h: the effective
// values as a TOML file with where each came from (`earshot config`), and the
// reference tables of docs/daemon.md (`earshot config --reference`).
//
// Thread contract: pure functions; any thread.
#pragma once

#include <string>

namespace earshot::daemon {

struct DaemonConfig;

// Valid TOML: every setting, each followed by a comment naming its origin
// ("default", "file /path:3:1", "command line --set threads=4") and, for
// empty defaults the daemon fills in (model, bus, control), what they become.
std::string format_config(const DaemonConfig& config);

// Markdown: a table of the service settings, one of the source settings, and
// the test-only settings apart.
std::string format_reference();

}  // namespace earshot::daemon
