// An audio file opened for reading through libsndfile (WAV, FLAC, Ogg
// Vorbis/Opus, ...), samples as interleaved float.
//
// Thread contract: thread-compatible (one owner at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

struct sf_private_tag;

namespace earshot::audio {

class SoundFile {
 public:
  // Throws std::runtime_error naming the path and the reason: missing,
  // unreadable, a directory, or not an audio format libsndfile knows.
  explicit SoundFile(const std::string& path);
  ~SoundFile();
  SoundFile(const SoundFile&) = delete;
  SoundFile& operator=(const SoundFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t rate() const { return rate_; }
  uint32_t n_channels() const { return n_channels_; }
  int64_t n_frames() const { return n_frames_; }  // may be unknown (< 0) for some streams
  // e.g. "WAV (Microsoft), Signed 16 bit PCM".
  const std::string& format_name() const { return format_name_; }

  // Reads up to n_frames frames into out ([n_frames * n_channels]); returns the
  // number read, 0 at the end. Throws on a read error.
  size_t read(float* out, size_t n_frames);

 private:
  std::string path_;
  sf_private_tag* file_ = nullptr;
  uint32_t rate_ = 0;
  uint32_t n_channels_ = 0;
  int64_t n_frames_ = -1;
  std::string format_name_;
};

}  // namespace earshot::audio
