"""Export a trained checkpoint to GGUF, with llama.cpp's `gemma4` names and keys.

    /usr/bin/python3 training/export_gguf.py training/runs/r01/ckpt.pt \
        --tokenizer training/data/tokenizer-1024.json --type q8_0 --single models/earshot-default.gguf
    /usr/bin/python3 training/export_gguf.py CKPT --tokenizer TOK.json --type f16 \
        --text text.gguf --mmproj mmproj.gguf

Two forms, both loaded by earshot's engine:
- split: a text model (`general.architecture = "gemma4"`) and an audio projector
  file ("mmproj", `general.architecture = "clip"`), as llama.cpp ships Gemma 4;
- single: one `gemma4` file that also carries the projector's `clip.*` keys and
  `mm.a.*` tensors.

Text model: the keys and tensors of docs/model/architecture.md §4 (tensor `ne`
is the reversed torch shape, which the writer does), the tokenizer keys of
training/tokenizer.py, and `rope_freqs` (head_dim_full/2 frequency divisors:
1.0 for the rotated pairs, 1e30 for the rest). The training-only heads (CTC)
are not exported, except with --ctc-head: the character head on the last
layer, which the engine's beam search may use to score answers against the
audio (model/ctc_prefix_score.h). It goes with the projector: tensors
`mm.a.ctc.{norm.weight, norm.bias, weight, bias}` (LayerNorm, then a linear
map to the labels, all F32) and the key `clip.audio.ctc.labels` (the
characters of labels 1..n; label 0 is the blank).

Projector types: `gemma4ua` (weightless RMSNorm over the 640 samples, then
`mm.a.input_projection` 640 -> d) and earshot's `earshot_logmel` (fixed log-mel
of 4 causal 25 ms windows, then 320 -> d), which also stores its fixed parts:
`mm.a.logmel.mel_filters` [n_bins rows of n_mels], `mm.a.logmel.mean` /
`mm.a.logmel.std` [n_mels], and the keys clip.audio.logmel.{window_length,
hop_length, subframe_count, log_floor}; the engine builds the Hann-windowed DFT
itself, as LogMel does.

Types (--type): matrices are stored in the given type; a matrix whose rows do
not divide into that type's blocks falls back to Q8_0, then F16. Norms, scales,
rope_freqs and the log-mel tables stay F32.
"""
import argparse
import dataclasses
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import gguf_writer as gw  # noqa: E402
import tokenizer as tokmod  # noqa: E402

TYPES = {
    "f32": gw.TensorType.F32,
    "f16": gw.TensorType.F16,
    "bf16": gw.TensorType.BF16,
    "q8_0": gw.TensorType.Q8_0,
    "q4_0": gw.TensorType.Q4_0,
    "q4_k": gw.TensorType.Q4_K,
    "q6_k": gw.TensorType.Q6_K,
}

# llama.cpp's `general.file_type` (enum llama_ftype) of each whole-model type.
FILE_TYPES = {"f32": 0, "f16": 1, "q4_0": 2, "q8_0": 7, "q4_k": 15, "q6_k": 18, "bf16": 32}

ROPE_FREQ_OFF = 1e30  # a frequency divisor that stops a pair from rotating

LOGMEL_WINDOW = 400
LOGMEL_HOP = 160
LOGMEL_SUBFRAMES = 4
LOGMEL_FLOOR = 1e-6
GEMMA4UA_MEL_BINS = 128  # what llama.cpp's converter writes; its loader uses 640


@dataclasses.dataclass
class Tensor:
    name: str
    values: np.ndarray   # float32, torch shape
    matrix: bool         # stored in the requested type (else F32)


def matrix_type(values: np.ndarray, requested: gw.TensorType) -> gw.TensorType:
    """The requested type, or the first fallback whose block size divides the rows."""
    for t in (requested, gw.TensorType.Q8_0, gw.TensorType.F16):
        if values.shape[-1] % gw.BLOCK_GEOMETRY[t][0] == 0:
            return t
    return gw.TensorType.F32


def stored_type(t: Tensor, requested: gw.TensorType) -> gw.TensorType:
    return matrix_type(t.values, requested) if t.matrix else gw.TensorType.F32


def round_trip(t: Tensor, requested: gw.TensorType) -> np.ndarray:
    """The values a reader gets back from the file (for parity references)."""
    kind = stored_type(t, requested)
    return gw.dequantize(gw.quantize(t.values, kind), kind, t.values.shape)


