#!/usr/bin/python3
"""Checks model.py (the engine's parity oracle) against transformers' own Gemma 4
unified implementation, on a small random config that exercises every feature the
engine implements: sliding-window layers with a window shorter than the sequence,
full-attention layers with K = V, their own head size and KV-head count and
proportional (partial) RoPE, QK-norm and the unweighted V-norm, per-layer scalars,
the raw-audio projector (unweighted RMSNorm over 640 samples, then a linear map),
tied embeddings and the final soft-cap.

Every weight of the transformers model, norms and layer scalars included, is drawn
at random, copied into model.py's Gemma4Audio, and both run the same audio + text
prompt. Prints the largest logit difference (relative to the largest logit) and
compares 64 greedy tokens. Needs a transformers with models/gemma4_unified (not in
Debian): run it where one is installed, e.g. the GPU machine.

  python3 training/check_transformers.py [--device cuda] [--json OUT.json]
"""
import argparse
import json
import pathlib
import re
import sys
import traceback

import torch

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from model import FRAME_SAMPLES, Gemma4Audio, ModelConfig  # noqa: E402

VOCAB = 512
AUDIO_TOKEN = VOCAB - 1  # transformers finds the audio placeholders by this id
N_FRAMES = 24

CFG = ModelConfig(vocab_size=VOCAB, n_embd=128, n_layer=6, n_head=4, n_ff=256,
                  head_dim_swa=32, n_kv_head_swa=2, rope_theta_swa=10000.0, window=8,
                  head_dim_full=64, n_kv_head_full=1, rope_theta_full=1000000.0, rope_fraction_full=0.25,
                  full_every=3, norm_eps=1e-6, final_logit_softcap=30.0, projector="gemma4ua")


def text_config():
    layer_types = ["full_attention" if CFG.is_full(i) else "sliding_attention" for i in range(CFG.n_layer)]
    return dict(vocab_size=VOCAB, hidden_size=CFG.n_embd, intermediate_size=CFG.n_ff,
                num_hidden_layers=CFG.n_layer, num_attention_heads=CFG.n_head,
                num_key_value_heads=CFG.n_kv_head_swa, head_dim=CFG.head_dim_swa,
                global_head_dim=CFG.head_dim_full, num_global_key_value_heads=CFG.n_kv_head_full,
                attention_k_eq_v=True, sliding_window=CFG.window, layer_types=layer_types,
                final_logit_softcapping=CFG.final_logit_softcap, rms_norm_eps=CFG.norm_eps,
                hidden_activation="gelu_pytorch_tanh", tie_word_embeddings=True,
                rope_parameters={
                    "sliding_attention": {"rope_type": "default", "rope_theta": CFG.rope_theta_swa},
                    "full_attention": {"rope_type": "proportional", "rope_theta": CFG.rope_theta_full,
                                       "partial_rotary_factor": CFG.rope_fraction_full}},
                pad_token_id=0, bos_token_id=2, eos_token_id=1)


def transformers_model(scope):
    """scope "whole": the unified model with its audio embedder; "decoder": Gemma 4's text
    decoder alone (fed model.py's embeddings; per-layer inputs off), for a transformers
    without gemma4_unified."""
    if scope == "decoder":
        from transformers.models.gemma4 import Gemma4ForCausalLM, Gemma4TextConfig
        config = Gemma4TextConfig(**text_config(), hidden_size_per_layer_input=0, vocab_size_per_layer_input=VOCAB)
        config._attn_implementation = "eager"
        return Gemma4ForCausalLM(config).float().eval()
    from transformers.models.gemma4_unified import Gemma4UnifiedConfig, Gemma4UnifiedForConditionalGeneration
    config = Gemma4UnifiedConfig(text_config=text_config(), audio_config=dict(audio_embed_dim=FRAME_SAMPLES),
                                 vision_config=None, audio_token_id=AUDIO_TOKEN, tie_word_embeddings=True)
    config._attn_implementation = "eager"
    config.text_config._attn_implementation = "eager"
    return Gemma4UnifiedForConditionalGeneration(config).float().eval()


# transformers name (less "model." and "language_model.") -> model.py name
NAME_MAP = [
    (r"embed_tokens\.weight", "embed.weight"),
    (r"norm\.weight", "final_norm.weight"),
    (r"embed_audio\.embedding_projection\.weight", "audio_proj.weight"),
    (r"layers\.(\d+)\.input_layernorm\.weight", r"layers.\1.attn_norm.weight"),
    (r"layers\.(\d+)\.post_attention_layernorm\.weight", r"layers.\1.post_attn_norm.weight"),
    (r"layers\.(\d+)\.pre_feedforward_layernorm\.weight", r"layers.\1.ffn_norm.weight"),
    (r"layers\.(\d+)\.post_feedforward_layernorm\.weight", r"layers.\1.post_ffw_norm.weight"),
    (r"layers\.(\d+)\.layer_scalar", r"layers.\1.layer_scale"),
    (r"layers\.(\d+)\.self_attn\.(q|k|v|o)_proj\.weight", r"layers.\1.attn.\2_proj.weight"),
    (r"layers\.(\d+)\.self_attn\.(q|k)_norm\.weight", r"layers.\1.attn.\2_norm.weight"),
    (r"layers\.(\d+)\.mlp\.(gate|up|down)_proj\.weight", r"layers.\1.ffn.\2.weight"),
]
IGNORED = re.compile(r"(rotary_emb|embed_scale|^lm_head\.weight$)")


