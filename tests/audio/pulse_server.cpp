#include "pulse_server.h"

#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "audio/pulse_source_list.h"
#include "child_process.h"

namespace earshot::audio::testing {

namespace {

using namespace std::chrono_literals;

bool lists_vsink_monitor(const std::string& address) {
  try {
    for (const PulseSourceInfo& s : list_pulse_sources(address, 500ms).sources) {
      if (s.name == "vsink.monitor") return true;
    }
  } catch (const std::exception&) {
  }
  return false;
}

}  // namespace

PulseServer::PulseServer() {
  chmod(dir_.path().c_str(), 0700);
  address_ = "unix:" + dir_.file("pulse/native");
  setenv("XDG_RUNTIME_DIR", dir_.path().c_str(), 1);
  setenv("PULSE_RUNTIME_PATH", dir_.file("pulse").c_str(), 1);
  setenv("PULSE_SERVER", address_.c_str(), 1);
  setenv("HOME", dir_.path().c_str(), 1);  // the server's cookie and state stay in here
  start();
}

PulseServer::~PulseServer() {
  stop();
}

void PulseServer::start() {
  if (pid_ > 0) return;
  pid_ = spawn({"pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "--disallow-exit", "-n",
                "--load=module-native-protocol-unix", "--load=module-null-sink sink_name=vsink"},
               dir_.file("pulseaudio.log"));
  const auto deadline = std::chrono::steady_clock::now() + 15s;
  while (!lists_vsink_monitor(address_)) {
    if (wait_exit(pid_, 0ms) != -1) {
      pid_ = -1;
      throw std::runtime_error("pulseaudio exited at start-up:\n" + log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("pulseaudio did not list vsink.monitor within 15 s:\n" + log());
    }
    std::this_thread::sleep_for(50ms);
  }
}

void PulseServer::stop() {
  terminate(pid_);
  pid_ = -1;
}

pid_t PulseServer::play(const std::string& path, const std::string& sink) const {
  return spawn({"paplay", "-d", sink, path}, dir_.file("paplay.log"));
}

std::string PulseServer::pactl(const std::string& arguments) const {
  std::vector<std::string> argv{"pactl"};
  std::istringstream words(arguments);
  for (std::string w; words >> w;) argv.push_back(w);
  const RunResult r = run(argv, 10s);
  if (r.exit_code != 0) throw std::runtime_error("pactl " + arguments + " failed: " + r.output);
  return r.output;
}

std::string PulseServer::log() const {
  std::ifstream in(dir_.file("pulseaudio.log"));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace earshot::audio::testing
