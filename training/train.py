#!/usr/bin/python3
"""Trains earshot's bundled model: the Gemma 4 unified graph, small.

One flat config (below); any field can be overridden on the command line as
--field value. A run lives in training/runs/<name>/: config.json, log.jsonl
(loss and evaluations at fixed intervals), ckpt.pt (written every few minutes;
training resumes from it automatically when started again with the same name).

Losses: cross-entropy on the transcript tokens after the audio (the shipped
task), plus a training-only CTC head over the audio positions of one layer
(dropped at export) that forces the early layers to hear. --ce_start_step
delays the cross-entropy so a CTC-only phase comes first.
--phone_ctc_weight adds a second training-only CTC head on a lower layer that
spells phonemes (phonemes.py), also dropped at export.

Speech translation (off by default): --translate_prob gives that share of the
training utterances the engine's translation prompt and the answer
"transcript\nSpanish: translation" (references from make_translations.py);
--text_pair_prob replaces that share of the examples by text-only translation
requests (data/text_pairs.es.jsonl, no audio).

  /usr/bin/python3 training/train.py --run base --minutes 120
  /usr/bin/python3 training/train.py --run base --device cuda   # on a GPU machine
"""
import argparse
import dataclasses
import json
import math
import os
import pathlib
import random
import sys
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import fast_blas  # noqa: E402,F401  (before torch: it drops a slowing OPENBLAS_CORETYPE)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import band_masks  # noqa: E402
import dataset  # noqa: E402
import guided_attention  # noqa: E402
import metrics  # noqa: E402
import phonemes  # noqa: E402
import text_io  # noqa: E402
import warm_start  # noqa: E402
import word_crops  # noqa: E402
from ctc import CtcHead, CtcUnits, ctc_greedy, ctc_loss, widen_ctc_head  # noqa: E402
from model import Gemma4Audio, ModelConfig  # noqa: E402


@dataclasses.dataclass
class TrainConfig:
    run: str = "base"
    data_dir: str = str(HERE / "data")
    device: str = "cpu"
    threads: int = 1                # torch threads on the CPU (2 on an idle 2-core machine)
    init_gguf: str = ""             # a new run starts from this export's weights (warm_start.py)
    init_ckpt: str = ""             # ... or from a checkpoint's model and CTC head (fresh optimizer)
    heads_only_steps: int = 0       # the first steps train only the training-only heads (after --init_gguf)
    seed: int = 1
    minutes: float = 120.0          # wall-clock budget of this invocation
    max_steps: int = 200000
    # model
    vocab_size: int = 1024
    n_embd: int = 256
    n_layer: int = 6
    n_head: int = 4
    n_ff: int = 1024
    window: int = 256               # sliding-window layers' span (Gemma 4 12B: 1024)
    projector: str = "earshot_logmel"
    # optimisation
    lr: float = 1.5e-3
    min_lr_frac: float = 0.1
    warmup_steps: int = 500
    schedule_steps: int = 20000     # cosine length
    restart_step: int = 0           # a warm restart: warmup and cosine begin again at this step
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    max_batch_s: float = 60.0
    max_utt_s: float = 29.0
    # losses
    ctc_layer: int = -1             # which layer's audio states feed the CTC head (-1: last)
    ctc_units: str = "bpe"          # CTC targets: "bpe" (the text vocabulary) or "chars"
    ctc_per_frame: int = 1          # CTC steps per 40 ms frame: 2 leaves room for 14.5 chars/s and blanks
    ctc_weight: float = 1.0
    phone_ctc_weight: float = 0.0   # a second CTC head spelling phonemes (phonemes.py); 0: off
    phone_ctc_layer: int = 2        # which layer's audio states feed it (0: the first layer's output)
    ce_weight: float = 1.0
    ce_start_step: int = 1500       # CTC-only before this step
    guide_weight: float = 0.0       # guided attention (guided_attention.py); 0: off
    guide_heads: int = 1            # heads of each guided layer it guides (the first ones)
    guide_layers: str = "full"      # "full" (the full-attention layers) or layer indices, "3,4,5"
    guide_margin: int = 2           # frames either side of a token's aligned frames
    label_smoothing: float = 0.1
    text_dropout: float = 0.1       # fraction of target input tokens replaced by random tokens
    # data
    set_weights: str = "librispeech-mini=1,an4=1,commonvoice-sample=2,ljspeech-part=0.5,arctic-kathleen=0.35"
    extra_train_splits: str = ""    # e.g. "synth_train": more splits read after train (weighted by set)
    augment: bool = True            # off: no augmentation and no silence/noise clips (r16)
    augment_prob: float = 1.0       # share of speech examples augmented; the silence/noise clips stay
    crop_prob: float = 0.0          # share of examples cut to a few words (word_crops.py)
    band_masks: int = 0             # frequency masks per example on the log-mel features (band_masks.py)
    band_mask_max: int = 20         # widest mask, in mel bands (of 80)
    crop_max_words: int = 6
    crop_min_words: int = 1         # 4-12 words: about the engine's windows of 2-4 s (experiment log d07)
    words_file: str = "train.words.jsonl"  # word timings in data_dir (align_words.py)
    translate_prob: float = 0.0     # share of utterances with the translation prompt and answer (es)
    text_pair_prob: float = 0.0     # share of examples replaced by a text-only translation pair
    text_pair_sources: str = "vim-usr"  # of make_translations.py's TEXT_PAIR_SOURCES, comma-separated
    shortest_first_epochs: int = 1
    # bookkeeping
    log_every: int = 25
    eval_every: int = 500
    eval_ar_every: int = 2000
    n_eval_ctc: int = 150
    n_eval_ar: int = 40
    ckpt_minutes: float = 5.0


