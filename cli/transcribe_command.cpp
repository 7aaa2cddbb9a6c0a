// `earshot transcribe`: whole files through the model, or (--stream) through
// the streaming session as the daemon runs them.
//
//   earshot transcribe speech.wav                      # bundled model
//   earshot transcribe --model M.gguf --mmproj P.gguf a.flac b.ogg
//   earshot transcribe --librispeech DIR               # "utt-id text" lines
//   earshot transcribe --list utts.txt                 # lines "utt-id path"
//   earshot transcribe --stream [--realtime] talk.wav  # live partials and finals
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "audio/load_audio.h"
#include "audio/utterance_list.h"
#include "cli/commands.h"
#include "cli/stream_transcription.h"
#include "daemon/model_paths.h"
#include "model/blas_runtime.h"
#include "model/model.h"
#include "model/transcriber.h"

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
  std::string list;
  std::string librispeech;
  std::vector<std::string> files;
};

using audio::Utterance;

// Consecutive windows of at most the clip limit, cut at the quietest 40 ms
// near each boundary so words are rarely split.
std::vector<std::span<const float>> clip_windows(const std::vector<float>& samples) {
  const size_t max_len = static_cast<size_t>(model::kMaxClipSeconds * 16000) - 640;
  std::vector<std::span<const float>> out;
  size_t start = 0;
  while (samples.size() - start > max_len) {
    size_t best = start + max_len;
    double best_energy = 1e30;
    for (size_t end = start + max_len; end > start + max_len - 16000 * 5; end -= 640) {
      double e = 0;
      for (size_t i = end - 640; i < end; ++i) e += samples[i] * samples[i];
      if (e < best_energy) {
        best_energy = e;
        best = end;
      }
    }
    out.emplace_back(samples.data() + start, best - start);
    start = best;
  }
  out.emplace_back(samples.data() + start, samples.size() - start);
  return out;
}

int transcribe_utterances(const model::Model& model, const std::vector<Utterance>& utts,
                          const TranscribeOptions& options) {
  model::TranscriberParams params;
  params.session.n_threads = options.n_threads;
  params.language = options.language;
  model::Transcriber transcriber(model, params);
  int status = 0;
  double audio_s = 0, prefill_s = 0, decode_s = 0;
  int64_t n_prefill = 0, n_decoded = 0;
  for (const auto& utt : utts) {
    std::vector<float> samples;
    try {
      samples = audio::load_audio_16k(utt.path);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "earshot transcribe: %s\n", e.what());
      status = 1;
      continue;
    }
    std::string text;
    for (const auto window : clip_windows(samples)) {
      const model::Transcript t = transcriber.transcribe(window);
      if (t.status != model::Status::kOk) {
        std::fprintf(stderr, "earshot transcribe: %s: model error %s\n", utt.path.c_str(),
                     model::status_name(t.status));
        status = 1;
        break;
      }
      if (!text.empty() && !t.text.empty()) text += ' ';
      text += t.text;
      prefill_s += t.prefill_seconds;
      decode_s += t.decode_seconds;
      n_prefill += t.n_prefill_rows;
      n_decoded += t.n_decoded;
    }
    audio_s += static_cast<double>(samples.size()) / 16000.0;
    if (utt.id.empty()) {
      std::printf("%s\n", text.c_str());
    } else {
      std::printf("%s %s\n", utt.id.c_str(), text.c_str());
    }
    std::fflush(stdout);
  }
  if (options.verbose) {
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

int run(const TranscribeOptions& options) {
  const auto load_start = std::chrono::steady_clock::now();
  const std::filesystem::path model_path = daemon::effective_model_path(options.model);
  const auto model = model::Model::load(model_path, options.mmproj);
  if (options.verbose) {
    std::fprintf(stderr, "model %s loaded in %.2f s (%.1f MB of weights); %s\n", model_path.c_str(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count(),
                 static_cast<double>(model->weight_bytes()) / 1e6,
                 model::describe(model::blas_info()).c_str());
  }
  if (options.stream) {
    return stream_files(*model, options.files,
                        StreamViewOptions{.realtime = options.realtime, .json = options.json,
                                          .verbose = options.verbose, .n_threads = options.n_threads,
                                          .language = options.language});
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
  return transcribe_utterances(*model, utts, options);
}

}  // namespace

void add_transcribe_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<TranscribeOptions>();
  auto* cmd = app.add_subcommand("transcribe", "Transcribe audio files (any rate, channels, format)");
  cmd->add_option("--model", options->model, "Model GGUF (default: the bundled model)");
  cmd->add_option("--mmproj", options->mmproj, "Audio projector GGUF, for split published models");
  cmd->add_option("--threads", options->n_threads, "Threads")->check(CLI::Range(1, 64));
  cmd->add_option("--language", options->language, "Spoken language, as named in the prompt");
  cmd->add_option("--list", options->list, "File of 'utt-id path' lines; prints 'utt-id text'");
  cmd->add_option("--librispeech", options->librispeech,
                  "LibriSpeech-layout folder; prints 'utt-id text' for every utterance");
  cmd->add_flag("--stream", options->stream, "Run through the streaming session: partials and finals");
  cmd->add_flag("--realtime", options->realtime, "With --stream: pace the audio at real time");
  cmd->add_flag("--json", options->json, "With --stream: print events as JSON lines");
  cmd->add_flag("-v,--verbose", options->verbose, "Print load time, throughput and real-time factor");
  cmd->add_option("files", options->files, "Audio files");
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
