// A small daemon stand-in for the control tests: two sources whose settings the
// commands really change. Thread-safe (the control thread calls it while the
// test thread looks).
#pragma once

#include <mutex>
#include <stdexcept>

#include "ipc/control_handler.h"

namespace earshot::ipc::testing {

class TestControlHandler : public ControlHandler {
 public:
  TestControlHandler() {
    sources_.push_back({"mic", SourceState::kRunning, Task::kTranscribe, "en", "", 0.2, 0, ""});
    sources_.push_back({"system", SourceState::kRunning, Task::kTranscribe, "en", "", 0.4, 0, ""});
  }

  DaemonStatus status() override {
    std::lock_guard lock(mutex_);
    DaemonStatus status;
    status.wall_time_s = 1760000000;
    status.model = "test-model";
    status.real_time_factor = 0.1;
    status.uptime_s = 12;
    status.n_subscribers = 2;
    status.sources = sources_;
    return status;
  }

  ControlResult pause(const std::string& source) override { return set_state(source, SourceState::kPaused); }
  ControlResult resume(const std::string& source) override { return set_state(source, SourceState::kRunning); }

  ControlResult set(const SourceSettings& settings) override {
    std::lock_guard lock(mutex_);
    SourceStatus* source = find(settings.source);
    if (source == nullptr) return ControlResult::failure("no source '" + settings.source + "'");
    if (settings.task) source->task = *settings.task;
    if (settings.language) source->language = *settings.language;
    if (settings.target_language) source->target_language = *settings.target_language;
    if (source->task == Task::kTranslate && source->target_language.empty()) {
      return ControlResult::failure("translate needs a target language");
    }
    return ControlResult::success();
  }

  SourceStatus source(const std::string& label) {
    std::lock_guard lock(mutex_);
    SourceStatus* found = find(label);
    if (found == nullptr) throw std::out_of_range(label);
    return *found;
  }

 private:
  ControlResult set_state(const std::string& label, SourceState state) {
    std::lock_guard lock(mutex_);
    SourceStatus* source = find(label);
    if (source == nullptr) return ControlResult::failure("no source '" + label + "'");
    source->state = state;
    return ControlResult::success();
  }

  SourceStatus* find(const std::string& label) {
    for (SourceStatus& source : sources_) {
      if (source.source == label) return &source;
    }
    return nullptr;
  }

  std::mutex mutex_;
  std::vector<SourceStatus> sources_;
};

}  // namespace earshot::ipc::testing
