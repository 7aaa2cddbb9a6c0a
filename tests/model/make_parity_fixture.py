"""Parity fixtures for the C++ engine, generated at test time from the PyTorch
reference (training/model.py) so that they always match the code.

    /usr/bin/python3 tests/model/make_parity_fixture.py OUT_DIR

For each small random configuration (together they exercise every feature:
K = V full layers with partial RoPE, sliding layers whose window is shorter
than the sequence, several KV-head counts with and without GQA, soft-caps,
both projector types) and each storage type (f32, f16, q8_0, q4_k, q6_k):
  - the model exported with training/export_gguf.py, single file and split pair;
  - the reference run on weights that went through the same quantization (so
    the engine is compared on the arithmetic, not on rounding of the weights):
    logits of every prompt position, then 64 greedy steps (token and the logits
    it was chosen from);
  - the front end's features of the clip (before the projection);
  - a random character CTC head (exported with the projector) and its log
    probabilities of the clip's frames in the prompt.
The prompt is <bos><|turn>user\\n TEXT <|audio> frames <audio|><turn|>\\n<|turn>model\\n
with a short TEXT; the clip has a partial last frame and a stretch of digital
silence (exactly zero frames). OUT_DIR/manifest.json lists everything; arrays
are raw little-endian float32.
"""
import json
import math
import pathlib
import sys

import numpy as np
import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "training"))
import export_gguf  # noqa: E402
import tokenizer as tokmod  # noqa: E402
from ctc import CtcHead, CtcUnits  # noqa: E402
from model import FRAME_SAMPLES, Gemma4Audio, ModelConfig, SAMPLE_RATE  # noqa: E402

N_STEPS = 64
TYPES = ["f32", "f16", "q8_0", "q4_k", "q6_k"]
INSTRUCTION = "Transcribe the following speech."

CONFIGS = {
    # log-mel front end; GQA 4:2 on sliding layers, 4:1 on K=V full layers; window 8
    "logmel": dict(n_embd=256, n_layer=4, n_head=4, n_ff=512, head_dim_swa=64, n_kv_head_swa=2,
                   rope_theta_swa=10000.0, window=8, head_dim_full=128, n_kv_head_full=1,
                   rope_theta_full=1000000.0, rope_fraction_full=0.25, full_every=2,
                   final_logit_softcap=30.0, projector="earshot_logmel", n_mels=80),
    # raw-frame front end; no GQA on sliding layers (4:4), 4:2 on full layers; window 16
    "raw": dict(n_embd=256, n_layer=3, n_head=4, n_ff=768, head_dim_swa=64, n_kv_head_swa=4,
                rope_theta_swa=10000.0, window=16, head_dim_full=64, n_kv_head_full=2,
                rope_theta_full=500000.0, rope_fraction_full=0.5, full_every=3,
                final_logit_softcap=15.0, projector="gemma4ua", n_mels=80),
}


def test_audio(seed: int) -> np.ndarray:
    """1.3 s: chirp + noise, a stretch of exact zeros, a partial last frame."""
    rng = np.random.default_rng(seed)
    n = int(1.3 * SAMPLE_RATE) + 123
    t = np.arange(n) / SAMPLE_RATE
    x = 0.3 * np.sin(2 * np.pi * (200 + 900 * t) * t) + 0.05 * rng.standard_normal(n)
    x[5 * FRAME_SAMPLES: 8 * FRAME_SAMPLES] = 0.0
    return x.astype(np.float32)


