// `earshot transcribe`: whole files through the model, or (--stream) through
// the streaming session as the daemon runs them.
//
//   earshot transcribe speech.wav                      # bundled model
//   earshot transcribe --model M.gguf --mmproj P.gguf a.flac b.ogg
//   earshot transcribe --librispeech DIR               # "utt-id text" lines
//   earshot transcribe --list utts.txt                 # lines "utt-id path"
//   earshot transcribe --stream [--realtime] talk.wav  # live partials and finals
//   earshot transcribe --translate es talk.wav         # transcription, then translation
//
// Output, one utterance after another: "TEXT" (or "UTT-ID TEXT" for --list and
// --librispeech); translating, a second line "[es] TRANSLATION" (or "UTT-ID [es]
// TRANSLATION") follows each, empty after the tag when the model gave none.
// --json: one object per utterance, {"id","path","text"} plus "translation" and
// "target_language" when translating; with --stream, the bus events instead.
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audio/pause_windows.h"
#include "audio/utterance_list.h"
#include "cli/clip_translator.h"
#include "cli/commands.h"
#include "cli/input_audio.h"
#include "cli/stream_transcription.h"
#include "daemon/model_paths.h"
#include "model/blas_runtime.h"
#include "model/language_names.h"
#include "model/model.h"
#include "model/transcriber.h"
#include "model/word_lm.h"

