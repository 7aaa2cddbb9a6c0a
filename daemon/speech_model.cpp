#include "daemon/speech_model.h"

#include <sys/stat.h>

#include <stdexcept>

#include "model/language_names.h"
#include "model/lm_fusion.h"
#include "model/word_lm.h"
#include "model/model.h"
#include "model/prompt.h"
#include "stream/engine_decoder.h"

namespace earshot::daemon {

SpeechModel::SpeechModel(SpeechModelOptions options, std::unique_ptr<model::Model> model)
    : options_(std::move(options)), model_(std::move(model)) {
  const auto name = model_->text_file().find_string("general.name");
  name_ = name && !name->empty() ? std::string(*name) : options_.model.stem().string();
}

SpeechModel::~SpeechModel() = default;

FileStamp stamp_of(const std::filesystem::path& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino), static_cast<int64_t>(st.st_size),
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

bool SpeechModel::files_replaced() const {
  return stamp_of(options_.model) != model_stamp_ || stamp_of(options_.mmproj) != mmproj_stamp_;
}

std::unique_ptr<SpeechModel> SpeechModel::load(const SpeechModelOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.model, ec)) {
    throw std::runtime_error("model " + options.model.string() + ": no such file");
  }
  if (!options.mmproj.empty() && !std::filesystem::is_regular_file(options.mmproj, ec)) {
    throw std::runtime_error("mmproj " + options.mmproj.string() + ": no such file");
  }
  const FileStamp model_stamp = stamp_of(options.model);
  const FileStamp mmproj_stamp = stamp_of(options.mmproj);
  std::unique_ptr<model::Model> model;
  try {
    model = model::Model::load(options.model, options.mmproj);
  } catch (const std::exception& e) {
    // The loader's messages name the file, key or tensor already.
    throw std::runtime_error(std::string("cannot load the model: ") + e.what());
  }
  if (model->projector() == nullptr) {
    throw std::runtime_error("model " + options.model.string() +
                             ": no audio projector (a text-only model; give its mmproj file as `mmproj`)");
  }
  std::unique_ptr<SpeechModel> loaded(new SpeechModel(options, std::move(model)));
  if (!options.word_lm.empty()) {
    try {
      loaded->word_lm_ = std::make_unique<model::WordLm>(model::WordLm::load_arpa(options.word_lm.string()));
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("cannot load the word model (word_lm): ") + e.what());
    }
    loaded->fusion_ = std::make_unique<model::LmFusion>(*loaded->word_lm_, model::LmFusionParams{});
  }
  loaded->model_stamp_ = model_stamp;
  loaded->mmproj_stamp_ = mmproj_stamp;
  return loaded;
}

std::unique_ptr<stream::StreamDecoder> SpeechModel::make_decoder(const DecoderRequest& request) const {
  stream::EngineDecoderParams params;
  params.session.n_threads = options_.n_threads;
  params.final_beam_width = options_.final_beam;
  params.partial_beam_width = options_.partial_beam;
  if (request.task != ipc::Task::kTranslate) params.ctc_weight = options_.ctc_weight;
  std::string language = request.language;  // "" (detect) goes to the prompt as is
  std::string target;
  try {
    if (!language.empty()) language = model::language_of(language).name;
    if (request.task == ipc::Task::kTranslate) target = model::language_of(request.target_language).name;
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  params.instruction = request.task == ipc::Task::kTranslate ? model::translation_instruction(language, target)
                                                             : model::transcription_instruction(language);
  // The word model is English; "" lets the model detect the language.
  const bool english = language.empty() || language == model::language_of("en").name;
  if (request.task != ipc::Task::kTranslate && english) params.fusion = fusion_.get();
  return std::make_unique<stream::EngineDecoder>(*model_, std::move(params));
}

size_t SpeechModel::weight_bytes() const { return model_->weight_bytes(); }

}  // namespace earshot::daemon