def parse_config(argv=None) -> TrainConfig:
    """The config from command-line options (argv: a list of them; default: sys.argv's)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    for field in dataclasses.fields(TrainConfig):
        kind = field.type if field.type in (int, float, str) else str
        if field.type is bool or field.type == "bool":
            parser.add_argument(f"--{field.name}", type=lambda v: v.lower() in ("1", "true", "yes"),
                                default=field.default)
        else:
            parser.add_argument(f"--{field.name}", type=eval(field.type) if isinstance(field.type, str) else kind,
                                default=field.default)
    return TrainConfig(**vars(parser.parse_args(argv)))


def model_config(cfg: TrainConfig, vocab_size: int) -> ModelConfig:
    return ModelConfig(vocab_size=vocab_size, n_embd=cfg.n_embd, n_layer=cfg.n_layer, n_head=cfg.n_head,
                       n_ff=cfg.n_ff, window=cfg.window, projector=cfg.projector)


@dataclasses.dataclass
class TrainedModel:
    """A checkpoint loaded for evaluation: its run's config, vocabulary, model and CTC head."""
    cfg: TrainConfig
    tok: object
    layout: dataset.PromptLayout
    model: Gemma4Audio
    units: CtcUnits
    ctc_head: CtcHead
    step: int


def load_trained(path: pathlib.Path, data_dir: pathlib.Path | None = None) -> TrainedModel:
    """data_dir: where the tokenizer and data are here, when not where the run had them
    (a run trained on a GPU machine names that machine's folder)."""
    state = torch.load(path, map_location="cpu")
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    cfg = TrainConfig(**{k: v for k, v in state["train_config"].items() if k in known})
    cfg.device = "cpu"  # loaded onto the CPU above, wherever it was trained
    if data_dir is None and not pathlib.Path(cfg.data_dir).exists():
        data_dir = pathlib.Path(TrainConfig.data_dir)
        print(f"{path}: its run's data folder {cfg.data_dir} is not here; using {data_dir}", file=sys.stderr)
    if data_dir is not None:
        cfg.data_dir = str(data_dir)
    tok = text_io.load_or_train_tokenizer(pathlib.Path(cfg.data_dir), cfg.vocab_size)
    model = Gemma4Audio(ModelConfig(**state["model_config"]))
    model.load_state_dict(state["model"])
    model.eval()
    units = CtcUnits(cfg.ctc_units, tok)
    head = CtcHead(model.cfg.n_embd, units.size, cfg.ctc_per_frame)
    head.load_state_dict(state["ctc_head"])
    return TrainedModel(cfg, tok, text_io.transcription_layout(tok), model, units, head, state["step"])


