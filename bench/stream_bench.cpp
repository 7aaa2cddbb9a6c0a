// Latency and cost of live streaming: recordings are played into one
// StreamingSession as one continuous stream (each utterance followed by a gap
// of quiet room noise), on the real engine, on a simulated real-time clock.
//
// The clock: block i of 10 ms arrives when its audio has been captured
// (its end time); the session takes it at max(arrival, when it finished the
// previous block) and is busy for the wall time push() really took. An event
// appears when the push() that made it returns. So the figures are what a live
// source would see with this machine's measured compute, without sleeping,
// and the session's catch-up policy is driven by the backlog it would have.
//
//   bench_stream --librispeech ../shared/data/librispeech-mini/train/1088 [--limit 40] [--threads 1]
//                [--partial-beam 3] [--final-beam 4] [--ctc-weight W] [--lm FILE|none]
//                [--word-times training/data/dev_libri.words.jsonl]
//   bench_stream a.wav b.flac
//
// Printed: end of speech -> final (p50/p95/max over utterances), the gap
// between partials while speech goes on, with word timings the end of a word
// -> its first appearance in an event (over the words the model gets right),
// real-time factor, CPU seconds per audio second, the WER of the finals beside
// offline transcription of the same segments, and resident memory at each
// quarter of the stream. The end of speech is the end of the last 10 ms block
// within 35 dB of the utterance's loudest block (recordings carry some trailing
// silence).
#include <CLI/CLI.hpp>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "audio/load_audio.h"
#include "audio/utterance_list.h"
#include "model/beam_search.h"
#include "model/blas_runtime.h"
#include "model/lm_fusion.h"
#include "model/model.h"
#include "model/prompt.h"
#include "model/transcriber.h"
#include "stream/engine_decoder.h"
#include "stream/streaming_session.h"
#include "tools/scoring/word_errors.h"

namespace {

using namespace earshot;
using Clock = std::chrono::steady_clock;

constexpr int kRate = 16000;
constexpr size_t kBlock = 160;
constexpr double kFrameSeconds = 0.04;

struct Options {
  std::string model;
  std::string librispeech;
  std::vector<std::string> files;
  int limit = 40;
  int n_threads = 1;
  double gap_s = 2.0;
  int step_ms = stream::StreamConfig{}.step_ms;
  int stable_after_ms = stream::StreamConfig{}.stable_after_ms;
  int partial_beam = model::kDefaultPartialBeamWidth;
  int final_beam = model::kDefaultBeamWidth;
  double ctc_weight = model::kDefaultCtcWeight;
  std::string lm;  // word model; "none": none; default: the bundled one with the bundled model
  double speech_range_db = stream::VadConfig{}.speech_range_db;
  int short_pause_ms = stream::StreamConfig{}.short_pause_ms;
  bool each = false;        // print every utterance's final latency
  std::string word_times;  // JSONL of training/align_words.py: {"id", "words": [[first, last frame]]}
};

struct Placed {
  double start_s = 0, speech_end_s = 0, end_s = 0;  // on the stream's clock
};

double speech_end_in_clip(const std::vector<float>& x) {
  std::vector<double> level;
  for (size_t i = 0; i + kBlock <= x.size(); i += kBlock) {
    double e = 0;
    for (size_t j = i; j < i + kBlock; ++j) e += static_cast<double>(x[j]) * x[j];
    level.push_back(10 * std::log10(e / kBlock + 1e-12));
  }
  const double peak = level.empty() ? 0 : *std::max_element(level.begin(), level.end());
  size_t last = 0;
  for (size_t b = 0; b < level.size(); ++b) {
    if (level[b] > peak - 35) last = b + 1;
  }
  return static_cast<double>(last * kBlock) / kRate;
}

double resident_mib() {
  std::ifstream statm("/proc/self/statm");
  long total = 0, resident = 0;
  statm >> total >> resident;
  return static_cast<double>(resident) * 4096.0 / (1 << 20);
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())) - 1));
  return v[i];
}

void print_spread(const char* what, const std::vector<double>& v) {
  std::printf("%-34s p50 %7.0f ms   p95 %7.0f ms   max %7.0f ms   (n=%zu)\n", what, percentile(v, 50) * 1e3,
              percentile(v, 95) * 1e3, v.empty() ? NAN : *std::max_element(v.begin(), v.end()) * 1e3, v.size());
}

struct Accuracy {
  size_t n_words_said = 0, stream_edits = 0, offline_edits = 0, edits_between = 0;
};

