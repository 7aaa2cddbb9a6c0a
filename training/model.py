"""The Gemma 4 "unified" encoder-free audio model, small, in PyTorch.

This file is both the training model of earshot's bundled model and the parity
oracle of the C++ engine (model/): it mirrors the inference graph step by step.

  audio frames (640 samples)  --front end-->  [n_frames, n_in]  --audio_proj-->  [n_frames, d]
  text tokens                 --embed * sqrt(d)-------------------------------> [n_tokens, d]
  placed in one sequence, then for each layer:
      x = x + post_attn_norm(attn(attn_norm(x)))
      x = x + post_ffw_norm(ffn(ffn_norm(x)))
      x = x * layer_scale
  final norm, logits = x @ embed^T, soft-cap.

Front ends ("projector types"):
  gemma4ua        the published models' raw path: RMSNorm without weight over the
                  640 samples of a frame, then the linear map 640 -> d.
  earshot_logmel  the bundled model's: a fixed, parameter-free log-mel step over
                  the same frame (4 causal 25 ms windows ending at each 10 ms
                  sub-frame boundary, 80 mel bands, log, fixed per-band
                  normalisation), then the linear map 320 -> d. See LogMel.
"""
import dataclasses
import math

import torch
import torch.nn.functional as F
from torch import nn

FRAME_SAMPLES = 640
SAMPLE_RATE = 16000


@dataclasses.dataclass
class ModelConfig:
    vocab_size: int = 1024
    n_embd: int = 256
    n_layer: int = 6
    n_head: int = 4
    n_ff: int = 1024
    # sliding-window (local) layers
    head_dim_swa: int = 64
    n_kv_head_swa: int = 2
    rope_theta_swa: float = 10000.0
    window: int = 256
    # full-attention (global) layers: K = V, partial ("proportional") RoPE
    head_dim_full: int = 128
    n_kv_head_full: int = 1
    rope_theta_full: float = 1000000.0
    rope_fraction_full: float = 0.25
    # layer i is full when (i + 1) % full_every == 0, and the last layer is always full
    full_every: int = 3
    norm_eps: float = 1e-6
    final_logit_softcap: float = 30.0
    projector: str = "earshot_logmel"  # or "gemma4ua"
    n_mels: int = 80

    def is_full(self, layer: int) -> bool:
        return (layer + 1) % self.full_every == 0 or layer == self.n_layer - 1

    def audio_in_dim(self) -> int:
        return FRAME_SAMPLES if self.projector == "gemma4ua" else LogMel.SUBFRAMES * self.n_mels


def rms_norm(x: torch.Tensor, eps: float) -> torch.Tensor:
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)


class RMSNorm(nn.Module):
    """x * rsqrt(mean(x^2) + eps) * w; no +1 offset. weight=False gives the unweighted norm."""

    def __init__(self, dim: int, eps: float, weight: bool = True):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim)) if weight else None

    def forward(self, x):
        y = rms_norm(x.float(), self.eps)
        return y * self.weight if self.weight is not None else y


def mel_filterbank(n_fft: int, n_mels: int, sample_rate: int) -> torch.Tensor:
    """HTK-scale triangular filters, unnormalised: [n_fft // 2 + 1, n_mels]."""
    def hz_to_mel(f):
        return 2595.0 * math.log10(1.0 + f / 700.0)

    def mel_to_hz(m):
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    n_bins = n_fft // 2 + 1
    mel_points = torch.linspace(hz_to_mel(0.0), hz_to_mel(sample_rate / 2), n_mels + 2, dtype=torch.float64)
    hz_points = torch.tensor([mel_to_hz(float(m)) for m in mel_points], dtype=torch.float64)
    bin_hz = torch.arange(n_bins, dtype=torch.float64) * sample_rate / n_fft
    fb = torch.zeros(n_bins, n_mels, dtype=torch.float64)
    for m in range(n_mels):
        lo, mid, hi = hz_points[m], hz_points[m + 1], hz_points[m + 2]
        rising = (bin_hz - lo) / (mid - lo)
        falling = (hi - bin_hz) / (hi - mid)
        fb[:, m] = torch.clamp(torch.minimum(rising, falling), min=0.0)
    return fb.float()


