"""Guided attention: a training-only loss that shows the decoder where to listen.

The probe in train.py's evaluation showed that cross-entropy training alone
leaves the decoder deaf: the transcripts score the same after another
utterance's audio. Yet the audio positions do carry the sounds (the CTC head
reads characters from them). What is missing is the step from a text position
to the frames of the next token. This loss supervises exactly that:

1. The CTC head's own (detached) log-probabilities are force-aligned to the
   reference characters (Viterbi), giving the frame where each character is
   emitted.
2. Each target token covers a run of characters, so it gets a run of frames.
3. At the position that predicts that token, the guided heads (the first
   `guide_heads` heads of every full-attention layer) pay a loss of
   -log(attention mass on those frames), widened by `margin` frames.

Nothing of this is exported: the shipped graph is unchanged.
"""
import numpy as np
import torch


def ctc_forced_alignment(log_probs: np.ndarray, labels: list, blank: int, steps_per_frame: int = 1):
    """Viterbi path of `labels` through log_probs [T, C] (T = frames * steps_per_frame); returns
    the first frame of each label's emission, or None when the audio is too short for the labels."""
    n_frames, n_labels = log_probs.shape[0], len(labels)
    if n_labels == 0:
        return []
    ext = np.full(2 * n_labels + 1, blank, dtype=np.int64)
    ext[1::2] = labels
    n_states = len(ext)
    # A skip over a blank is allowed between two different labels.
    can_skip = np.zeros(n_states, dtype=bool)
    can_skip[3::2] = ext[3::2] != ext[1:-2:2]
    neg = -1e30
    score = np.full(n_states, neg)
    score[0] = log_probs[0, ext[0]]
    score[1] = log_probs[0, ext[1]]
    back = np.zeros((n_frames, n_states), dtype=np.int8)
    for t in range(1, n_frames):
        stay = score
        step = np.concatenate([[neg], score[:-1]])
        skip = np.where(can_skip, np.concatenate([[neg, neg], score[:-2]]), neg)
        choices = np.stack([stay, step, skip])
        back[t] = np.argmax(choices, axis=0)
        score = choices[back[t], np.arange(n_states)] + log_probs[t, ext]
    end = n_states - 1 if score[-1] >= score[-2] else n_states - 2
    if score[end] <= neg / 2:
        return None
    first = [None] * n_labels
    s = end
    for t in range(n_frames - 1, -1, -1):
        if s % 2 == 1:
            first[s // 2] = t // steps_per_frame
        s -= int(back[t, s])
    return first


def token_char_spans(tok, token_ids: list, keep: str):
    """[start, end) in the text's characters that are in `keep`, for each token."""
    spans, done = [], 0
    for j in range(len(token_ids)):
        text = tok.decode(token_ids[: j + 1])
        upto = sum(1 for c in text if c in keep)
        spans.append((done, upto))
        done = upto
    return spans


def guide_targets(batch, ctc_log_probs, units, tok, margin: int, steps_per_frame: int = 1):
    """Boolean masks for the loss: queries [B, L] (positions that predict a guided token) and
    keys [B, L, L] (the audio positions each such query should attend to)."""
    device = ctc_log_probs.device
    batch = batch.to("cpu")  # the alignment runs on the CPU; the masks go back to the loss's device
    b, length = batch.tokens.shape
    queries = torch.zeros(b, length, dtype=torch.bool)
    keys = torch.zeros(b, length, length, dtype=torch.bool)
    labels = getattr(batch, "labels", batch.tokens)
    char_targets = units.targets(batch)
    lp = ctc_log_probs.detach().float().cpu().numpy()  # [T, B, C]
    for r in range(b):
        n_frames = int(batch.n_frames[r])
        frames = ctc_forced_alignment(lp[:n_frames * steps_per_frame, r], char_targets[r], units.blank,
                                      steps_per_frame)
        if not frames:
            continue
        audio_pos = torch.nonzero(batch.audio_mask[r]).flatten()
        predicting = torch.nonzero(batch.loss_mask[r]).flatten()  # position p predicts token p + 1
        token_ids = [int(labels[r, p + 1]) for p in predicting]
        # only the transcript's tokens have frames: not the closing <turn|>, nor a translation
        # answer's "\nSpanish: ..." after the transcript (batch.ctc_targets holds its tokens)
        spans = token_char_spans(tok, token_ids[: len(batch.ctc_targets[r])], units.CHARS)
        for p, (c0, c1) in zip(predicting.tolist(), spans):
            if c1 <= c0:
                continue
            f0 = max(0, frames[c0] - margin)
            f1 = min(n_frames - 1, frames[c1 - 1] + margin)
            queries[r, p] = True
            keys[r, p, audio_pos[f0: f1 + 1]] = True
    return queries.to(device), keys.to(device)


def guided_attention_loss(attention_scores: list, queries, keys):
    """attention_scores: [B, H, L, L] of each guided layer (masked, before the softmax), cut to
    the guided heads. Mean over queries and heads of -log(attention mass on the key frames),
    computed in the log domain so that a head that looks elsewhere still gets a full gradient."""
    if not bool(queries.any()):
        return torch.zeros((), device=queries.device)
    losses = []
    for scores in attention_scores:
        log_probs = torch.log_softmax(scores.float(), dim=-1)
        on_keys = torch.logsumexp(log_probs.masked_fill(~keys[:, None], float("-inf")), dim=-1)  # [B, H, L]
        losses.append(-on_keys.transpose(1, 2)[queries].mean())
    return torch.stack(losses).mean()