// The finals against what was said, beside an offline transcription
// (model::Transcriber, as `earshot transcribe`) of each final's own audio.
Accuracy stream_vs_offline(const model::Model& model, int n_threads, double ctc_weight, const model::LmFusion* fusion,
                           const std::vector<float>& stream,
                           const std::vector<std::pair<double, ipc::TranscriptEvent>>& events,
                           const std::vector<audio::Utterance>& utts) {
  std::string said, streamed, transcribed;
  for (const auto& u : utts) said += u.text + " ";
  Accuracy a;
  if (said.find_first_not_of(' ') == std::string::npos) return a;
  model::TranscriberParams params;
  params.session.n_threads = n_threads;
  params.ctc_weight = ctc_weight;
  params.fusion = fusion;
  model::Transcriber offline(model, params);
  for (const auto& [t, e] : events) {
    if (e.kind != ipc::EventKind::kFinal) continue;
    const auto first = static_cast<size_t>(std::lround(e.audio_start_s * kRate));
    const auto last = std::min(stream.size(), static_cast<size_t>(std::lround(e.audio_end_s * kRate)));
    if (first >= last) continue;
    streamed += e.stable_text + " ";
    transcribed += offline.transcribe(std::span<const float>(stream.data() + first, last - first)).text + " ";
  }
  using namespace earshot::scoring;
  const auto reference = words_of(said);
  a.n_words_said = reference.size();
  a.stream_edits = word_edits(reference, words_of(streamed));
  a.offline_edits = word_edits(reference, words_of(transcribed));
  a.edits_between = word_edits(words_of(transcribed), words_of(streamed));
  return a;
}

// End of each word of each utterance (seconds from the utterance's start), by id.
std::map<std::string, std::vector<double>> load_word_ends(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::map<std::string, std::vector<double>> ends;
  std::string line;
  while (std::getline(in, line)) {
    const auto j = nlohmann::json::parse(line);
    auto& words = ends[j.at("id").get<std::string>()];
    for (const auto& span : j.at("words")) words.push_back((span.at(1).get<double>() + 1) * kFrameSeconds);
  }
  return ends;
}

// Time from the end of a word in the audio to the first event (partial or
// final) whose text holds it, over every word some event got right.
std::vector<double> word_latencies(const std::vector<std::pair<double, ipc::TranscriptEvent>>& events,
                                   const std::vector<audio::Utterance>& utts, const std::vector<Placed>& placed,
                                   const std::map<std::string, std::vector<double>>& word_ends, size_t& n_words) {
  std::vector<double> latencies;
  n_words = 0;
  for (size_t u = 0; u < utts.size(); ++u) {
    const auto ends = word_ends.find(utts[u].id);
    const auto ref = scoring::words_of(utts[u].text);
    if (ends == word_ends.end() || ends->second.size() != ref.size()) continue;
    n_words += ref.size();
    std::vector<double> first_seen(ref.size(), -1);
    for (const auto& [t, e] : events) {
      if (e.audio_start_s >= placed[u].end_s || e.audio_end_s <= placed[u].start_s) continue;
      for (size_t w : scoring::matched_words(ref, scoring::words_of(e.stable_text + " " + e.unstable_text))) {
        if (first_seen[w] < 0) first_seen[w] = t;
      }
    }
    for (size_t w = 0; w < ref.size(); ++w) {
      if (first_seen[w] >= 0) latencies.push_back(first_seen[w] - (placed[u].start_s + ends->second[w]));
    }
  }
  return latencies;
}

