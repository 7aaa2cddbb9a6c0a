#!/usr/bin/python3
"""Synthetic speech for training: espeak-ng and festival voices reading text re-cut from the
train transcripts, plus spelled digit and letter strings like an4's.

Writes, under --out (default training/data/), in prepare_data.py's format:
  synth_train.pcm.npy + .jsonl   --hours of audio (set synthetic-espeak / synthetic-festival)
  dev_synth.pcm.npy + .jsonl     --n_dev utterances by held-out voices on held-out text
  dev_synth/<id>.wav             the same dev audio as files (dev_synth.jsonl's path), for
                                 tools/eval_engine.py --split dev_synth
  synth_splits.json              the figures of both splits, per voice

Text: 3-25 consecutive words of a train transcript (never dev_libri/dev_other text; chunks
equal to a dev transcript are drawn again), and 10 % digit/letter strings. Chunks with
lower-case roman numerals ("chapter ii") are skipped, since espeak-ng reads them as numbers;
spelled letters go to espeak-ng as SSML say-as characters, else it reads "a" as the article.

Held out (never in synth_train): espeak-ng's en-029 voice (every variant), festival's
ked_diphone, and the text of every tenth train transcript (by a hash of its id). In
synth_train.jsonl, speaker is the voice+variant and path describes the synthesis
("espeak-ng:en-gb+f3:s170:p40"), since there is no file.

Every utterance gets a random speaking rate and pitch; audio is resampled by sox to 16 kHz
mono int16, peak-normalised to -1 dBFS. The same --seed gives the same data (dev_synth does
not depend on --hours). Runs at nice 19 in one process, so a training job on the same
machine keeps its speed: the default 1.5 h took 6-8 minutes on the 2-core machine while
it trained. Needs espeak-ng, festival (voices kal, ked, cmu_us_slt_arctic_hts) and sox.

  /usr/bin/python3 training/make_synthetic.py [--hours 1.5] [--seed 1]
  /usr/bin/python3 training/train.py --run synth --extra_train_splits synth_train \\
      --set_weights "librispeech-mini=1,an4=1,commonvoice-sample=2,ljspeech-part=0.5,arctic-kathleen=0.35,synthetic-espeak=0.5,synthetic-festival=0.5"
  /usr/bin/python3 tools/eval_engine.py --ckpt training/runs/synth/ckpt.pt --split dev_synth

--text books --split synth_books: the same voices read chunks of the novels that
build_word_lm.py reads (Austen, Dickens, Verne, Wells, Melville; sentences sharing a word
6-gram with a dev transcript left out), written as synth_books.{pcm.npy,jsonl}.
"""
import argparse
import json
import os
import pathlib
import random
import re
import subprocess
import sys
import tempfile
import time
import zlib

import numpy as np
import soundfile

SAMPLE_RATE = 16000
ESPEAK_TRAIN_VOICES = ["en-us", "en-gb", "en-gb-scotland", "en-gb-x-rp", "en-gb-x-gbclan", "en-gb-x-gbcwmd",
                       "en-us-nyc"]
ESPEAK_DEV_VOICES = ["en-029"]
# Variants that still sound like a person talking (no robots, croaks or whispers).
ESPEAK_VARIANTS = ["", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "f1", "f2", "f3", "f4", "f5",
                   "klatt", "klatt2", "klatt3", "klatt4", "Alex", "Andy", "Annie", "adam", "aunty", "belinda",
                   "benjamin", "caleb", "david", "ed", "edward", "grandma", "grandpa", "iven", "john", "linda",
                   "max", "Michael", "norbert", "paul", "quincy", "rob", "robert", "shelby", "steph", "travis",
                   "victor", "zac"]
