"""The training-only CTC heads: their label sets, loss and greedy decoding.

A CTC head reads the audio states of one decoder layer and spells the transcript
(characters, BPE pieces, or phonemes through phonemes.PhoneUnits); it makes the
early layers hear and is dropped at export.
"""
import torch
import torch.nn.functional as F

from model import frames_valid


class CtcHead(torch.nn.Module):
    """Training-only: audio states [..., T, D] -> label logits [..., T * per_frame, C]; each frame
    may emit `per_frame` CTC steps (read speech has about 14.5 characters/s against 25 frames/s)."""

    def __init__(self, n_embd, n_labels, per_frame=1):
        super().__init__()
        self.per_frame = per_frame
        self.norm = torch.nn.LayerNorm(n_embd)
        self.proj = torch.nn.Linear(n_embd, n_labels * per_frame)

    def forward(self, h):
        out = self.proj(self.norm(h))
        return out.view(*out.shape[:-1], self.per_frame, -1).flatten(-3, -2)


def widen_ctc_head(state, per_frame, moment_index):
    """Continue a checkpoint whose CTC head emits one step per frame with `per_frame` steps:
    each step starts as a copy of the old head, weights and Adam moments alike.
    moment_index: the optimizer's state index of the head's "proj.weight" and "proj.bias"."""
    if state["train_config"].get("ctc_per_frame", 1) != 1:
        raise SystemExit("only a one-step-per-frame CTC head can be widened")
    head = state["ctc_head"]
    for name, index in moment_index.items():
        moments = state["opt"]["state"].get(index, {})
        for tensors, key in [(head, name)] + [(moments, k) for k in ("exp_avg", "exp_avg_sq") if k in moments]:
            t = tensors[key]
            tensors[key] = t.repeat(per_frame, *([1] * (t.dim() - 1)))
    state["train_config"]["ctc_per_frame"] = per_frame


class CtcUnits:
    """The training-only CTC head's label set: the text vocabulary (blank = <pad>) or
    characters (blank = 0, then space, a-z and the apostrophe)."""
    CHARS = " abcdefghijklmnopqrstuvwxyz'"

    def __init__(self, kind, tok):
        if kind not in ("bpe", "chars"):
            raise SystemExit(f"--ctc_units must be bpe or chars, not {kind!r}")
        self.kind, self.tok = kind, tok
        self.size = len(tok) if kind == "bpe" else len(self.CHARS) + 1
        self.blank = tok.pad_id if kind == "bpe" else 0

    def targets(self, batch):
        if self.kind == "bpe":
            return batch.ctc_targets
        return [[1 + self.CHARS.index(c) for c in text if c in self.CHARS] for text in batch.texts]

    def decode(self, ids):
        if self.kind == "bpe":
            return self.tok.decode(ids)
        return "".join(self.CHARS[i - 1] for i in ids)


def ctc_loss(head, h, batch, units):
    """CTC loss of one training-only head over the audio states of h (one layer's output);
    returns (loss, log-probabilities [T * per_frame, B, C])."""
    n_frames = batch.n_frames
    max_frames = max(1, int(n_frames.max()))  # a batch of text-only examples has none
    audio_h = torch.zeros(h.shape[0], max_frames, h.shape[2], device=h.device)
    audio_h[frames_valid(n_frames, max_frames)] = h[batch.audio_mask]
    log_probs = F.log_softmax(head(audio_h).float(), dim=-1).transpose(0, 1)
    targets = units.targets(batch)
    ctc_log_probs = log_probs
    if not bool((n_frames > 0).all()):  # text-only rows (--text_pair_prob): no audio, no CTC
        rows = torch.nonzero(n_frames > 0).flatten()
        ctc_log_probs, targets, n_frames = log_probs[:, rows], [targets[i] for i in rows.tolist()], n_frames[rows]
    if not targets:
        return torch.zeros((), device=h.device), log_probs
    target_lengths = torch.tensor([len(t) for t in targets], device=h.device)
    flat = torch.tensor([i for t in targets for i in t], dtype=torch.long, device=h.device)
    loss = F.ctc_loss(ctc_log_probs, flat, n_frames * head.per_frame, target_lengths,
                      blank=units.blank, reduction="mean", zero_infinity=True)
    return loss, log_probs


def ctc_greedy(head, frames, units) -> str:
    """Best label per CTC step, repeats merged and blanks dropped, as text."""
    ids, prev = [], None
    for t in head(frames).argmax(-1).tolist():
        if t != prev and t != units.blank:
            ids.append(t)
        prev = t
    return units.decode(ids)