int run(const Options& o) {
  std::vector<audio::Utterance> utts;
  if (!o.librispeech.empty()) utts = audio::librispeech_utterances(o.librispeech);
  for (const auto& f : o.files) utts.push_back({"", f, ""});
  if (utts.empty()) throw std::runtime_error("no recordings: give files or --librispeech DIR");
  if (static_cast<int>(utts.size()) > o.limit) utts.resize(static_cast<size_t>(o.limit));

  // The stream: every utterance, each followed by a gap of quiet room noise.
  std::vector<float> stream;
  std::vector<Placed> placed;
  std::mt19937 rng(1);
  std::normal_distribution<float> noise(0.0f, 0.001f);  // about -60 dBFS
  for (const auto& u : utts) {
    const std::vector<float> x = audio::load_audio_16k(u.path);
    const double start = static_cast<double>(stream.size()) / kRate;
    stream.insert(stream.end(), x.begin(), x.end());
    placed.push_back({start, start + speech_end_in_clip(x), static_cast<double>(stream.size()) / kRate});
    for (int i = 0; i < static_cast<int>(o.gap_s * kRate); ++i) stream.push_back(noise(rng));
  }
  const double audio_s = static_cast<double>(stream.size()) / kRate;

  const auto model = model::Model::load(o.model);
  stream::EngineDecoderParams params;
  params.session.n_threads = o.n_threads;
  params.instruction = model::transcription_instruction("English");
  params.partial_beam_width = o.partial_beam;
  params.final_beam_width = o.final_beam;
  params.ctc_weight = o.ctc_weight;
  std::optional<model::WordLm> lm;
  std::optional<model::LmFusion> fusion;
  if (o.lm != "none") {
    lm.emplace(model::WordLm::load_arpa(o.lm));
    fusion.emplace(*lm, model::LmFusionParams{});
    params.fusion = &*fusion;
  }
  stream::EngineDecoder decoder(*model, params);
  stream::StreamConfig config;
  config.step_ms = o.step_ms;
  config.stable_after_ms = o.stable_after_ms;
  config.vad.speech_range_db = o.speech_range_db;
  config.short_pause_ms = o.short_pause_ms;

  double now = 0;  // the simulated clock, seconds since the stream started
  std::vector<std::pair<double, ipc::TranscriptEvent>> events;  // (time it appeared, event)
  std::vector<ipc::TranscriptEvent> made;
  stream::StreamingSession session(decoder, config, "bench", [&](ipc::TranscriptEvent e) { made.push_back(e); });
  std::vector<double> memory;
  const double cpu_start = cpu_seconds();
  double busy_s = 0;
  for (size_t i = 0; i < stream.size(); i += kBlock) {
    const size_t n = std::min(kBlock, stream.size() - i);
    const double arrival = static_cast<double>(i + n) / kRate;
    now = std::max(now, arrival);
    session.set_backlog(now - arrival);
    const auto t0 = Clock::now();
    session.push(std::span<const float>(stream.data() + i, n));
    const double took = std::chrono::duration<double>(Clock::now() - t0).count();
    busy_s += took;
    now += took;
    for (auto& e : made) events.emplace_back(now, std::move(e));
    made.clear();
    const size_t quarter = stream.size() / 4;
    if (quarter > 0 && (i / kBlock) % (quarter / kBlock) == 0) memory.push_back(resident_mib());
  }
  session.finish();
  for (auto& e : made) events.emplace_back(now, std::move(e));
  const double cpu = cpu_seconds() - cpu_start;

  // End of speech -> the last final that covers the utterance.
  std::vector<double> final_latency, partial_gaps;
  size_t n_unheard = 0;
  for (size_t u = 0; u < placed.size(); ++u) {
    const Placed& p = placed[u];
    double appeared = -1, covered_to = -1;
    for (const auto& [t, e] : events) {
      if (e.kind == ipc::EventKind::kFinal && e.audio_start_s < p.end_s && e.audio_end_s > p.start_s) {
        appeared = t;
        covered_to = e.audio_end_s;
      }
    }
    if (appeared < 0) {
      ++n_unheard;
    } else {
      final_latency.push_back(appeared - p.speech_end_s);
    }
    if (o.each) {
      std::printf("%-20s speech ends %8.2f s  final at %8.2f s (+%4.0f ms), its audio ends %+5.0f ms from the "
                  "speech\n", utts[u].id.c_str(), p.speech_end_s, appeared,
                  1000 * (appeared - p.speech_end_s), 1000 * (covered_to - p.speech_end_s));
    }
  }
  double last_partial = -1;
  uint64_t segment = 0;
  for (const auto& [t, e] : events) {
    if (e.kind != ipc::EventKind::kPartial) continue;
    if (e.segment_id == segment && last_partial >= 0) partial_gaps.push_back(t - last_partial);
    segment = e.segment_id;
    last_partial = t;
  }

  size_t n_timed_words = 0;
  const std::vector<double> word_latency =
      o.word_times.empty() ? std::vector<double>{}
                           : word_latencies(events, utts, placed, load_word_ends(o.word_times), n_timed_words);
  const Accuracy accuracy = stream_vs_offline(*model, o.n_threads, o.ctc_weight, params.fusion, stream, events, utts);

  std::printf("model %s; %d thread(s); %s\n", o.model.c_str(), o.n_threads,
              model::describe(model::blas_info()).c_str());
  std::printf("%zu utterances, %.1f min of audio (gaps of %.1f s), step %d ms, beam %d for partials and %d for "
              "finals, CTC weight %.2f, word model %s; %zu events, %llu segments\n",
              placed.size(), audio_s / 60, o.gap_s, o.step_ms, o.partial_beam, o.final_beam, o.ctc_weight,
              o.lm.c_str(), events.size(),
              static_cast<unsigned long long>(session.counters().n_segments));
  print_spread("end of speech -> final", final_latency);
  print_spread("between partials of a segment", partial_gaps);
  if (!o.word_times.empty()) {
    print_spread("end of a word -> first shown", word_latency);
    std::printf("(words shown right at least once: %zu of the %zu with timings)\n", word_latency.size(),
                n_timed_words);
  }
  std::printf("real-time factor %.3f (busy %.1f s); CPU %.3f s per audio second; partials skipped %llu, audio "
              "dropped %.1f s; utterances without a final: %zu\n",
              busy_s / audio_s, busy_s, cpu / audio_s,
              static_cast<unsigned long long>(session.counters().n_partials_skipped),
              static_cast<double>(session.counters().n_frames_dropped) * 0.04, n_unheard);
  if (accuracy.n_words_said > 0) {
    std::printf("WER of the finals %.1f %%; offline transcription of the same segments %.1f %% (%zu words said, "
                "%zu word edits between the two)\n",
                100.0 * accuracy.stream_edits / accuracy.n_words_said,
                100.0 * accuracy.offline_edits / accuracy.n_words_said, accuracy.n_words_said,
                accuracy.edits_between);
  }
  std::printf("resident memory at each quarter:");
  for (double m : memory) std::printf(" %.1f", m);
  std::printf(" MiB; at the end %.1f MiB\n", resident_mib());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_stream: latency and cost of live streaming on a simulated real-time clock"};
  Options o;
  app.add_option("files", o.files, "Recordings");
  app.add_option("--model", o.model, "GGUF model (default: the bundled one)");
  app.add_option("--librispeech", o.librispeech, "A LibriSpeech-layout folder of recordings");
  app.add_option("--limit", o.limit, "At most this many utterances")->check(CLI::Range(1, 100000));
  app.add_option("--threads", o.n_threads, "Engine threads")->check(CLI::Range(1, 64));
  app.add_option("--gap", o.gap_s, "Seconds of quiet room noise after each utterance")->check(CLI::Range(0.6, 60.0));
  app.add_option("--step-ms", o.step_ms, "Partial decode interval")->check(CLI::Range(40, 5000));
  app.add_option("--word-times", o.word_times,
                 "Word timings (JSONL of training/align_words.py) for the end of a word -> first shown latency");
  app.add_flag("--each", o.each, "Print each utterance's end of speech and final");
  app.add_option("--short-pause-ms", o.short_pause_ms,
                 "Pause that closes a segment past half the model's window (0: off)")
      ->capture_default_str();
  app.add_option("--speech-range-db", o.speech_range_db,
                 "Voice activity: frames this far below the speech peak are not speech (0: off)")
      ->check(CLI::Range(0.0, 120.0));
  app.add_option("--stable-after-ms", o.stable_after_ms, "No stable text before a segment holds this much audio")
      ->check(CLI::Range(0, 30000));
  app.add_option("--partial-beam", o.partial_beam, "Hypotheses of the partials' beam search (0: greedy)")
      ->check(CLI::Range(0, 16));
  app.add_option("--final-beam", o.final_beam, "Hypotheses of the finals' beam search (0: greedy)")
      ->check(CLI::Range(0, 16));
  app.add_option("--ctc-weight", o.ctc_weight, "Weight of the model's CTC head in both beams (0: not used)")
      ->check(CLI::Range(0.0, 10.0));
  app.add_option("--lm", o.lm, "Word model fused into both beams; none: none (default: the bundled word model "
                               "with the bundled model)");
  CLI11_PARSE(app, argc, argv);
  if (o.model.empty()) {
    o.model = std::string(EARSHOT_SOURCE_DIR) + "/models/earshot-default.gguf";
    if (o.lm.empty()) o.lm = std::string(EARSHOT_SOURCE_DIR) + "/models/earshot-words.arpa.gz";
  }
  if (o.lm.empty()) o.lm = "none";
  try {
    return run(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_stream: %s\n", e.what());
    return 1;
  }
}
