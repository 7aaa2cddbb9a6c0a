#include "audio/file_source.h"

#include <time.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>
#include <vector>

#include "audio/capture_converter.h"
#include "audio/sound_file.h"
#include "audio/wall_clock.h"

namespace earshot::audio {

namespace {

OverrunPolicy policy_for(FileSource::Pacing pacing) {
  return pacing == FileSource::Pacing::kRealTime ? OverrunPolicy::kDrop : OverrunPolicy::kWait;
}

void sleep_until_steady_ns(int64_t when_ns) {
  const timespec ts{static_cast<time_t>(when_ns / kNsPerSecond),
                    static_cast<long>(when_ns % kNsPerSecond)};
  while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace

FileSource::FileSource(Options options)
    : AudioSource(options.label, options.capture, policy_for(options.pacing)),
      opts_(std::move(options)) {}

FileSource::~FileSource() {
  stop();
}

void FileSource::start() {
  if (thread_.joinable()) throw std::logic_error("file source '" + label() + "' already started");
  file_ = std::make_unique<SoundFile>(opts_.path);
  const StreamFormat format{SampleFormat::kF32, file_->rate(), file_->n_channels()};
  converter_ = std::make_unique<CaptureConverter>(format, opts_.capture.resample_quality);
  clear_stop_request();
  set_status(SourceState::kRunning, "reading " + describe());
  thread_ = std::thread([this] { run(); });
}

void FileSource::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
  if (!is_final(state()) && state() != SourceState::kIdle) {
    set_status(SourceState::kStopped, "stopped");
  }
}

std::string FileSource::describe() const {
  std::string text = "file '" + opts_.path + "'";
  if (file_) {
    text += " (" + file_->format_name() + ", " + std::to_string(file_->n_channels()) + "ch " +
            std::to_string(file_->rate()) + " Hz)";
  }
  return text;
}

void FileSource::run() noexcept {
  try {
    const uint32_t rate = file_->rate();
    const size_t chunk_frames = std::max<size_t>(rate / 100, 1);  // 10 ms
    std::vector<float> chunk(chunk_frames * file_->n_channels());
    const int64_t start_steady_ns = steady_now_ns();
    const int64_t start_wall_ns = wall_now_ns();
    uint64_t n_frames_read = 0;
    while (!stop_requested()) {
      const size_t n = file_->read(chunk.data(), chunk_frames);
      if (n == 0) break;
      const int64_t chunk_start_ns = frames_to_ns(n_frames_read, rate);
      n_frames_read += n;
      if (opts_.pacing == Pacing::kRealTime) {
        sleep_until_steady_ns(start_steady_ns +
                              frames_to_ns(n_frames_read, rate));
      }
      const int64_t wall_ns = start_wall_ns + chunk_start_ns;
      const size_t n_nonfinite = converter_->convert(
          chunk.data(), n, [&](std::span<const float> samples, int64_t offset_ns) {
            assembler().append(samples, wall_ns + offset_ns);
          });
      capture_counters().add_nonfinite_frames(n_nonfinite);
    }
    const int64_t end_wall_ns =
        start_wall_ns + frames_to_ns(n_frames_read, rate);
    converter_->flush([&](std::span<const float> samples, int64_t offset_ns) {
      assembler().append(samples, end_wall_ns + offset_ns);
    });
    assembler().flush();
    if (stop_requested()) {
      set_status(SourceState::kStopped, "stopped");
    } else {
      set_status(SourceState::kEnded,
                 "end of " + describe() + " after " + std::to_string(n_frames_read) + " frames");
    }
  } catch (const std::exception& e) {
    assembler().flush();
    set_status(SourceState::kFailed, e.what());
  }
}

}  // namespace earshot::audio