class LogMel(nn.Module):
    """Fixed log-mel features of each 640-sample frame, causal.

    Sub-frame k (0..3) of frame t ends at sample t*640 + (k+1)*160; its window is the
    400 samples before that end (the first 240 reach into the previous frame, zeros
    before the stream starts), times a periodic Hann window. Power spectrum by a
    400-point DFT (201 bins), 80 HTK mel filters, ln(energy + 1e-6), then
    (value - mean[band]) / std[band] with fixed statistics of the training audio.
    Output per frame: [4 * 80], sub-frame major.
    """
    SUBFRAMES = 4
    HOP = FRAME_SAMPLES // 4
    WINDOW = 400
    HISTORY = WINDOW - HOP  # 240 samples of the previous frame
    LOG_FLOOR = 1e-6

    def __init__(self, n_mels: int = 80):
        super().__init__()
        n = torch.arange(self.WINDOW, dtype=torch.float64)
        hann = 0.5 - 0.5 * torch.cos(2 * math.pi * n / self.WINDOW)
        n_bins = self.WINDOW // 2 + 1
        k = torch.arange(n_bins, dtype=torch.float64)
        angle = 2 * math.pi * n[:, None] * k[None, :] / self.WINDOW
        # Hann folded into the DFT: [400, 201] each
        self.register_buffer("dft_cos", (hann[:, None] * torch.cos(angle)).float())
        self.register_buffer("dft_sin", (hann[:, None] * -torch.sin(angle)).float())
        self.register_buffer("mel_fb", mel_filterbank(self.WINDOW, n_mels, SAMPLE_RATE))  # [201, n_mels]
        self.register_buffer("mean", torch.zeros(n_mels))
        self.register_buffer("std", torch.ones(n_mels))

    def log_mel(self, samples: torch.Tensor) -> torch.Tensor:
        """samples [B, n_frames * 640] -> unnormalised log-mel [B, n_frames, 4, n_mels]."""
        b, n = samples.shape
        n_frames = n // FRAME_SAMPLES
        padded = F.pad(samples, (self.HISTORY, 0))
        windows = padded.unfold(1, self.WINDOW, self.HOP)[:, : n_frames * self.SUBFRAMES]  # [B, 4F, 400]
        re = windows @ self.dft_cos
        im = windows @ self.dft_sin
        power = re * re + im * im  # [B, 4F, 201]
        mel = torch.log(power @ self.mel_fb + self.LOG_FLOOR)
        return mel.view(b, n_frames, self.SUBFRAMES, -1)

    def forward(self, samples: torch.Tensor) -> torch.Tensor:
        mel = (self.log_mel(samples) - self.mean) / self.std
        return mel.flatten(2)


def rope_inv_freq(head_dim: int, theta: float, fraction: float) -> torch.Tensor:
    """Inverse frequencies of the NeoX rotate-half pairs (i, i + head_dim/2).

    The exponent uses the whole head_dim; with fraction < 1 only the first
    fraction of pairs rotate and the rest get frequency 0 (llama.cpp's rope_freqs
    of 1e30 for them).
    """
    half = head_dim // 2
    i = torch.arange(half, dtype=torch.float64)
    inv = theta ** (-2.0 * i / head_dim)
    n_rot = int(round(half * fraction))
    inv[n_rot:] = 0.0
    return inv.float()


