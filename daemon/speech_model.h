// The one loaded model of the service, shared by every source's session, and
// the decoders made over it (stream/engine_decoder.h): one per session, with
// the prompt of the source's task and language.
//
//   auto model = SpeechModel::load({.model = path, .mmproj = {}, .n_threads = 2});
//   auto decoder = model->make_decoder({.task = ipc::Task::kTranslate, .language = "en",
//                                       .target_language = "es"});
//
// Thread contract: immutable after load; make_decoder() from any thread; each
// decoder then belongs to one session thread. The SpeechModel must outlive
// its decoders.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "ipc/transcript_event.h"
#include "model/beam_search.h"
#include "stream/stream_decoder.h"

namespace earshot::model {
class Model;
class WordLm;
class LmFusion;
}

namespace earshot::daemon {

struct SpeechModelOptions {
  std::filesystem::path model{};
  std::filesystem::path mmproj{};
  int n_threads = 2;  // per decoder
  int final_beam = model::kDefaultBeamWidth;  // beam of each segment's final text (ServiceSettings::final_beam)
  int partial_beam = model::kDefaultPartialBeamWidth;  // beam of the partials (ServiceSettings::partial_beam)
  double ctc_weight = model::kDefaultCtcWeight;  // ServiceSettings::ctc_weight
  std::filesystem::path word_lm{};  // the word model file, resolved (ServiceSettings::word_lm); empty: none

  bool operator==(const SpeechModelOptions&) const = default;
};

// Languages as tags or English names (model/language_names.h); the prompt
// names them.
struct DecoderRequest {
  ipc::Task task = ipc::Task::kTranscribe;
  std::string language{};
  std::string target_language{};  // translate only
};

// Which file a path named when it was read: a file written anew or renamed
// over the path reads differently (inode, size or modification time).
struct FileStamp {
  uint64_t device = 0;
  uint64_t inode = 0;
  int64_t size = -1;
  int64_t mtime_ns = 0;

  bool operator==(const FileStamp&) const = default;
};
// The stamp of the file at `path` now; a missing file gives the default stamp.
FileStamp stamp_of(const std::filesystem::path& path);

class SpeechModel {
 public:
  // Throws std::runtime_error naming the file: missing, not GGUF, corrupt,
  // not a speech model (no audio projector), or a word model it cannot read.
  static std::unique_ptr<SpeechModel> load(const SpeechModelOptions& options);
  ~SpeechModel();
  SpeechModel(const SpeechModel&) = delete;
  SpeechModel& operator=(const SpeechModel&) = delete;

  // Throws std::runtime_error when the model cannot serve the request or a
  // language is not in the table.
  std::unique_ptr<stream::StreamDecoder> make_decoder(const DecoderRequest& request) const;

  const SpeechModelOptions& options() const { return options_; }
  // The model (or mmproj) file at its path is another than the one loaded:
  // replaced on disk since, so a reload loads it again.
  bool files_replaced() const;
  // general.name of the file, else the file's stem.
  const std::string& name() const { return name_; }
  size_t weight_bytes() const;

 private:
  SpeechModel(SpeechModelOptions options, std::unique_ptr<model::Model> model);

  SpeechModelOptions options_;
  FileStamp model_stamp_;   // as the files were just before loading
  FileStamp mmproj_stamp_;
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<model::WordLm> word_lm_;     // null without one
  std::unique_ptr<model::LmFusion> fusion_;
  std::string name_;
};

}  // namespace earshot::daemon