def rope_freqs(cfg) -> np.ndarray:
    half = cfg.head_dim_full // 2
    n_rot = int(round(half * cfg.rope_fraction_full))  # as model.rope_inv_freq
    out = np.full(half, ROPE_FREQ_OFF, dtype=np.float32)
    out[:n_rot] = 1.0
    return out


# Per layer: (GGUF name, PyTorch name under layers.{i}., stored in the requested type).
LAYER_TENSORS = [("attn_norm", "attn_norm.weight", False),
                 ("attn_q", "attn.q_proj.weight", True),
                 ("attn_k", "attn.k_proj.weight", True),
                 ("attn_v", "attn.v_proj.weight", True),
                 ("attn_output", "attn.o_proj.weight", True),
                 ("attn_q_norm", "attn.q_norm.weight", False),
                 ("attn_k_norm", "attn.k_norm.weight", False),
                 ("post_attention_norm", "post_attn_norm.weight", False),
                 ("ffn_norm", "ffn_norm.weight", False),
                 ("ffn_gate", "ffn.gate.weight", True),
                 ("ffn_up", "ffn.up.weight", True),
                 ("ffn_down", "ffn.down.weight", True),
                 ("post_ffw_norm", "post_ffw_norm.weight", False),
                 ("layer_output_scale", "layer_scale", False)]
LOGMEL_TENSORS = [("mel_filters", "mel_fb"), ("mean", "mean"), ("std", "std")]


def tensor_names(cfg) -> list:
    """(GGUF name, PyTorch state name, matrix) of every tensor the export writes from the state."""
    out = [("token_embd.weight", "embed.weight", True), ("output_norm.weight", "final_norm.weight", False)]
    for i in range(cfg.n_layer):
        for gguf_name, torch_name, matrix in LAYER_TENSORS:
            if gguf_name == "attn_v" and cfg.is_full(i):
                continue  # K = V on full layers
            out.append((f"blk.{i}.{gguf_name}.weight", f"layers.{i}.{torch_name}", matrix))
    out.append(("mm.a.input_projection.weight", "audio_proj.weight", True))
    if cfg.projector == "earshot_logmel":
        out += [(f"mm.a.logmel.{g}", f"logmel.{t}", False) for g, t in LOGMEL_TENSORS]
    return out


def _tensors(state: dict, cfg, projector: bool) -> list:
    out = []
    for gguf_name, torch_name, matrix in tensor_names(cfg):
        if gguf_name.startswith("mm.") != projector:
            continue
        if torch_name not in state:
            raise KeyError(f"checkpoint has no {torch_name}")
        out.append(Tensor(gguf_name, state[torch_name].detach().float().cpu().numpy(), matrix))
    return out


def text_tensors(state: dict, cfg) -> list:
    out = _tensors(state, cfg, projector=False)
    if any(cfg.is_full(i) for i in range(cfg.n_layer)):
        out.insert(2, Tensor("rope_freqs.weight", rope_freqs(cfg), False))
    return out


def projector_tensors(state: dict, cfg) -> list:
    return _tensors(state, cfg, projector=True)


def add_value(w: gw.GgufWriter, key: str, value) -> None:
    if isinstance(value, bool):
        w.add_bool(key, value)
    elif isinstance(value, int):
        w.add_u32(key, value)
    elif isinstance(value, float):
        w.add_f32(key, value)
    elif isinstance(value, str):
        w.add_string(key, value)
    elif isinstance(value, (list, tuple)) and value and isinstance(value[0], float):
        w.add_array(key, np.asarray(value, dtype=np.float32))
    elif isinstance(value, (list, tuple)) and value and isinstance(value[0], bool):
        w.add_array(key, list(value), gw.ValueType.BOOL)
    elif isinstance(value, (list, tuple)) and value and isinstance(value[0], int):
        w.add_array(key, np.asarray(value, dtype=np.int32))
    else:
        w.add_array(key, list(value), gw.ValueType.STRING)