def lr_at(cfg: TrainConfig, step: int) -> float:
    step = max(0, step - cfg.restart_step)
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    t = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.schedule_steps - cfg.warmup_steps))
    return cfg.lr * (cfg.min_lr_frac + (1 - cfg.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * t)))


def corrupt_targets(batch, cfg, vocab_size, n_special, rng):
    """Text dropout: replace some target input tokens (not the labels) with random pieces."""
    if cfg.text_dropout <= 0:
        return batch
    tokens = batch.tokens.clone()
    # positions p+1 where p has loss: those tokens are targets that are also fed as inputs
    target_pos = torch.zeros_like(batch.loss_mask)
    target_pos[:, 1:] = batch.loss_mask[:, :-1]
    g = torch.Generator().manual_seed(rng.getrandbits(31))
    drop = target_pos & (torch.rand(tokens.shape, generator=g) < cfg.text_dropout)
    tokens[drop] = torch.randint(n_special, vocab_size, (int(drop.sum()),), generator=g)
    return _with_inputs(batch, tokens)


def _with_inputs(batch, corrupted_tokens):
    """Inputs corrupted, labels kept: returns (batch for the forward pass, clean labels)."""
    b = dataclasses.replace(batch, tokens=corrupted_tokens)
    b.labels = batch.tokens
    return b


def make_phone_head(cfg: TrainConfig, data_dir: pathlib.Path, texts):
    """(head, PhoneUnits) of the phoneme head, its lexicon covering texts; None when it is off."""
    if cfg.phone_ctc_weight <= 0:
        return None
    units = phonemes.PhoneUnits(phonemes.load_lexicon(data_dir, texts))
    return CtcHead(cfg.n_embd, units.size), units


def guided_layers(cfg: TrainConfig, model) -> list:
    if cfg.guide_layers == "full":
        return [i for i, layer in enumerate(model.layers) if layer.attn.full]
    return [int(i) for i in cfg.guide_layers.split(",")]


def train_step_losses(model, ctc_head, batch, cfg, step, units, phone=None):
    """phone: (head, PhoneUnits) of the phoneme head, or None."""
    logits, hidden = model(batch.tokens, batch.samples, batch.audio_mask, batch.key_mask)
    labels = getattr(batch, "labels", batch.tokens)
    losses = {}
    losses["ctc"], log_probs = ctc_loss(ctc_head, hidden[cfg.ctc_layer], batch, units)
    pred = logits[:, :-1][batch.loss_mask[:, :-1]]
    gold = labels[:, 1:][batch.loss_mask[:, :-1]]
    losses["ce"] = F.cross_entropy(pred.float(), gold, label_smoothing=cfg.label_smoothing)
    ce_w = cfg.ce_weight if step >= cfg.ce_start_step else 0.0
    losses["total"] = cfg.ctc_weight * losses["ctc"] + ce_w * losses["ce"]
    if phone is not None:
        losses["phone"] = ctc_loss(phone[0], hidden[cfg.phone_ctc_layer], batch, phone[1])[0]
        losses["total"] = losses["total"] + cfg.phone_ctc_weight * losses["phone"]
    if cfg.guide_weight > 0 and step >= cfg.ce_start_step:
        queries, keys = guided_attention.guide_targets(batch, log_probs, units, units.tok, cfg.guide_margin,
                                                        cfg.ctc_per_frame)
        scores = [model.layers[i].attn.scores[:, : cfg.guide_heads] for i in guided_layers(cfg, model)]
        losses["guide"] = guided_attention.guided_attention_loss(scores, queries, keys)
        losses["total"] = losses["total"] + cfg.guide_weight * losses["guide"]
    return losses


def transcript_nll(logits, batch):
    """Summed cross-entropy (no smoothing) of the transcript tokens, and their count."""
    pred = logits[:, :-1][batch.loss_mask[:, :-1]]
    gold = batch.tokens[:, 1:][batch.loss_mask[:, :-1]]
    return float(F.cross_entropy(pred.float(), gold, reduction="sum")), int(gold.numel())