def apply_rope(x: torch.Tensor, pos: torch.Tensor, inv_freq: torch.Tensor) -> torch.Tensor:
    """x [B, H, L, D], pos [B, L] -> rotated x (NeoX rotate-half)."""
    angles = pos[:, None, :, None].float() * inv_freq  # [B, 1, L, D/2]
    cos, sin = torch.cos(angles), torch.sin(angles)
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class Attention(nn.Module):
    def __init__(self, cfg: ModelConfig, full: bool):
        super().__init__()
        self.full = full
        self.n_head = cfg.n_head
        self.head_dim = cfg.head_dim_full if full else cfg.head_dim_swa
        self.n_kv_head = cfg.n_kv_head_full if full else cfg.n_kv_head_swa
        self.window = None if full else cfg.window
        d = cfg.n_embd
        self.q_proj = nn.Linear(d, self.n_head * self.head_dim, bias=False)
        self.k_proj = nn.Linear(d, self.n_kv_head * self.head_dim, bias=False)
        # Full layers share K and V: V is the k projection, normalised, not rotated.
        self.v_proj = None if full else nn.Linear(d, self.n_kv_head * self.head_dim, bias=False)
        self.o_proj = nn.Linear(self.n_head * self.head_dim, d, bias=False)
        self.q_norm = RMSNorm(self.head_dim, cfg.norm_eps)
        self.k_norm = RMSNorm(self.head_dim, cfg.norm_eps)
        self.eps = cfg.norm_eps
        theta = cfg.rope_theta_full if full else cfg.rope_theta_swa
        fraction = cfg.rope_fraction_full if full else 1.0
        self.register_buffer("inv_freq", rope_inv_freq(self.head_dim, theta, fraction), persistent=False)
        self.keep_scores = False  # training-only losses on the attention read self.scores
        self.scores = None

    def forward(self, x, pos, key_mask):
        """x [B, L, d]; pos [B, L] positions; key_mask [B, L] True where a key exists."""
        b, n, _ = x.shape
        q = self.q_proj(x).view(b, n, self.n_head, self.head_dim).transpose(1, 2)
        k_raw = self.k_proj(x).view(b, n, self.n_kv_head, self.head_dim).transpose(1, 2)
        v_raw = k_raw if self.v_proj is None else self.v_proj(x).view(b, n, self.n_kv_head, self.head_dim).transpose(1, 2)
        v = rms_norm(v_raw, self.eps)
        q = apply_rope(self.q_norm(q), pos, self.inv_freq)
        k = apply_rope(self.k_norm(k_raw), pos, self.inv_freq)
        group = self.n_head // self.n_kv_head
        k = k.repeat_interleave(group, dim=1)
        v = v.repeat_interleave(group, dim=1)
        scores = q @ k.transpose(-1, -2)  # scale 1.0: QK-norm instead  [B, H, L, L]
        scores = scores.masked_fill(~attention_mask(pos, key_mask, self.window)[:, None], float("-inf"))
        if self.keep_scores:
            self.scores = scores  # [B, H, L, L], masked, before the softmax
        out = torch.softmax(scores, dim=-1) @ v
        return self.o_proj(out.transpose(1, 2).reshape(b, n, self.n_head * self.head_dim))


def attention_mask(pos, key_mask, window):
    """[B, Lq, Lk]: causal by position; a window W keeps keys with q - W < k <= q."""
    diff = pos[:, :, None] - pos[:, None, :]
    allowed = (diff >= 0) & key_mask[:, None, :]
    if window is not None:
        allowed &= diff < window
    # A padding query may find no key inside its window; letting every position
    # see itself keeps its softmax finite (its output is never used).
    return allowed | (diff == 0)