def add_text_keys(w: gw.GgufWriter, cfg, tok, type_name: str, name: str, context_length: int) -> None:
    a = "gemma4."
    w.add_string("general.name", name)
    w.add_u32("general.file_type", FILE_TYPES[type_name])
    if type_name not in ("f32", "f16", "bf16"):
        w.add_u32("general.quantization_version", 2)
    w.add_u32(a + "context_length", context_length)
    w.add_u32(a + "embedding_length", cfg.n_embd)
    w.add_u32(a + "block_count", cfg.n_layer)
    w.add_u32(a + "feed_forward_length", cfg.n_ff)
    w.add_u32(a + "attention.head_count", cfg.n_head)
    kv = [cfg.n_kv_head_full if cfg.is_full(i) else cfg.n_kv_head_swa for i in range(cfg.n_layer)]
    w.add_array(a + "attention.head_count_kv", np.asarray(kv, dtype=np.uint32))
    w.add_u32(a + "attention.key_length", cfg.head_dim_full)
    w.add_u32(a + "attention.value_length", cfg.head_dim_full)
    w.add_u32(a + "attention.key_length_swa", cfg.head_dim_swa)
    w.add_u32(a + "attention.value_length_swa", cfg.head_dim_swa)
    w.add_f32(a + "rope.freq_base", cfg.rope_theta_full)
    w.add_f32(a + "rope.freq_base_swa", cfg.rope_theta_swa)
    w.add_u32(a + "rope.dimension_count", cfg.head_dim_full)
    w.add_u32(a + "rope.dimension_count_swa", cfg.head_dim_swa)
    w.add_u32(a + "attention.sliding_window", cfg.window)
    w.add_array(a + "attention.sliding_window_pattern", [not cfg.is_full(i) for i in range(cfg.n_layer)],
                gw.ValueType.BOOL)
    w.add_f32(a + "final_logit_softcapping", cfg.final_logit_softcap)
    w.add_f32(a + "attention.layer_norm_rms_epsilon", cfg.norm_eps)
    w.add_u32(a + "embedding_length_per_layer_input", 0)
    w.add_u32(a + "attention.shared_kv_layers", 0)
    for key, value in tok.gguf_metadata().items():
        if key == "tokenizer.ggml.scores":
            w.add_array(key, np.asarray(value, dtype=np.float32))
        elif key == "tokenizer.ggml.token_type":
            w.add_array(key, np.asarray(value, dtype=np.int32))
        else:
            add_value(w, key, value)


def add_projector_keys(w: gw.GgufWriter, cfg, window_seconds: float = 0.0, ctc_head: bool = False) -> None:
    c = "clip.audio."
    w.add_bool("clip.has_audio_encoder", True)
    w.add_bool("clip.has_vision_encoder", False)
    w.add_string(c + "projector_type", cfg.projector)
    w.add_u32(c + "projection_dim", cfg.n_embd)
    w.add_u32(c + "embedding_length", cfg.audio_in_dim())
    w.add_u32(c + "feed_forward_length", 0)
    w.add_u32(c + "block_count", 0)
    w.add_u32(c + "attention.head_count", 0)
    w.add_f32(c + "attention.layer_norm_epsilon", cfg.norm_eps)
    if cfg.projector == "earshot_logmel":
        w.add_u32(c + "num_mel_bins", cfg.n_mels)
        w.add_u32(c + "logmel.window_length", LOGMEL_WINDOW)
        w.add_u32(c + "logmel.hop_length", LOGMEL_HOP)
        w.add_u32(c + "logmel.subframe_count", LOGMEL_SUBFRAMES)
        w.add_f32(c + "logmel.log_floor", LOGMEL_FLOOR)
    else:
        w.add_u32(c + "num_mel_bins", GEMMA4UA_MEL_BINS)
    if window_seconds > 0:  # the engine cuts longer audio at pauses (audio/pause_windows.h)
        w.add_f32(c + "window_seconds", window_seconds)
    if ctc_head:
        from ctc import CtcUnits
        w.add_string(CTC_LABELS_KEY, CtcUnits.CHARS)


CTC_LABELS_KEY = "clip.audio.ctc.labels"
CTC_TENSORS = [("mm.a.ctc.norm.weight", "norm.weight"), ("mm.a.ctc.norm.bias", "norm.bias"),
               ("mm.a.ctc.weight", "proj.weight"), ("mm.a.ctc.bias", "proj.bias")]


def ctc_head_tensors(ckpt: dict) -> list:
    """The checkpoint's character CTC head as F32 tensors; refuses any other head."""
    train_cfg = ckpt.get("train_config", {})
    if "ctc_head" not in ckpt:
        raise ValueError("--ctc-head: the checkpoint has no CTC head")
    if train_cfg.get("ctc_units") != "chars" or train_cfg.get("ctc_per_frame", 1) != 1:
        raise ValueError("--ctc-head: only a character head with one step per frame is exported")
    if train_cfg.get("ctc_layer", -1) not in (-1, ckpt["model_config"]["n_layer"] - 1):
        raise ValueError("--ctc-head: only a head on the last layer is exported")
    head = ckpt["ctc_head"]
    return [Tensor(g, head[t].detach().float().cpu().numpy(), False) for g, t in CTC_TENSORS]