@torch.no_grad()
def evaluate_ctc(model, ctc_head, split, utts, layout, cfg, units, phone=None):
    """Greedy CTC decoding of the audio alone (character and word error rates), and
    whether the decoder listens: the transcripts' cross-entropy (nats per token)
    after their own audio and after another utterance's audio. A decoder that
    ignores the audio scores both the same. With phone (the phoneme head and its
    units) the scores also hold its greedy error rate per phoneme symbol and an example."""
    model.eval()
    hyps, refs = [], []
    phone_hyps, phone_refs = [], []
    nll_own = nll_other = 0.0
    n_tokens = 0
    for i in range(0, len(utts), 8):
        chunk = utts[i: i + 8]
        items = [(split.samples(u), dataset.normalise_target(u.text)) for u in chunk]
        batch = dataset.make_batch(items, layout, layout.tok.pad_id).to(cfg.device)
        logits, hidden = model(batch.tokens, batch.samples, batch.audio_mask, batch.key_mask)
        nll, n = transcript_nll(logits, batch)
        nll_own, n_tokens = nll_own + nll, n_tokens + n
        others = [utts[(i + r + 1) % len(utts)] for r in range(len(chunk))]
        swapped = dataset.make_batch([(split.samples(o), text) for o, (_, text) in zip(others, items)], layout,
                                     layout.tok.pad_id).to(cfg.device)
        nll_other += transcript_nll(model(swapped.tokens, swapped.samples, swapped.audio_mask, swapped.key_mask)[0],
                                    swapped)[0]
        h = hidden[cfg.ctc_layer]
        for r in range(len(chunk)):
            hyps.append(ctc_greedy(ctc_head, h[r][batch.audio_mask[r]], units))
            refs.append(items[r][1])
            if phone:
                frames = hidden[cfg.phone_ctc_layer][r][batch.audio_mask[r]]
                phone_hyps.append(ctc_greedy(phone[0], frames, phone[1]))
                phone_refs.append(phone[1].spell(items[r][1]))
    model.train()
    scores = {"dev_ce": round(nll_own / max(1, n_tokens), 4),
              "dev_ce_other_audio": round(nll_other / max(1, n_tokens), 4)}
    if phone:
        scores.update({"dev_per": round(metrics.cer(phone_refs, phone_hyps), 4),
                       "phone_example": (phone_refs[0], phone_hyps[0])})
    return metrics.cer(refs, hyps), metrics.wer(refs, hyps), list(zip(refs, hyps))[:3], scores


@torch.no_grad()
def greedy_decode(model, samples, layout, max_new: int):
    """Autoregressive greedy decoding after the audio (full recompute; evaluation only)."""
    items = [(samples, "")]
    device = next(model.parameters()).device
    batch = dataset.make_batch(items, layout, 0).to(device)
    prompt_len = len(layout.prefix) + int(batch.n_frames[0]) + len(layout.suffix)
    tokens = batch.tokens[:, :prompt_len]
    out = []
    for _ in range(max_new):
        audio_mask = torch.zeros_like(tokens, dtype=torch.bool)
        audio_mask[:, : prompt_len] = batch.audio_mask[:, : prompt_len]
        logits, _ = model(tokens, batch.samples, audio_mask, torch.ones_like(tokens, dtype=torch.bool))
        nxt = int(logits[0, -1].argmax())
        if nxt == layout.end or nxt == layout.tok.eos_id:
            break
        out.append(nxt)
        tokens = torch.cat([tokens, torch.tensor([[nxt]], device=device)], dim=1)
        if metrics.is_looping(out):
            break
    return layout.tok.decode(out)


def transcription_bound(n_samples: int) -> int:
    """The most answer tokens the evaluations decode for a clip: bounded by the audio's length."""
    return 8 + int(n_samples / 16000 * 6)


@torch.no_grad()
def evaluate_ar(model, split, utts, layout):
    model.eval()
    hyps, refs = [], []
    for u in utts:
        samples = split.samples(u)
        max_new = transcription_bound(len(samples))
        hyps.append(greedy_decode(model, samples, layout, max_new))
        refs.append(dataset.normalise_target(u.text))
    model.train()
    return metrics.cer(refs, hyps), metrics.wer(refs, hyps), list(zip(refs, hyps))[:3]


