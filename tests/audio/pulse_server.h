// A private, headless PulseAudio server for one test, as in DESIGN.md: a fresh
// XDG_RUNTIME_DIR, the native protocol on a unix socket, and a null sink
// "vsink" whose monitor "vsink.monitor" records whatever is played to it.
// The constructor points this process at it (PULSE_SERVER, PULSE_RUNTIME_PATH,
// XDG_RUNTIME_DIR, HOME), so children like paplay find it too.
#pragma once

#include <sys/types.h>

#include <string>

#include "temp_dir.h"

namespace earshot::audio::testing {

class PulseServer {
 public:
  PulseServer();  // starts the server and waits until vsink.monitor is listed
  ~PulseServer();
  PulseServer(const PulseServer&) = delete;
  PulseServer& operator=(const PulseServer&) = delete;

  // "unix:/tmp/.../pulse/native"
  const std::string& address() const { return address_; }
  // Stops (SIGTERM, waits) and starts it again in the same directory.
  void stop();
  void start();
  bool running() const { return pid_ > 0; }

  // Plays a sound file to a sink with paplay; returns paplay's pid.
  pid_t play(const std::string& path, const std::string& sink = "vsink") const;
  // Runs pactl with arguments; returns its output; throws if it fails.
  std::string pactl(const std::string& arguments) const;
  // The server's log so far, for failure messages.
  std::string log() const;
  // A file in the server's scratch directory.
  std::string file(const std::string& name) const { return dir_.file(name); }

 private:
  TempDir dir_;
  std::string address_;
  pid_t pid_ = -1;
};

}  // namespace earshot::audio::testing