def add_tensors(w: gw.GgufWriter, tensors: list, requested: gw.TensorType) -> None:
    for t in tensors:
        w.add_tensor(t.name, t.values, stored_type(t, requested))


def export(state: dict, cfg, tok, type_name: str, single: str = None, text: str = None, mmproj: str = None,
           name: str = "earshot", context_length: int = 4096, window_seconds: float = 0.0,
           ctc_head: list = None) -> list:
    """Writes the single file or the split pair; returns the paths written. ctc_head: the
    tensors of ctc_head_tensors(), or None."""
    requested = TYPES[type_name]
    if (single is None) == (text is None or mmproj is None):
        raise ValueError("export: give either single, or both text and mmproj")
    if cfg.vocab_size != len(tok):
        raise ValueError(f"export: model vocabulary {cfg.vocab_size} != tokenizer {len(tok)}")
    if single is not None:
        w = gw.GgufWriter(single, arch="gemma4")
        add_text_keys(w, cfg, tok, type_name, name, context_length)
        add_projector_keys(w, cfg, window_seconds, ctc_head is not None)
        add_tensors(w, text_tensors(state, cfg) + projector_tensors(state, cfg) + (ctc_head or []), requested)
        return [w.write()]
    wt = gw.GgufWriter(text, arch="gemma4")
    add_text_keys(wt, cfg, tok, type_name, name, context_length)
    add_tensors(wt, text_tensors(state, cfg), requested)
    wp = gw.GgufWriter(mmproj, arch="clip")
    wp.add_string("general.name", name + "-mmproj")
    wp.add_u32("general.file_type", FILE_TYPES[type_name])
    add_projector_keys(wp, cfg, window_seconds, ctc_head is not None)
    add_tensors(wp, projector_tensors(state, cfg) + (ctc_head or []), requested)
    return [wt.write(), wp.write()]


def round_trip_state(state: dict, cfg, type_name: str) -> dict:
    """A copy of the state dict whose exported weights hold the values the GGUF
    stores (quantized and back), to run the PyTorch reference on them."""
    import torch
    requested = TYPES[type_name]
    out = dict(state)
    by_gguf = {t.name: t for t in text_tensors(state, cfg) + projector_tensors(state, cfg)}
    for gguf_name, torch_name, matrix in tensor_names(cfg):
        if matrix:
            out[torch_name] = torch.from_numpy(round_trip(by_gguf[gguf_name], requested).copy())
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("checkpoint", help="ckpt.pt of training/train.py (state dict under 'model', 'model_config')")
    ap.add_argument("--tokenizer", required=True, help="the run's tokenizer JSON (training/tokenizer.py)")
    ap.add_argument("--type", default="q8_0", choices=sorted(TYPES), help="storage type of the matrices")
    ap.add_argument("--single", help="write one file holding text model and projector")
    ap.add_argument("--text", help="split form: the text model file")
    ap.add_argument("--mmproj", help="split form: the projector file")
    ap.add_argument("--name", default="earshot", help="general.name")
    ap.add_argument("--context-length", type=int, default=4096, help="gemma4.context_length")
    ap.add_argument("--window-seconds", type=float, default=0.0,
                    help="clip.audio.window_seconds: the longest audio one prompt gets, longer audio is cut "
                         "at pauses (0: not written, the engine's clip limit applies)")
    ap.add_argument("--ctc-head", action="store_true",
                    help="also export the checkpoint's character CTC head, for the engine's CTC scoring")
    args = ap.parse_args(argv)

    import torch
    from model import ModelConfig
    ckpt = torch.load(args.checkpoint, map_location="cpu")
    cfg = ModelConfig(**ckpt["model_config"])
    tok = tokmod.Tokenizer.load(args.tokenizer)
    try:
        ctc_head = ctc_head_tensors(ckpt) if args.ctc_head else None
        paths = export(ckpt["model"], cfg, tok, args.type, single=args.single, text=args.text, mmproj=args.mmproj,
                       name=args.name, context_length=args.context_length,
                       window_seconds=args.window_seconds, ctc_head=ctc_head)
    except ValueError as e:
        ap.error(str(e))
    for p in paths:
        print(f"wrote {p} ({p.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