class FeedForward(nn.Module):
    """GeGLU: down(gelu_tanh(gate(x)) * up(x))."""

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.gate = nn.Linear(cfg.n_embd, cfg.n_ff, bias=False)
        self.up = nn.Linear(cfg.n_embd, cfg.n_ff, bias=False)
        self.down = nn.Linear(cfg.n_ff, cfg.n_embd, bias=False)

    def forward(self, x):
        return self.down(F.gelu(self.gate(x), approximate="tanh") * self.up(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg: ModelConfig, full: bool):
        super().__init__()
        eps = cfg.norm_eps
        self.attn_norm = RMSNorm(cfg.n_embd, eps)
        self.attn = Attention(cfg, full)
        self.post_attn_norm = RMSNorm(cfg.n_embd, eps)
        self.ffn_norm = RMSNorm(cfg.n_embd, eps)
        self.ffn = FeedForward(cfg)
        self.post_ffw_norm = RMSNorm(cfg.n_embd, eps)
        self.layer_scale = nn.Parameter(torch.ones(1))

    def forward(self, x, pos, key_mask):
        x = x + self.post_attn_norm(self.attn(self.attn_norm(x), pos, key_mask))
        x = x + self.post_ffw_norm(self.ffn(self.ffn_norm(x)))
        return x * self.layer_scale


class Gemma4Audio(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        self.embed = nn.Embedding(cfg.vocab_size, cfg.n_embd)
        self.logmel = LogMel(cfg.n_mels) if cfg.projector == "earshot_logmel" else None
        self.audio_proj = nn.Linear(cfg.audio_in_dim(), cfg.n_embd, bias=False)
        self.layers = nn.ModuleList(DecoderLayer(cfg, cfg.is_full(i)) for i in range(cfg.n_layer))
        self.final_norm = RMSNorm(cfg.n_embd, cfg.norm_eps)
        nn.init.normal_(self.embed.weight, std=cfg.n_embd ** -0.5)
        self.feature_augment = None  # training only: a callable on the front end's output (band_masks.py)

    def audio_features(self, samples: torch.Tensor) -> torch.Tensor:
        """samples [B, n_frames * 640] -> front-end output [B, n_frames, n_in] (before the projection)."""
        if self.logmel is not None:
            features = self.logmel(samples)
            if self.training and self.feature_augment is not None:
                features = self.feature_augment(features)
            return features
        frames = samples.view(samples.shape[0], -1, FRAME_SAMPLES)
        return rms_norm(frames, self.cfg.norm_eps)

    def embed_inputs(self, tokens, audio_embeds, audio_mask):
        """tokens [B, L]; audio_embeds [B, n_frames, d]; audio_mask [B, L] True at audio placeholders,
        exactly n_frames of them per row, in order."""
        x = self.embed(tokens) * math.sqrt(self.cfg.n_embd)
        if audio_embeds is not None:
            x = x.masked_scatter(audio_mask[..., None], audio_embeds[audio_embeds_valid(audio_mask, audio_embeds)])
        return x

    def hidden_states(self, x, pos, key_mask):
        """Runs the layers; returns the output of every layer (after its scale), last one normed separately."""
        outs = []
        for layer in self.layers:
            x = layer(x, pos, key_mask)
            outs.append(x)
        return outs

    def logits(self, h):
        logits = self.final_norm(h) @ self.embed.weight.t()
        cap = self.cfg.final_logit_softcap
        return cap * torch.tanh(logits / cap)

    def forward(self, tokens, samples=None, audio_mask=None, key_mask=None):
        """Returns (logits [B, L, V], per-layer hidden states)."""
        audio_embeds = None
        if samples is not None:
            audio_embeds = self.audio_proj(self.audio_features(samples))
        if key_mask is None:
            key_mask = torch.ones_like(tokens, dtype=torch.bool)
        pos = torch.arange(tokens.shape[1], device=tokens.device)[None, :].expand_as(tokens)
        x = self.embed_inputs(tokens, audio_embeds, audio_mask)
        outs = self.hidden_states(x, pos, key_mask)
        return self.logits(outs[-1]), outs


def frames_valid(n_frames: torch.Tensor, max_frames: int) -> torch.Tensor:
    """[B, max_frames] mask: True for the first n_frames[b] frames of row b."""
    return torch.arange(max_frames, device=n_frames.device)[None, :] < n_frames[:, None]


def audio_embeds_valid(audio_mask, audio_embeds):
    """Mask over [B, n_frames] selecting, per row, as many frames as that row has placeholders."""
    return frames_valid(audio_mask.sum(1), audio_embeds.shape[1])
