// The audio projector ("mmproj"): which front end turns a 640-sample frame
// into the projection's input, and the weights of that step, bound in place
// from a GGUF file (the mmproj file, or the text model's file when it holds
// both).
//
//   ProjectorWeights proj = load_projector(file, /*n_embd=*/hp.n_embd);
//
// Projector types (`clip.audio.projector_type`):
//   gemma4ua        published Gemma 4 models: weightless RMSNorm (eps 1e-6) over
//                   the frame's 640 samples, then mm.a.input_projection (640 -> d).
//   earshot_logmel  earshot's bundled model: 4 causal 25 ms windows per frame
//                   (hop 10 ms), Hann, power spectrum, mel filters, ln(x + floor),
//                   fixed per-band normalisation, then mm.a.input_projection
//                   (4 * n_mels -> d). Keys clip.audio.logmel.*, tensors
//                   mm.a.logmel.{mel_filters, mean, std}.
// Either type may say how long a piece of audio one prompt should hold
// (clip.audio.window_seconds, optional): a model trained on short clips
// drifts into invented words late in a long one, so longer audio is cut into
// windows at pauses (audio/pause_windows.h). Published models do not set it.
// Either may also carry a character CTC head (model/ctc_head.h) that the beam
// search uses to score answers against the audio.
//
// Thread contract: immutable after loading; read from any thread while the
// GgufFile lives.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "model/ctc_head.h"
#include "model/quant_kernels.h"

namespace earshot::model {

class GgufFile;

inline constexpr int kFrameSamples = 640;  // 40 ms at 16 kHz: one audio token
inline constexpr int kSampleRate = 16000;

enum class ProjectorType { kGemma4Ua, kEarshotLogMel };

std::string_view projector_type_name(ProjectorType type);

struct LogMelHparams {
  int window = 400;      // samples per analysis window (also the DFT size)
  int hop = 160;         // samples between window ends
  int n_subframes = 4;   // windows per frame: n_subframes * hop == kFrameSamples
  int n_mels = 80;
  float log_floor = 1e-6f;

  int n_bins() const { return window / 2 + 1; }
  int history() const { return window - hop; }  // samples of the previous frame each frame needs
};

struct ProjectorWeights {
  ProjectorType type = ProjectorType::kGemma4Ua;
  int n_in = 0;       // projection input per frame
  int n_embd = 0;     // projection output (the text model's hidden size)
  float eps = 1e-6f;  // gemma4ua frame norm
  WeightMatrix input_projection;  // [n_embd rows of n_in]
  double window_seconds = 0;      // clip.audio.window_seconds; 0: not given
  std::optional<CtcHead> ctc_head;  // none in published models

  // earshot_logmel only
  LogMelHparams logmel;
  const float* mel_filters = nullptr;  // [n_bins, n_mels]
  const float* mel_mean = nullptr;     // [n_mels]
  const float* mel_std = nullptr;      // [n_mels]
};

// True when the file carries an audio projector (clip.has_audio_encoder).
bool has_audio_projector(const GgufFile& file);

// Reads and checks the projector keys and binds its tensors. Throws GgufError
// naming the file, key or tensor, and expected vs found.
ProjectorWeights load_projector(const GgufFile& file, int n_embd);

}  // namespace earshot::model