# Festival voices and their share of the training hours (the HTS voice is slow).
FESTIVAL_TRAIN_SHARE = {"kal_diphone": 0.10, "cmu_us_slt_arctic_hts": 0.05}
FESTIVAL_DEV_VOICES = ["ked_diphone"]
DEV_FESTIVAL_SHARE = 0.3
SPELLED_SHARE = 0.1             # of the utterances: digit / letter strings
DIGITS = ["zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
LETTERS = list("abcdefghijklmnopqrstuvwxyz")
ROMAN = re.compile(r"m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})")
NOT_ROMAN = {"mix", "di", "mi", "li"}
MIN_S, MAX_S, MIN_RMS_DB = 0.5, 20.0, -45.0


class Text:
    """What one utterance says: words (the target) and which of them are spelled letters."""

    def __init__(self, words, spelled):
        self.words, self.spelled = words, spelled

    @property
    def target(self) -> str:
        return " ".join(self.words)


def reads_as_written(words) -> bool:
    """False if a synthesiser would read a word as something else (lower-case roman numerals)."""
    return all(len(w) < 2 or w in NOT_ROMAN or not ROMAN.fullmatch(w) for w in words)


def transcript_pools(train_jsonl: pathlib.Path):
    """(training text, held-out text): the train transcripts as (set, words), every tenth held out."""
    pools = ([], [])
    for line in train_jsonl.read_text(encoding="utf-8").splitlines():
        utt = json.loads(line)
        words = utt["text"].lower().split()
        if len(words) < 3 or not all(re.fullmatch(r"[a-z']+", w) for w in words):
            continue
        pools[zlib.crc32(utt["id"].encode()) % 10 == 0].append((utt["set"], words))
    return pools


def book_pool(avoid: set):
    """Sentences of the novels build_word_lm.py reads (its austen and novels sources) as
    ("books", words), less any sentence that shares a word n-gram with a dev transcript (n as
    in its leakage report)."""
    import build_word_lm  # the R packages' books and the normalisation the word model uses
    n = build_word_lm.LEAK_N
    dev_ngrams = {gram for t in avoid for gram in build_word_lm.ngrams(t.split(), n)}
    pool = []
    for paragraphs in (build_word_lm.austen_paragraphs, build_word_lm.novel_paragraphs):
        for paragraph in paragraphs():
            for words in build_word_lm.normalise_sentences(paragraph):
                if len(words) >= 3 and not any(gram in dev_ngrams for gram in build_word_lm.ngrams(words, n)):
                    pool.append(("books", words))
    return pool


def text_chunk(pool, rng: random.Random) -> Text:
    """3-25 consecutive words of a transcript (picked by word count), re-cut at a random place."""
    weights = [len(w) for _, w in pool]
    while True:
        set_name, words = rng.choices(pool, weights)[0]
        n = min(len(words), int(rng.triangular(3, 26, 8)))
        start = rng.randrange(0, len(words) - n + 1)
        chunk = words[start: start + n]
        if reads_as_written(chunk):
            # an4 transcripts spell letters ("r u b o u t"); elsewhere "a" is the article
            return Text(chunk, [set_name == "an4" and len(w) == 1 for w in chunk])


def spelled_string(rng: random.Random) -> Text:
    """Digits and/or letters spelled as words, as an4 has them: "one two three", "a b c"."""
    kind = rng.choice(["digits", "letters", "mixed"])
    n = rng.randint(3, 12)
    alphabet = {"digits": DIGITS, "letters": LETTERS, "mixed": DIGITS + LETTERS}[kind]
    words = [rng.choice(alphabet) for _ in range(n)]
    return Text(words, [len(w) == 1 for w in words])


def dev_texts(data_dir: pathlib.Path) -> set:
    """The transcripts of dev_libri and dev_other (an4 repeats prompts across speakers)."""
    texts = set()
    for split in ("dev_libri", "dev_other"):
        path = data_dir / f"{split}.jsonl"
        if path.exists():
            texts.update(" ".join(json.loads(line)["text"].lower().split())
                         for line in path.read_text(encoding="utf-8").splitlines())
    return texts


def draw_text(pool, avoid: set, rng: random.Random) -> Text:
    """A text chunk or a spelled string that is no dev transcript."""
    while True:
        text = spelled_string(rng) if rng.random() < SPELLED_SHARE else text_chunk(pool, rng)
        if text.target not in avoid:
            return text


# ---- planning: what each utterance says, with which voice, rate and pitch ---------------

def espeak_job(voice: str, text: Text, rng: random.Random) -> dict:
    variant = rng.choice(ESPEAK_VARIANTS)
    wpm, pitch = rng.randint(125, 215), rng.randint(15, 85)
    speaker = f"{voice}+{variant}" if variant else voice
    return {"engine": "espeak", "set": "synthetic-espeak", "speaker": speaker, "text": text,
            "wpm": wpm, "pitch": pitch, "desc": f"espeak-ng:{speaker}:s{wpm}:p{pitch}",
            "est_s": 0.80 * len(text.words) * 60 / wpm + 0.43}  # fitted on espeak-ng 1.51


def festival_job(voice: str, text: Text, rng: random.Random) -> dict:
    stretch = round(rng.uniform(0.8, 1.25), 2)
    job = {"engine": "festival", "set": "synthetic-festival", "speaker": voice, "text": text,
           "stretch": stretch, "est_s": len(text.words) * stretch / 3.3 + 0.27}
    if voice.endswith("_hts"):   # HTS ignores the diphone pitch model: sox shifts the pitch
        job["cents"] = rng.randint(-300, 300)
        job["desc"] = f"festival:{voice}:r{1 / stretch:.2f}:pitch{job['cents']:+d}c"
    else:
        job["f0_mean"], job["f0_std"] = rng.randint(80, 165), rng.randint(8, 30)
        job["desc"] = f"festival:{voice}:stretch{stretch:.2f}:f0{job['f0_mean']}"
    return job


def plan_train(pool, avoid: set, hours: float, rng: random.Random):
    jobs = []
    target_s = {voice: share * hours * 3600 for voice, share in FESTIVAL_TRAIN_SHARE.items()}
    target_s["espeak"] = hours * 3600 - sum(target_s.values())
    for group, seconds in target_s.items():
        total = 0.0
        while total < seconds:
            text = draw_text(pool, avoid, rng)
            job = (espeak_job(rng.choice(ESPEAK_TRAIN_VOICES), text, rng) if group == "espeak"
                   else festival_job(group, text, rng))
            jobs.append(job)
            total += job["est_s"]
    return jobs


def plan_dev(pool, avoid: set, n_dev: int, rng: random.Random):
    n_festival = round(n_dev * DEV_FESTIVAL_SHARE)
    jobs = [espeak_job(rng.choice(ESPEAK_DEV_VOICES), draw_text(pool, avoid, rng), rng)
            for _ in range(n_dev - n_festival)]
    jobs += [festival_job(rng.choice(FESTIVAL_DEV_VOICES), draw_text(pool, avoid, rng), rng)
             for _ in range(n_festival)]
    return jobs


# ---- synthesis ----------------------------------------------------------------------------

def to_pcm16(wav: pathlib.Path, cents: int = 0) -> np.ndarray:
    """Any synthesiser's wav -> 16 kHz mono int16, peak at -1 dBFS (sox, no dither: repeatable)."""
    effects = (["pitch", str(cents)] if cents else []) + ["gain", "-n", "-1"]
    raw = subprocess.run(["sox", "-R", "-D", str(wav), "-t", "raw", "-e", "signed-integer", "-b", "16", "-c", "1",
                          "-r", str(SAMPLE_RATE), "-"] + effects, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.int16).copy()


def espeak_ssml(text: Text) -> str:
    """espeak-ng reads a lone "a" as the article; say-as makes spelled letters letter names."""
    return "<speak>" + " ".join(f'<say-as interpret-as="characters">{w}</say-as>' if s else w
                                for w, s in zip(text.words, text.spelled)) + "</speak>"


def synth_espeak(job: dict, tmp: pathlib.Path) -> np.ndarray:
    voice, _, variant = job["speaker"].partition("+")
    wav = tmp / "espeak.wav"
    subprocess.run(["espeak-ng", "-m", "-v", f"{voice}+{variant}" if variant else voice, "-s", str(job["wpm"]),
                    "-p", str(job["pitch"]), "-w", str(wav), espeak_ssml(job["text"])], check=True)
    return to_pcm16(wav)


def synth_festival(voice: str, jobs, tmp: pathlib.Path, progress):
    """One festival process per voice reads every utterance of it (start-up costs seconds)."""
    lines = [f"(voice_{voice})"]
    for i, job in enumerate(jobs):
        if "cents" in job:
            lines.append(f"(set! hts_engine_params (append {voice}::hts_engine_params "
                         f"(list (list \"-r\" {1 / job['stretch']:.3f}))))")
        else:
            lines.append(f"(Parameter.set 'Duration_Stretch {job['stretch']})")
            lines.append(f"(set! int_lr_params '((target_f0_mean {job['f0_mean']}) (target_f0_std {job['f0_std']}) "
                         "(model_f0_mean 170) (model_f0_std 34)))")
        lines.append(f"(utt.save.wave (utt.synth (Utterance Text \"{job['text'].target}\")) "
                     f"\"{tmp / f'fest{i}.wav'}\" 'riff)")
        lines.append(f"(format t \"done {i}\\n\")")
    script = tmp / f"{voice}.scm"
    script.write_text("\n".join(lines) + "\n")
    proc = subprocess.Popen(["festival", "-b", str(script)], stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("done "):
            progress(int(line.split()[1]) + 1, len(jobs))
    proc.wait()
    out = []
    for i, job in enumerate(jobs):
        wav = tmp / f"fest{i}.wav"
        out.append(to_pcm16(wav, job.get("cents", 0)) if wav.exists() else None)
        wav.unlink(missing_ok=True)
    return out


def synthesise(name: str, jobs, tmp: pathlib.Path):
    """Audio of each job (None where the synthesiser failed), espeak first, then each festival voice."""
    audio = [None] * len(jobs)
    t0 = time.time()

    def progress(done, total, what):
        if done % 100 == 0 or done == total:
            print(f"{name}: {what} {done}/{total} ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)

    espeak = [i for i, j in enumerate(jobs) if j["engine"] == "espeak"]
    for k, i in enumerate(espeak):
        try:
            audio[i] = synth_espeak(jobs[i], tmp)
        except subprocess.CalledProcessError as e:
            print(f"{name}: espeak-ng failed on {jobs[i]['desc']}: {e}", file=sys.stderr)
        progress(k + 1, len(espeak), "espeak-ng")
    for voice in sorted({j["speaker"] for j in jobs if j["engine"] == "festival"}):
        idx = [i for i, j in enumerate(jobs) if j["engine"] == "festival" and j["speaker"] == voice]
        for i, pcm in zip(idx, synth_festival(voice, [jobs[i] for i in idx], tmp,
                                              lambda d, t, v=voice: progress(d, t, f"festival {v}"))):
            audio[i] = pcm
    return audio


def rms_db(pcm: np.ndarray) -> float:
    x = pcm.astype(np.float64) / 32768.0
    return 10 * np.log10(np.mean(x * x) + 1e-20)


def write_split(out: pathlib.Path, split: str, jobs, audio, wav_dir: pathlib.Path = None) -> dict:
    """Keeps the plausible utterances (duration, level), writes <split>.pcm.npy + .jsonl."""
    pieces, utts, offset, rejected = [], [], 0, 0
    for job, pcm in zip(jobs, audio):
        if pcm is None or not MIN_S <= len(pcm) / SAMPLE_RATE <= MAX_S or rms_db(pcm) < MIN_RMS_DB:
            rejected += 1
            print(f"{split}: dropped {job['desc']} ({'failed' if pcm is None else f'{len(pcm) / SAMPLE_RATE:.1f} s'})",
                  file=sys.stderr)
            continue
        utt_id = f"{split}-{len(utts):05d}"
        path = job["desc"]
        if wav_dir is not None:
            path = str(wav_dir / f"{utt_id}.wav")
            soundfile.write(path, pcm, SAMPLE_RATE, subtype="PCM_16")
        utts.append({"id": utt_id, "set": job["set"], "speaker": job["speaker"], "text": job["text"].target,
                     "offset": offset, "n_samples": len(pcm), "path": path})
        pieces.append(pcm)
        offset += len(pcm)
    np.save(out / f"{split}.pcm.npy", np.concatenate(pieces))
    with open(out / f"{split}.jsonl", "w", encoding="utf-8") as f:
        for utt in utts:
            f.write(json.dumps(utt) + "\n")
    by_voice = {}
    for utt in utts:
        n, s = by_voice.get(utt["speaker"], (0, 0.0))
        by_voice[utt["speaker"]] = (n + 1, s + utt["n_samples"] / SAMPLE_RATE)
    summary = {"utterances": len(utts), "rejected": rejected, "hours": round(offset / SAMPLE_RATE / 3600, 3),
               "by_voice": {v: {"utterances": n, "minutes": round(s / 60, 2)}
                            for v, (n, s) in sorted(by_voice.items())}}
    print(f"{split}: {len(utts)} utterances, {summary['hours']:.2f} h, {rejected} dropped", file=sys.stderr)
    return summary


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = pathlib.Path(__file__).resolve().parent
    parser.add_argument("--train_jsonl", type=pathlib.Path, default=here / "data" / "train.jsonl",
                        help="the train split's index (prepare_data.py), whose transcripts are read")
    parser.add_argument("--out", type=pathlib.Path, default=here / "data")
    parser.add_argument("--hours", type=float, default=1.5, help="training audio to synthesise")
    parser.add_argument("--n_dev", type=int, default=100, help="dev_synth utterances")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--text", choices=("transcripts", "books"), default="transcripts",
                        help="what the training utterances say: chunks of the train transcripts, or of "
                             "the novels of build_word_lm.py's austen and novels sources (then dev_synth "
                             "is not written again)")
    parser.add_argument("--split", default="synth_train", help="the training split's name")
    args = parser.parse_args()
    os.nice(19)  # a training job may share the machine
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    train_pool, dev_pool = transcript_pools(args.train_jsonl)
    avoid = dev_texts(args.train_jsonl.parent)
    # separate streams: dev_synth stays the same whatever --hours is
    if args.text == "books":
        train_pool = book_pool(avoid)
        print(f"{len(train_pool)} book sentences", file=sys.stderr)
    train_jobs = plan_train(train_pool, avoid, args.hours, random.Random(f"{args.seed}-train"))
    dev_jobs = plan_dev(dev_pool, avoid, args.n_dev, random.Random(f"{args.seed}-dev")) if args.text == "transcripts" else []
    print(f"planned {len(train_jobs)} training and {len(dev_jobs)} dev utterances", file=sys.stderr)

    t0 = time.time()
    summary = {"seed": args.seed, "hours_asked": args.hours, "text": args.text}
    with tempfile.TemporaryDirectory(prefix="earshot-synth-") as tmp:
        tmp = pathlib.Path(tmp)
        if dev_jobs:
            wav_dir = out / "dev_synth"
            wav_dir.mkdir(exist_ok=True)
            for old in wav_dir.glob("*.wav"):
                old.unlink()
            summary["dev_synth"] = write_split(out, "dev_synth", dev_jobs, synthesise("dev_synth", dev_jobs, tmp),
                                               wav_dir)
        summary[args.split] = write_split(out, args.split, train_jobs, synthesise(args.split, train_jobs, tmp))
    summary["minutes_taken"] = round((time.time() - t0) / 60, 1)
    summary_name = "synth_splits.json" if args.split == "synth_train" else f"{args.split}_splits.json"
    (out / summary_name).write_text(json.dumps(summary, indent=2) + "\n")
    print(f"done in {summary['minutes_taken']} min", file=sys.stderr)


if __name__ == "__main__":
    main()