def randomise(hf):
    """Every weight random, norms and layer scalars away from 1, so each one matters."""
    g = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for name, t in list(hf.named_parameters()) + list(hf.named_buffers()):
            if IGNORED.search(name) or not t.is_floating_point():
                continue
            if "norm" in name or "layer_scalar" in name:
                t.copy_(1.0 + 0.3 * torch.randn(t.shape, generator=g))
            else:
                t.copy_(torch.randn(t.shape, generator=g) * (t.shape[-1] ** -0.5 if t.dim() > 1 else 0.1))


def tie_output(hf) -> bool:
    """The logits must come from the embedding matrix; returns whether transformers tied them itself."""
    out, emb = hf.get_output_embeddings().weight, hf.get_input_embeddings().weight
    tied = out.data_ptr() == emb.data_ptr()
    if not tied:
        with torch.no_grad():
            out.copy_(emb)
    return tied


def copy_into_reference(hf, scope) -> Gemma4Audio:
    ours = Gemma4Audio(CFG).eval()
    target = dict(ours.named_parameters())
    assigned, unmapped = set(), []
    for name, t in list(hf.named_parameters()) + list(hf.named_buffers()):
        if IGNORED.search(name):
            continue
        short = re.sub(r"^model\.(language_model\.)?", "", name)
        for pattern, repl in NAME_MAP:
            if re.fullmatch(pattern, short):
                dest = re.sub(pattern, repl, short)
                if target[dest].shape != t.shape:
                    raise SystemExit(f"{name} {tuple(t.shape)} vs {dest} {tuple(target[dest].shape)}")
                with torch.no_grad():
                    target[dest].copy_(t)
                assigned.add(dest)
                break
        else:
            unmapped.append(name)
    missing = sorted(set(target) - assigned - ({"audio_proj.weight"} if scope == "decoder" else set()))
    if unmapped or missing:
        raise SystemExit(f"weights without a counterpart: transformers {unmapped}, model.py {missing}")
    return ours


def prompt(device):
    """<bos> text ... audio x N ... text: a transcription-shaped prompt with random ids."""
    g = torch.Generator().manual_seed(3)
    before = torch.randint(4, AUDIO_TOKEN, (7,), generator=g)
    after = torch.randint(4, AUDIO_TOKEN, (9,), generator=g)
    tokens = torch.cat([torch.tensor([2]), before, torch.full((N_FRAMES,), AUDIO_TOKEN), after])[None]
    t = torch.arange(N_FRAMES * FRAME_SAMPLES) / 16000.0
    samples = (0.3 * torch.sin(2 * torch.pi * 220 * t) + 0.05 * torch.randn(t.shape, generator=g))[None]
    return tokens.to(device), samples.float().to(device)


@torch.no_grad()
def logits_of(which, hf, ours, tokens, samples, scope="whole"):
    audio_mask = tokens == AUDIO_TOKEN
    if which == "hf" and scope == "decoder":
        embeds = ours.embed_inputs(tokens, ours.audio_proj(ours.audio_features(samples)), audio_mask)
        return hf(inputs_embeds=embeds).logits.float()
    if which == "hf":
        frames = samples.view(1, -1, FRAME_SAMPLES)
        out = hf(input_ids=tokens, input_features=frames,
                 input_features_mask=torch.ones(frames.shape[:2], dtype=torch.bool, device=tokens.device))
        return out.logits.float()
    return ours(tokens, samples, audio_mask)[0].float()


@torch.no_grad()
def greedy(which, hf, ours, tokens, samples, steps, scope):
    out = tokens
    for _ in range(steps):
        nxt = logits_of(which, hf, ours, out, samples, scope)[0, -1].argmax()
        nxt = nxt if int(nxt) != AUDIO_TOKEN else torch.tensor(4, device=out.device)
        out = torch.cat([out, nxt.view(1, 1)], dim=1)
    return out[0, tokens.shape[1]:].tolist()


def check(scope, device):
    import transformers
    hf = transformers_model(scope)
    randomise(hf)
    tied = tie_output(hf)
    ours = copy_into_reference(hf, scope)
    hf, ours = hf.to(device), ours.to(device)
    tokens, samples = prompt(device)
    a = logits_of("hf", hf, ours, tokens, samples, scope)
    b = logits_of("ours", hf, ours, tokens, samples, scope)
    scale = float(a.abs().max())
    rel = float((a - b).abs().max()) / scale
    steps = 64
    greedy_hf = greedy("hf", hf, ours, tokens, samples, steps, scope)
    greedy_ours = greedy("ours", hf, ours, tokens, samples, steps, scope)
    same = sum(x == y for x, y in zip(greedy_hf, greedy_ours))
    return {"transformers": transformers.__version__, "torch": torch.__version__, "device": device,
              "scope": scope, "output_tied_by_transformers": tied,
              "config": {k: v for k, v in CFG.__dict__.items()}, "prompt_tokens": tokens.shape[1],
              "audio_frames": N_FRAMES, "max_abs_logit": round(scale, 4), "max_rel_logit_diff": rel,
              "greedy_steps": steps, "greedy_identical": same, "greedy_hf": greedy_hf[:16],
              "pass": rel < 1e-4 and same == steps}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    results = []
    for scope in ("whole", "decoder"):
        try:
            results.append(check(scope, args.device))
        except Exception:  # report and go on: the other scope may still run
            traceback.print_exc()
            results.append({"scope": scope, "pass": False, "error": traceback.format_exc()[-1500:]})
    ran = [r for r in results if "error" not in r]
    result = {"checks": results, "pass": bool(ran) and all(r["pass"] for r in ran)}
    print(json.dumps(result, indent=1))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(result, indent=1))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
