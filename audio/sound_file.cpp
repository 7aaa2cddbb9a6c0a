#include "audio/sound_file.h"

#include <sndfile.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace earshot::audio {

namespace {

std::string format_info_name(int format_code) {
  SF_FORMAT_INFO info{};
  info.format = format_code;
  if (sf_command(nullptr, SFC_GET_FORMAT_INFO, &info, sizeof(info)) != 0 || !info.name) return "?";
  return info.name;
}

}  // namespace

SoundFile::SoundFile(const std::string& path) : path_(path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    throw std::runtime_error("cannot open audio file '" + path + "': " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    throw std::runtime_error("cannot open audio file '" + path + "': it is a directory");
  }
  SF_INFO info{};
  file_ = sf_open(path.c_str(), SFM_READ, &info);
  if (!file_) {
    const std::string reason = sf_strerror(nullptr);
    const int code = sf_error(nullptr);
    if (code == SF_ERR_UNRECOGNISED_FORMAT || code == SF_ERR_MALFORMED_FILE ||
        code == SF_ERR_UNSUPPORTED_ENCODING) {
      throw std::runtime_error("cannot read '" + path +
                               "': not an audio format earshot can read (WAV, FLAC, Ogg "
                               "Vorbis/Opus, ...); libsndfile says: " +
                               reason);
    }
    throw std::runtime_error("cannot open audio file '" + path + "': " + reason);
  }
  if (info.samplerate <= 0 || info.channels <= 0) {
    sf_close(file_);
    throw std::runtime_error("audio file '" + path + "' declares " +
                             std::to_string(info.samplerate) + " Hz and " +
                             std::to_string(info.channels) + " channels");
  }
  rate_ = static_cast<uint32_t>(info.samplerate);
  n_channels_ = static_cast<uint32_t>(info.channels);
  n_frames_ = info.frames == SF_COUNT_MAX ? -1 : static_cast<int64_t>(info.frames);
  format_name_ = format_info_name(info.format & SF_FORMAT_TYPEMASK) + ", " +
                 format_info_name(info.format & SF_FORMAT_SUBMASK);
}

SoundFile::~SoundFile() {
  if (file_) sf_close(file_);
}

size_t SoundFile::read(float* out, size_t n_frames) {
  const sf_count_t n = sf_readf_float(file_, out, static_cast<sf_count_t>(n_frames));
  if (n < 0 || (n == 0 && sf_error(file_) != SF_ERR_NO_ERROR)) {
    throw std::runtime_error("error reading audio file '" + path_ + "': " + sf_strerror(file_));
  }
  return static_cast<size_t>(n);
}

}  // namespace earshot::audio