def randomise(model: Gemma4Audio, cfg: ModelConfig, audio: np.ndarray, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
                if ".post_" in name:
                    p.mul_(6.0)  # layers outweigh the residual: greedy output varies instead of echoing
                if "q_norm" in name or "k_norm" in name:
                    p.mul_(0.35)  # softer attention: small input changes do not flip it (no chaos)
            elif name.endswith("layer_scale"):
                p.copy_(0.5 + torch.rand(p.shape, generator=g))
        model.final_norm.weight.mul_(3.0)  # logits spread wide enough for stable greedy choices
        if model.logmel is not None:
            x = torch.from_numpy(audio[: len(audio) // FRAME_SAMPLES * FRAME_SAMPLES])[None]
            mel = model.logmel.log_mel(x).reshape(-1, cfg.n_mels).double()
            model.logmel.mean.copy_(mel.mean(0).float())
            model.logmel.std.copy_(mel.std(0).clamp(min=1e-2).float())


@torch.no_grad()
def reference(model: Gemma4Audio, prompt: tokmod.AudioPrompt, audio: np.ndarray, n_frames: int):
    samples = torch.zeros(1, n_frames * FRAME_SAMPLES)
    samples[0, : len(audio)] = torch.from_numpy(audio)
    ids = list(prompt.ids)
    audio_mask = torch.zeros(1, len(ids), dtype=torch.bool)
    audio_mask[0, prompt.audio_begin: prompt.audio_end] = True

    def run(tokens):
        t = torch.tensor([tokens])
        mask = torch.zeros_like(t, dtype=torch.bool)
        mask[:, : audio_mask.shape[1]] = audio_mask
        return model(t, samples, mask)[0][0]

    prompt_logits = run(ids)
    step_logits, greedy, margins = [prompt_logits[-1]], [], []
    for step in range(N_STEPS):
        last = step_logits[-1]
        top2 = torch.topk(last, 2).values
        margins.append(float(top2[0] - top2[1]))
        greedy.append(int(last.argmax()))
        if step + 1 < N_STEPS:
            step_logits.append(run(ids + greedy)[-1])
    features = model.audio_features(samples)[0]
    return prompt_logits, torch.stack(step_logits), greedy, min(margins), features


@torch.no_grad()
def ctc_reference(model: Gemma4Audio, head: CtcHead, prompt: tokmod.AudioPrompt, audio: np.ndarray, n_frames: int):
    """The head's log probabilities of the prompt's audio frames, from the last layer's output."""
    samples = torch.zeros(1, n_frames * FRAME_SAMPLES)
    samples[0, : len(audio)] = torch.from_numpy(audio)
    tokens = torch.tensor([list(prompt.ids)])
    audio_mask = torch.zeros_like(tokens, dtype=torch.bool)
    audio_mask[0, prompt.audio_begin: prompt.audio_end] = True
    last = model(tokens, samples, audio_mask)[1][-1][0, prompt.audio_begin: prompt.audio_end]
    return torch.log_softmax(head(last), dim=-1)


def random_ctc_head(cfg: ModelConfig) -> CtcHead:
    torch.manual_seed(13)
    head = CtcHead(cfg.n_embd, len(CtcUnits.CHARS) + 1).eval()
    with torch.no_grad():
        head.norm.weight.copy_(1.0 + 0.2 * torch.randn(cfg.n_embd))
        head.norm.bias.copy_(0.1 * torch.randn(cfg.n_embd))
    return head


def ctc_head_tensors(head: CtcHead) -> list:
    ckpt = {"ctc_head": head.state_dict(), "train_config": {"ctc_units": "chars"}, "model_config": {"n_layer": 1}}
    return export_gguf.ctc_head_tensors(ckpt)


def write_broken(out: pathlib.Path, tok) -> dict:
    """Files the loader must refuse, each with what its error must name."""
    fields = dict(CONFIGS["logmel"])
    cfg = ModelConfig(vocab_size=len(tok), **fields)
    torch.manual_seed(1)
    state = Gemma4Audio(cfg).state_dict()
    broken = {}

    no_window = ModelConfig(vocab_size=len(tok), **{**fields, "window": 0})
    export_gguf.export(state, no_window, tok, "f32", single=str(out / "broken_window.gguf"))
    broken["broken_window.gguf"] = "gemma4.attention.sliding_window"

    bad_shape = dict(state)
    bad_shape["layers.1.attn.k_norm.weight"] = torch.ones(cfg.head_dim_full // 2)
    export_gguf.export(bad_shape, cfg, tok, "f32", single=str(out / "broken_shape.gguf"))
    broken["broken_shape.gguf"] = "blk.1.attn_k_norm.weight"

    unknown = ModelConfig(vocab_size=len(tok), **{**fields, "projector": "whisper"})
    export_gguf.export(state, unknown, tok, "f32", single=str(out / "broken_projector.gguf"))
    broken["broken_projector.gguf"] = "clip.audio.projector_type"

    export_gguf.export(state, cfg, tok, "f32", single=str(out / "broken_window_seconds.gguf"), window_seconds=0.5)
    broken["broken_window_seconds.gguf"] = "clip.audio.window_seconds"

    short_head = CtcHead(cfg.n_embd, 10)  # the labels key names 28 characters
    export_gguf.export(state, cfg, tok, "f32", single=str(out / "broken_ctc_head.gguf"),
                       ctc_head=ctc_head_tensors(short_head))
    broken["broken_ctc_head.gguf"] = "mm.a.ctc.weight"
    return broken


def write_f32(path: pathlib.Path, t) -> str:
    np.ascontiguousarray(np.asarray(t, dtype=np.float32)).tofile(path)
    return path.name


def main(argv) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    out = pathlib.Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    tok = tokmod.Tokenizer.load(ROOT / "tests/model/data/tokenizer_small.json")
    audio = test_audio(seed=7)
    n_frames = math.ceil(len(audio) / FRAME_SAMPLES)
    prompt = tokmod.build_audio_prompt(tok, INSTRUCTION, n_frames)
    manifest = {"n_steps": N_STEPS, "audio": write_f32(out / "audio.f32", audio), "n_samples": len(audio),
                "n_frames": n_frames, "prefix": prompt.prefix, "suffix": prompt.suffix, "cases": []}

    for config_name, fields in CONFIGS.items():
        cfg = ModelConfig(vocab_size=len(tok), **fields)
        torch.manual_seed(11)
        model = Gemma4Audio(cfg).eval()
        randomise(model, cfg, audio, seed=12)
        state = {k: v.clone() for k, v in model.state_dict().items()}
        head = random_ctc_head(cfg)
        for type_name in TYPES:
            model.load_state_dict(export_gguf.round_trip_state(state, cfg, type_name))
            prompt_logits, step_logits, greedy, margin, features = reference(model, prompt, audio, n_frames)
            ctc_log_probs = ctc_reference(model, head, prompt, audio, n_frames)
            stem = f"{config_name}_{type_name}"
            single = out / f"{stem}.gguf"
            text, mmproj = out / f"{stem}-text.gguf", out / f"{stem}-mmproj.gguf"
            export_gguf.export(state, cfg, tok, type_name, single=str(single), name=stem,
                               ctc_head=ctc_head_tensors(head))
            export_gguf.export(state, cfg, tok, type_name, text=str(text), mmproj=str(mmproj), name=stem,
                               ctc_head=ctc_head_tensors(head))
            manifest["cases"].append({
                "name": stem, "config": config_name, "type": type_name, "projector": cfg.projector,
                "window": cfg.window, "n_vocab": cfg.vocab_size, "n_in": cfg.audio_in_dim(),
                "single": single.name, "text": text.name, "mmproj": mmproj.name,
                "prompt_logits": write_f32(out / f"{stem}_prompt.f32", prompt_logits),
                "step_logits": write_f32(out / f"{stem}_steps.f32", step_logits),
                "features": write_f32(out / f"{stem}_features.f32", features),
                "ctc_log_probs": write_f32(out / f"{stem}_ctc.f32", ctc_log_probs),
                "greedy": greedy, "min_margin": margin,
            })
            print(f"{stem}: {len(prompt.ids)} prompt rows, greedy margin >= {margin:.4f}", flush=True)
    manifest["broken"] = write_broken(out, tok)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