@torch.no_grad()
def evaluate_translation(model, split, utts, layout, references):
    """Greedy answers to the translation prompt, split as the engine splits them: WER of the
    transcription part, chrF of the translation part against the apertium references (both
    with case and punctuation folded, as the targets are)."""
    model.eval()
    refs, hyps, refs_es, hyps_es = [], [], [], []
    for u in utts:
        if u.id not in references:
            continue
        samples = split.samples(u)
        max_new = 16 + math.ceil(len(samples) / 16000 * 24)  # the engine's max_tokens_for_translation
        transcription, translation = text_io.split_translation_answer(greedy_decode(model, samples, layout, max_new))
        refs.append(dataset.normalise_target(u.text))
        hyps.append(transcription)
        refs_es.append(references[u.id])
        hyps_es.append(metrics.normalise_for_scoring(translation or ""))
    model.train()
    return metrics.wer(refs, hyps), metrics.chrf(refs_es, hyps_es), list(zip(refs_es, hyps_es))[:3]


def log_line(run_dir, record):
    record["time"] = round(time.time(), 1)
    with open(run_dir / "log.jsonl", "a") as f:
        f.write(json.dumps(record) + "\n")
    print(json.dumps(record), flush=True)


def main():
    cfg = parse_config()
    torch.set_num_threads(cfg.threads if cfg.device == "cpu" else 8)
    run_dir = HERE / "runs" / cfg.run
    run_dir.mkdir(parents=True, exist_ok=True)
    data_dir = pathlib.Path(cfg.data_dir)
    tok = text_io.load_or_train_tokenizer(data_dir, cfg.vocab_size)
    layout = text_io.transcription_layout(tok)
    pad_id = tok.pad_id

    train = dataset.SpeechSplit(data_dir, "train", *filter(None, cfg.extra_train_splits.split(",")))
    dev = dataset.SpeechSplit(data_dir, "dev_libri")
    dev_eval = random.Random(0).sample(dev.utts, min(cfg.n_eval_ctc, len(dev.utts)))
    dev_ar = dev_eval[: cfg.n_eval_ar]
    translating = cfg.translate_prob > 0
    translations, dev_es, translate_layout = {}, {}, None
    if translating:
        translations = text_io.load_translations(data_dir, *train.pcms)
        dev_es = text_io.load_translations(data_dir, "dev_libri")
        if not translations or not dev_es:
            raise SystemExit(f"no Spanish references in {data_dir}: run training/make_translations.py first")
        translate_layout = text_io.translation_layout(tok)
        print(f"translation: references for {len(translations)} training and {len(dev_es)} dev utterances", flush=True)
    text_pairs = text_io.load_text_pairs(data_dir, cfg.text_pair_sources.split(",")) if cfg.text_pair_prob > 0 else []

    mcfg = model_config(cfg, len(tok))
    model = Gemma4Audio(mcfg)
    units = CtcUnits(cfg.ctc_units, tok)
    ctc_head = CtcHead(mcfg.n_embd, units.size, cfg.ctc_per_frame)
    phone = make_phone_head(cfg, data_dir, [dataset.normalise_target(u.text) for u in train.utts + dev.utts])
    heads = [ctc_head] + ([phone[0]] if phone else [])
    for i in guided_layers(cfg, model) if cfg.guide_weight > 0 else []:
        model.layers[i].attn.keep_scores = True
    if cfg.band_masks > 0:
        if model.logmel is None:
            raise SystemExit("--band_masks needs the log-mel front end (--projector earshot_logmel)")
        model.feature_augment = band_masks.BandMasks(mcfg.n_mels, cfg.band_masks, cfg.band_mask_max, cfg.seed)
    ckpt_path = run_dir / "ckpt.pt"
    step, epoch, batch_in_epoch = 0, 0, 0
    if cfg.init_ckpt and not ckpt_path.exists():
        state = torch.load(cfg.init_ckpt, map_location="cpu")
        model.load_state_dict(state["model"])
        ctc_head.load_state_dict(state["ctc_head"])
        if phone and "phone_head" in state:
            phone[0].load_state_dict(state["phone_head"])
        print(f"started from {cfg.init_ckpt} (its step {state.get('step')})", flush=True)
    elif cfg.init_gguf and not ckpt_path.exists():
        warm_start.load_into(model, pathlib.Path(cfg.init_gguf))
    elif model.logmel is not None and not ckpt_path.exists():
        text_io.fit_logmel_stats(model.logmel, train, n_utts=300)
    model.to(cfg.device)
    params = list(model.parameters())
    for head in heads:
        head.to(cfg.device)
        params += list(head.parameters())
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=cfg.lr, betas=(0.9, 0.98))
    rng = random.Random(cfg.seed)
    total_minutes = 0.0
    if ckpt_path.exists():
        state = torch.load(ckpt_path, map_location=cfg.device)
        if state["train_config"].get("ctc_per_frame", 1) != cfg.ctc_per_frame:
            order = [id(p) for p in decay + no_decay]  # the optimizer's state indices
            widen_ctc_head(state, cfg.ctc_per_frame, {"proj.weight": order.index(id(ctc_head.proj.weight)),
                                                      "proj.bias": order.index(id(ctc_head.proj.bias))})
        model.load_state_dict(state["model"])
        ctc_head.load_state_dict(state["ctc_head"])
        if phone:
            if "phone_head" not in state:
                raise SystemExit(f"{ckpt_path} has no phoneme head: start the run with --init_ckpt instead")
            phone[0].load_state_dict(state["phone_head"])
        opt.load_state_dict(state["opt"])
        step, epoch, batch_in_epoch = state["step"], state["epoch"], state["batch_in_epoch"]
        total_minutes = state.get("total_minutes", 0.0)
        rng.setstate(state["rng"])
        print(f"resumed {ckpt_path} at step {step}, epoch {epoch}, {total_minutes:.1f} min trained", flush=True)
    else:
        (run_dir / "config.json").write_text(json.dumps(dataclasses.asdict(cfg), indent=2))
    n_params = sum(p.numel() for p in model.parameters())
    log_line(run_dir, {"event": "start", "step": step, "params": n_params, "config": dataclasses.asdict(cfg)})

    weights_by_set = {k: float(v) for k, v in (kv.split("=") for kv in cfg.set_weights.split(","))}
    sampler = dataset.BatchSampler([u.n_samples for u in train.utts],
                                   [weights_by_set.get(u.set, 1.0) for u in train.utts],
                                   cfg.max_batch_s, cfg.max_utt_s, cfg.seed)
    aug = dataset.AugmentConfig()
    word_spans = word_crops.load_word_spans(data_dir / cfg.words_file) if cfg.crop_prob > 0 else {}

    def save():
        torch.save({"model": model.state_dict(), "ctc_head": ctc_head.state_dict(), "opt": opt.state_dict(),
                    **({"phone_head": phone[0].state_dict()} if phone else {}),
                    "step": step, "epoch": epoch, "batch_in_epoch": batch_in_epoch, "rng": rng.getstate(),
                    "total_minutes": total_minutes + (time.time() - t_start) / 60,
                    "model_config": dataclasses.asdict(mcfg), "train_config": dataclasses.asdict(cfg)},
                   str(ckpt_path) + ".tmp")
        os.replace(str(ckpt_path) + ".tmp", ckpt_path)

    t_start = time.time()
    last_ckpt = t_start
    audio_s, t_window = 0.0, time.time()
    model.train()
    while step < cfg.max_steps and (time.time() - t_start) < cfg.minutes * 60:
        sampler.rng = random.Random(cfg.seed * 1000 + epoch)
        batches = sampler.epoch(shortest_first=epoch < cfg.shortest_first_epochs)
        while batch_in_epoch < len(batches):
            if (time.time() - t_start) >= cfg.minutes * 60 or step >= cfg.max_steps:
                break
            items = []
            for i in batches[batch_in_epoch]:
                utt = train.utts[i]
                if cfg.augment and rng.random() < aug.silence_prob:
                    items.append((dataset.noise_clip(rng), ""))
                    continue
                if text_pairs and rng.random() < cfg.text_pair_prob:
                    english, spanish = text_pairs[rng.randrange(len(text_pairs))]
                    items.append((None, "", dataset.Answer(text_io.text_translation_layout(tok, english), spanish)))
                    continue
                x, text = train.samples(utt), dataset.normalise_target(utt.text)
                translation = None  # a translation is of the whole utterance: never cropped
                if translating and utt.id in translations and rng.random() < cfg.translate_prob:
                    translation = translations[utt.id]
                if translation is None and cfg.crop_prob > 0 and utt.id in word_spans and rng.random() < cfg.crop_prob:
                    x, text = word_crops.crop_words(x, text, word_spans[utt.id], rng, cfg.crop_max_words,
                                                    cfg.crop_min_words) or (x, text)
                # below 1, one more draw per example: runs at 1 keep their data order
                if cfg.augment and (cfg.augment_prob >= 1.0 or rng.random() < cfg.augment_prob):
                    x = dataset.augment(x, aug, rng)
                if translation is None:
                    items.append((x, text))
                else:
                    answer = text_io.translation_answer(text, translation)
                    items.append((x, text, dataset.Answer(translate_layout, answer)))
            batch = dataset.make_batch(items, layout, pad_id)
            batch = corrupt_targets(batch, cfg, len(tok), text_io.first_text_id(tok), rng).to(cfg.device)
            for g in opt.param_groups:
                g["lr"] = lr_at(cfg, step)
            # A GGUF holds no training-only heads: they learn on the frozen model first, so
            # their first, random gradients do not reach the weights they are meant to read.
            model.requires_grad_(step >= cfg.heads_only_steps)
            losses = train_step_losses(model, ctc_head, batch, cfg, step, units, phone)
            opt.zero_grad(set_to_none=True)
            losses["total"].backward()
            gnorm = torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
            if torch.isfinite(gnorm):
                opt.step()
            step += 1
            batch_in_epoch += 1
            audio_s += float(batch.samples.shape[0] * batch.samples.shape[1]) / 16000
            if step % cfg.log_every == 0:
                now = time.time()
                log_line(run_dir, {"step": step, "epoch": epoch, "ctc": round(float(losses["ctc"]), 4),
                                   "ce": round(float(losses["ce"]), 4),
                                   **{k: round(float(losses[k]), 4) for k in ("guide", "phone") if k in losses},
                                   "lr": round(lr_at(cfg, step), 6),
                                   "gnorm": round(float(gnorm), 3),
                                   "audio_s_per_s": round(audio_s / (now - t_window), 1),
                                   "minutes": round(total_minutes + (now - t_start) / 60, 2)})
                audio_s, t_window = 0.0, now
            if step % cfg.eval_every == 0:
                cer, wer, ex, scores = evaluate_ctc(model, ctc_head, dev, dev_eval, layout, cfg, units, phone)
                rec = {"event": "eval_ctc", "step": step, "dev_cer": round(cer, 4), "dev_wer": round(wer, 4),
                       **scores, "examples": ex,
                       "minutes": round(total_minutes + (time.time() - t_start) / 60, 2)}
                if step % cfg.eval_ar_every == 0 and step >= cfg.ce_start_step:
                    ar_cer, ar_wer, ar_ex = evaluate_ar(model, dev, dev_ar, layout)
                    rec.update({"ar_cer": round(ar_cer, 4), "ar_wer": round(ar_wer, 4), "ar_examples": ar_ex})
                    if translating:
                        tr_wer, tr_chrf, tr_ex = evaluate_translation(model, dev, dev_ar, translate_layout, dev_es)
                        rec.update({"translate_wer": round(tr_wer, 4), "translate_chrf": round(tr_chrf, 2),
                                    "translate_examples": tr_ex})
                log_line(run_dir, rec)
            if time.time() - last_ckpt > cfg.ckpt_minutes * 60:
                save()
                last_ckpt = time.time()
        else:
            epoch += 1
            batch_in_epoch = 0
            continue
        break
    save()
    log_line(run_dir, {"event": "stop", "step": step, "epoch": epoch,
                       "minutes": round(total_minutes + (time.time() - t_start) / 60, 2)})


if __name__ == "__main__":
    main()
