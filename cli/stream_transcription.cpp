#include "cli/stream_transcription.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <span>
#include <thread>

#include "cli/caption_screen.h"
#include "cli/input_audio.h"
#include "ipc/transcript_event.h"
#include "model/prompt.h"
#include "stream/engine_decoder.h"
#include "stream/streaming_session.h"

namespace earshot::cli {
namespace {

constexpr size_t kBlock = 160;  // 10 ms, as capture delivers it

// Returns how many segments failed to decode (each is reported on stderr).
uint64_t stream_one(const model::Model& model, const std::string& path, const StreamViewOptions& options,
                    CaptionScreen& screen) {
  const std::vector<float> samples = load_input_audio(path);
  stream::EngineDecoderParams params;
  params.session.n_threads = options.n_threads;
  params.final_beam_width = options.final_beam;
  params.partial_beam_width = options.partial_beam;
  params.token_bonus = options.token_bonus;
  if (!options.target) {
    params.ctc_weight = options.ctc_weight;
    params.fusion = options.fusion;
  }
  params.instruction = options.target
                           ? model::translation_instruction(options.language.name, options.target->name)
                           : model::transcription_instruction(options.language.name);
  stream::EngineDecoder decoder(model, params);
  stream::StreamConfig config;
  config.language = options.language.tag;
  if (options.target) config.target_language = options.target->tag;
  stream::StreamingSession session(decoder, config, "file", [&](ipc::TranscriptEvent event) {
    if (options.json) {
      std::printf("%s\n", ipc::serialize_event(event).c_str());
      std::fflush(stdout);
    } else {
      screen.show(event);
    }
  });
  session.set_failure_sink([&](uint64_t segment_id, const std::string& reason) {
    std::fprintf(stderr,
                 "earshot transcribe --stream: %s: segment %llu: decoding failed (%s); "
                 "its text is lost or cut short\n",
                 path.c_str(), static_cast<unsigned long long>(segment_id), reason.c_str());
  });

  const auto start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < samples.size(); i += kBlock) {
    const size_t n = std::min(kBlock, samples.size() - i);
    if (options.realtime) {
      std::this_thread::sleep_until(start + std::chrono::microseconds(static_cast<int64_t>(i) * 1000000 / 16000));
      const double behind = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() -
                            static_cast<double>(i) / 16000.0;
      session.set_backlog(std::max(0.0, behind));
    }
    session.push(std::span<const float>(samples.data() + i, n));
  }
  session.finish();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options.verbose) {
    const auto& c = session.counters();
    const double audio_s = static_cast<double>(samples.size()) / 16000.0;
    const std::string translations =
        options.target ? ", " + std::to_string(c.n_translations) + " translations, " +
                             std::to_string(c.n_translations_missing) + " answers without one (label written for " +
                             std::to_string(c.n_translation_labels_written) + ")"
                       : "";
    std::fprintf(stderr,
                 "%s: %.1f s of audio, %llu segments, %llu partial decodes, model time %.2f s "
                 "(real-time factor %.3f), wall %.2f s, dropped %llu frames%s\n",
                 path.c_str(), audio_s, static_cast<unsigned long long>(c.n_segments),
                 static_cast<unsigned long long>(c.n_partial_decodes), c.decode_seconds,
                 c.decode_seconds / std::max(audio_s, 1e-9), wall,
                 static_cast<unsigned long long>(c.n_frames_dropped), translations.c_str());
  }
  return session.counters().n_failed_segments;
}

}  // namespace

int stream_files(const model::Model& model, const std::vector<std::string>& files,
                 const StreamViewOptions& options) {
  CaptionScreen screen(stdout, isatty(STDOUT_FILENO) != 0, 100);
  int status = 0;
  for (const auto& path : files) {
    try {
      if (stream_one(model, path, options, screen) > 0) status = 1;  // a transcript with holes
    } catch (const std::exception& e) {
      std::fprintf(stderr, "earshot transcribe --stream: %s\n", e.what());
      status = 1;
    }
  }
  screen.finish();
  return status;
}

}  // namespace earshot::cli
