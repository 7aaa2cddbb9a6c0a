// earshotd's main thread: loads the configuration, starts the Service, tells
// systemd (READY=1 once the bus is bound, the model loaded and the sources
// open), then waits on signals and timers: SIGTERM/SIGINT stop the service
// (STOPPING=1; every open segment is published as final first), SIGHUP
// reloads the configuration (RELOADING=1 ... READY=1), one timer refreshes
// STATUS= (status_interval_s), another publishes the bus's status event
// (status_event_interval_s), and the watchdog timer pings WATCHDOG=1 only
// while every session makes progress. Notifications never block the loop
// (notifier.h): READY=1 and STOPPING=1 that the manager could not take yet
// are offered again every 50 ms.
//
// Start-up failures are reported as one line on stderr (the journal) and as
// STATUS=, and give a non-zero exit status: kExitConfig for a bad
// configuration (not worth restarting), kExitFailure for anything else.
//
// Thread contract: the main thread; `signals` must have been made before any
// other thread started.
#pragma once

#include "daemon/config.h"

namespace earshot::daemon {

class SignalEvents;

inline constexpr int kExitFailure = 1;
inline constexpr int kExitConfig = 78;  // EX_CONFIG

int run_daemon(const ConfigRequest& request, SignalEvents& signals);

}  // namespace earshot::daemon