namespace earshot::cli {
namespace {

struct TranscribeOptions {
  std::string model;
  std::string mmproj;
  int n_threads = 2;
  bool verbose = false;
  bool stream = false;
  bool realtime = false;
  bool json = false;
  std::string language = "English";
  std::string translate;  // target language; "" = transcription only
  int beam = -1;  // 0: greedy; -1: kDefaultFileBeamWidth for whole files, kDefaultBeamWidth otherwise
  int partial_beam = model::kDefaultPartialBeamWidth;  // --stream's partials; 0: greedy
  double token_bonus = model::kDefaultTokenBonus;
  double ctc_weight = model::kDefaultCtcWeight;  // used when the model has a CTC head
  double window_s = 0;    // longest audio per prompt; 0: the model's (model::clip_window_seconds)
  std::string lm;         // word language model (ARPA) fused into the beam search; "" default, "none" off
  model::LmFusionParams fusion;
  std::string list;
  std::string librispeech;
  std::vector<std::string> files;
};

using audio::Utterance;

std::string_view trimmed(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

// Clip windows' texts joined by one space.
void join(std::string& text, std::string_view more) {
  if (!text.empty() && !more.empty()) text += ' ';
  text += more;
}

// One line (two with a translation) per input, also for an input that failed,
// so that the lines of positional files keep their order: the text then holds
// what was transcribed before the failure (often nothing), and JSON says why.
void print_utterance(const Utterance& utt, const std::string& text, const std::string& translation,
                     const std::optional<model::Language>& target, bool json, const std::string& error = {}) {
  if (json) {
    nlohmann::json line{{"id", utt.id}, {"path", utt.path}, {"text", text}};
    if (target) {
      line["translation"] = translation;
      line["target_language"] = target->tag;
    }
    if (!error.empty()) line["error"] = error;
    std::printf("%s\n", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    const std::string id = utt.id.empty() ? "" : utt.id + " ";
    std::printf("%s%s\n", id.c_str(), text.c_str());
    if (target) std::printf("%s[%s] %s\n", id.c_str(), target->tag.c_str(), translation.c_str());
  }
  std::fflush(stdout);
}

int transcribe_utterances(const model::Model& model, const std::vector<Utterance>& utts,
                          const TranscribeOptions& options, const model::LmFusion* fusion) {
  const model::Language spoken = model::language_of(options.language);
  std::optional<model::Language> target;
  if (!options.translate.empty()) target = model::language_of(options.translate);
  // One of the two: the transcription prompt, or the translation prompt.
  std::optional<model::Transcriber> transcriber;
  std::optional<ClipTranslator> translator;
  if (target) {
    translator.emplace(model, options.n_threads, spoken, *target, options.beam, options.token_bonus);
  } else {
    model::TranscriberParams params;
    params.session.n_threads = options.n_threads;
    params.language = spoken.name;
    params.beam_width = options.beam;
    params.fusion = fusion;
    params.token_bonus = options.token_bonus;
    params.ctc_weight = options.ctc_weight;
    transcriber.emplace(model, params);
  }
  const double window_s = options.window_s > 0 ? options.window_s : model::clip_window_seconds(model);
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  double audio_s = 0, prefill_s = 0, decode_s = 0;
  int64_t n_prefill = 0, n_decoded = 0;
  for (const auto& utt : utts) {
    std::vector<float> samples;
    try {
      samples = load_input_audio(utt.path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "earshot transcribe: %s\n", e.what());
      status = 1;
      print_utterance(utt, "", "", target, options.json, e.what());
      continue;
    }
    std::string text;
    std::string translation;
    std::string error;
    for (const auto window : audio::pause_windows(samples, window_s)) {
      if (translator) {
        stream::TranslationAnswer answer;
        if (!translator->translate(window, answer)) {
          error = std::string("model error ") + model::status_name(translator->last_error());
          break;
        }
        join(text, trimmed(answer.transcription));
        join(translation, trimmed(answer.translation.value_or("")));
        continue;
      }
      const model::Transcript t = transcriber->transcribe(window, text);
      if (t.status != model::Status::kOk) {
        error = std::string("model error ") + model::status_name(t.status);
        break;
      }
      if (!text.empty() && !t.text.empty()) text += ' ';
      text += t.text;
      prefill_s += t.prefill_seconds;
      decode_s += t.decode_seconds;
      n_prefill += t.n_prefill_rows;
      n_decoded += t.n_decoded;
    }
    if (!error.empty()) {
      std::fprintf(stderr, "earshot transcribe: %s: %s\n", utt.path.c_str(), error.c_str());
      status = 1;
    }
    audio_s += static_cast<double>(samples.size()) / 16000.0;
    print_utterance(utt, text, translation, target, options.json, error);
  }
  if (options.verbose && translator) {
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "audio %.1f s; translated in %.2f s (real-time factor %.3f); label written for %d answers\n",
                 audio_s, wall_s, wall_s / std::max(audio_s, 1e-9), translator->n_labels_written());
  } else if (options.verbose) {
    std::fprintf(stderr,
                 "audio %.1f s; prefill %lld rows in %.2f s (%.0f rows/s); decode %lld tokens in "
                 "%.2f s (%.1f ms/token); real-time factor %.3f\n",
                 audio_s, static_cast<long long>(n_prefill), prefill_s,
                 n_prefill / std::max(prefill_s, 1e-9), static_cast<long long>(n_decoded), decode_s,
                 1000.0 * decode_s / std::max<double>(static_cast<double>(n_decoded), 1),
                 (prefill_s + decode_s) / std::max(audio_s, 1e-9));
  }
  return status;
}

// The word model file to fuse, or empty: as daemon::word_lm_path reads --lm,
// where the default (the bundled word model beside the bundled model) serves
// only English transcription with a beam.
std::filesystem::path word_lm_path(const TranscribeOptions& options, const std::filesystem::path& model_path) {
  const bool english = model::language_of(options.language).tag == "en";
  if (options.lm.empty() && (!options.translate.empty() || options.beam == 0 || !english)) return {};
  return daemon::word_lm_path(options.lm, model_path);
}

int run(TranscribeOptions options) {
  if (options.beam < 0) {
    const bool whole_files = !options.stream && options.translate.empty();
    options.beam = whole_files ? model::kDefaultFileBeamWidth : model::kDefaultBeamWidth;
  }
  // What --lm combines with, checked before the model loads.
  const bool lm_named = !options.lm.empty() && options.lm != daemon::kNoWordLm;
  if (lm_named && !options.translate.empty()) {
    throw std::runtime_error("--lm serves transcription: not with --translate");
  }
  if (options.window_s > 0 && options.stream) {
    throw std::runtime_error("--window serves whole files: a stream is cut at its pauses (short_pause_ms)");
  }
  if (lm_named && options.beam == 0) {
    throw std::runtime_error("--lm needs a beam search: give --beam 1 or more");
  }
  const auto load_start = std::chrono::steady_clock::now();
  const std::filesystem::path model_path = daemon::effective_model_path(options.model);
  const auto model = model::Model::load(model_path, options.mmproj);
  if (options.verbose) {
    std::fprintf(stderr, "model %s loaded in %.2f s (%.1f MB of weights); %s\n", model_path.c_str(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count(),
                 static_cast<double>(model->weight_bytes()) / 1e6,
                 model::describe(model::blas_info()).c_str());
  }
  std::optional<model::WordLm> lm;
  std::optional<model::LmFusion> fusion;
  if (const std::filesystem::path lm_path = word_lm_path(options, model_path); !lm_path.empty()) {
    const auto lm_start = std::chrono::steady_clock::now();
    lm.emplace(model::WordLm::load_arpa(lm_path.string()));
    fusion.emplace(*lm, options.fusion);
    if (options.verbose) {
      std::fprintf(stderr, "word model %s: %zu words, order %d, loaded in %.2f s\n", lm_path.c_str(),
                   lm->n_words(), lm->order(),
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - lm_start).count());
    }
  }
  if (options.stream) {
    StreamViewOptions view{.realtime = options.realtime, .json = options.json, .verbose = options.verbose,
                           .n_threads = options.n_threads, .language = model::language_of(options.language),
                           .target = std::nullopt, .final_beam = options.beam,
                           .partial_beam = options.partial_beam, .token_bonus = options.token_bonus,
                           .ctc_weight = options.ctc_weight, .fusion = fusion ? &*fusion : nullptr};
    if (!options.translate.empty()) view.target = model::language_of(options.translate);
    return stream_files(*model, options.files, view);
  }
  std::vector<Utterance> utts;
  if (!options.librispeech.empty()) {
    try {
      utts = audio::librispeech_utterances(options.librispeech);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string("--librispeech: ") + e.what());
    }
  }
  if (!options.list.empty()) {
    std::vector<Utterance> listed;
    try {
      listed = audio::list_utterances(options.list);
    } catch (const std::runtime_error& e) {
      throw std::runtime_error(std::string("--list: ") + e.what());
    }
    utts.insert(utts.end(), listed.begin(), listed.end());
  }
  for (const auto& f : options.files) utts.push_back({"", f, ""});
  if (utts.empty()) throw std::runtime_error("nothing to transcribe: give files, --list or --librispeech");
  return transcribe_utterances(*model, utts, options, fusion ? &*fusion : nullptr);
}

}  // namespace

void add_transcribe_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<TranscribeOptions>();
  auto* cmd = app.add_subcommand("transcribe", "Transcribe audio files (any rate, channels, format)");
  cmd->add_option("--model", options->model, "Model GGUF (default: the bundled model)");
  cmd->add_option("--mmproj", options->mmproj, "Audio projector GGUF, for split published models");
  cmd->add_option("--threads", options->n_threads, "Threads")->check(CLI::Range(1, 64));
  cmd->add_option("--language", options->language, "Spoken language: a tag (en) or an English name (English)");
  cmd->add_option("--translate", options->translate,
                  "Also translate into this language, a tag (es) or a name (Spanish): a second line "
                  "\"[es] TRANSLATION\" per utterance; with --stream, translation events");
  cmd->add_option("--beam", options->beam,
                  "Hypotheses of the beam search (0: greedy decoding); default 8 for whole files, 4 with "
                  "--stream (its finals) or --translate")
      ->check(CLI::Range(0, 64));
  cmd->add_option("--partial-beam", options->partial_beam,
                  "With --stream: hypotheses of the beam search for partials (0: greedy decoding)")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  cmd->add_option("--token-bonus", options->token_bonus, "With a beam: score added per answer token")
      ->capture_default_str();
  cmd->add_option("--ctc-weight", options->ctc_weight,
                  "With a beam and a model with a CTC head: weight of its score of the answer against "
                  "the audio (0: not used)")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  cmd->add_option("--window", options->window_s,
                  "Seconds of audio per prompt; longer inputs are cut at pauses (default: the model's "
                  "window, else the clip limit)")
      ->check(CLI::Range(1.0, model::kMaxClipWindowSeconds));
  cmd->add_option("--lm", options->lm,
                  "Word language model (ARPA or .arpa.gz, orders 1-3) fused into the beam search; \"none\": "
                  "none (default: the bundled word model, for the bundled model transcribing English)");
  cmd->add_option("--lm-weight", options->fusion.weight, "With --lm: weight of its log probabilities")
      ->capture_default_str();
  cmd->add_option("--word-bonus", options->fusion.word_bonus, "With --lm: score added per word")
      ->capture_default_str();
  cmd->add_option("--oov-penalty", options->fusion.oov_penalty,
                  "With --lm: cost of a word it does not know, on top of its <unk> probability")
      ->capture_default_str();
  cmd->add_option("--list", options->list, "File of 'utt-id path' lines; prints 'utt-id text'");
  cmd->add_option("--librispeech", options->librispeech,
                  "LibriSpeech-layout folder; prints 'utt-id text' for every utterance");
  cmd->add_flag("--stream", options->stream, "Run through the streaming session: partials and finals");
  cmd->add_flag("--realtime", options->realtime, "With --stream: pace the audio at real time");
  cmd->add_flag("--json", options->json,
                "Print JSON lines: one object per utterance, with an \"error\" when it failed (with --stream, "
                "the events)");
  cmd->add_flag("-v,--verbose", options->verbose, "Print load time, throughput and real-time factor");
  cmd->add_option("files", options->files,
                  "Audio files; without --stream, one that cannot be read or decoded keeps its line (with "
                  "what was transcribed before the failure, often nothing), and the exit status is 1");
  cmd->callback([options, exit_code] {
    try {
      *exit_code = run(*options);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "earshot transcribe: %s\n", e.what());
      *exit_code = 1;
    }
  });
}

}  // namespace earshot::cli
