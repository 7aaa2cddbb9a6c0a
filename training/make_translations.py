#!/usr/bin/python3
"""Spanish references for speech translation: Debian's rule-based translator
apertium-eng-spa over the English transcripts, and text-only English -> Spanish
pairs from free English text that ships with Debian (Vim's user manual, the King
James Bible, the Devil's Dictionary; train.py --text_pair_sources picks among them).

  /usr/bin/python3 training/make_translations.py              # every split, then the text pairs
  /usr/bin/python3 training/make_translations.py --splits dev_libri --no-text-pairs --check 20

Writes data/<split>.es.jsonl ({"id", "es"}, in the split's order) and
data/text_pairs.es.jsonl ({"id", "en", "es", "source"}). Resumable and idempotent:
what is already in a file is kept, only missing ids are translated, a batch at a
time, each batch appended as soon as it is done.

How apertium is run. `apertium eng-spa` treats a line break as a blank like any
other: its transfer rules move words across it ("the big\\nhouse is red" comes out
as "La casa\\ngrande es roja"), so lines of one input cannot be told apart
afterwards. Its null-flush mode can: the mode's pipeline (apertium-wblank-mode -z)
runs once per batch, each line goes in as one segment ended by "\\0", and every
stage finishes a segment and writes "\\0" before it reads the next. Each segment is
what apertium-destxt makes of one line (text with the stream format's special
characters escaped, then the ".[]" it adds at a text's end), and what comes back
is what apertium-retxt would print; --check N compares the first N lines with
one `apertium eng-spa` call per line.

Input case: the transcripts are upper case; apertium gets them in sentence case
(first letter and the pronoun "I" upper case), since it reads an unknown
upper-case word as a proper noun. Unknown-word marks ("*word" unknown to the
analyser, "@word" missing from the bilingual dictionary, "#word" not generated)
are removed: the word stays as written.
"""
import argparse
import glob
import json
import os
import pathlib
import re
import subprocess
import sys
import time

import build_word_lm  # the public-domain books' readers and sentence cutting

HERE = pathlib.Path(__file__).resolve().parent
DATA = HERE / "data"
SPLITS = ["train", "dev_libri", "dev_other", "synth_train", "dev_synth"]
DEV_SPLITS = ["dev_libri", "dev_other", "dev_synth"]
MODE = "/usr/share/apertium/modes/eng-spa.mode"
STREAM_SPECIAL = set("\\^$@[]/<>{}")   # escaped in the apertium stream format
SENTENCE_END = ".[]"                   # what apertium-destxt appends and apertium-retxt drops
VIM_MANUAL = "/usr/share/vim/vim90/doc/usr_*.txt"


# ---- text in, text out ---------------------------------------------------------------
def sentence_case(text: str) -> str:
    """'I DON'T KNOW HIM' -> "I don't know him": apertium's natural input."""
    words = text.lower().split()
    words = [("I" + w[1:]) if w == "i" or w.startswith("i'") else w for w in words]
    if words:
        words[0] = words[0][:1].upper() + words[0][1:]
    return " ".join(words)


def escape(text: str) -> str:
    return "".join("\\" + c if c in STREAM_SPECIAL else c for c in text)


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


UNKNOWN_MARK = re.compile(r"(?<!\w)[*@#](?=\w)")
# eng-spa 0.8.1 sometimes generates the tag of an unresolved personal pronoun as a word,
# "prpers" ("no #prpers vemos", "vender#prpers"): dropped with its mark.
PRONOUN_LEAK = re.compile(r"[*@#]?\bprpers\b")
EMPTY_SUPERBLANK = re.compile(r"(?<!\\)\[\]")


def clean_output(segment: str) -> str:
    """One segment from the pipeline -> plain text, as apertium-retxt prints it (the ".[]" that
    apertium-destxt added dropped, also when transfer moved the period away, escapes undone),
    then unknown-word marks and leaked pronoun tags removed, single spaces."""
    segment = segment.strip()
    if segment.endswith(SENTENCE_END):
        segment = segment[: -len(SENTENCE_END)]
    text = unescape(EMPTY_SUPERBLANK.sub("", segment))
    text = UNKNOWN_MARK.sub("", PRONOUN_LEAK.sub(" ", text))
    return " ".join(text.split())


# ---- apertium -------------------------------------------------------------------------
class Apertium:
    """The eng-spa pipeline in null-flush mode; translate() starts it once for a whole batch."""

    def __init__(self, mode: str = MODE):
        if not os.path.exists(mode):
            raise SystemExit(f"{mode} not found: install apertium-eng-spa (apt-get install apertium-eng-spa)")
        self.pipeline = subprocess.run(["apertium-wblank-mode", "-z", mode], check=True, capture_output=True,
                                       text=True).stdout.strip()

    def translate(self, lines: list) -> list:
        """English lines (no newlines, no NULs) -> Spanish lines, one for one."""
        for line in lines:
            if "\0" in line or "\n" in line:
                raise ValueError(f"apertium: a line holds a NUL or a newline: {line!r}")
        data = "".join(escape(line) + SENTENCE_END + "\0" for line in lines).encode("utf-8")
        # $1: the generator's option (-g: marks on unknown words), $2: the tagger's (none).
        run = subprocess.run(["bash", "-c", self.pipeline, "apertium", "-g", ""], input=data,
                             capture_output=True, check=False)
        if run.returncode != 0:
            raise RuntimeError(f"apertium pipeline failed ({run.returncode}): {run.stderr.decode()[-500:]}")
        segments = run.stdout.decode("utf-8", errors="replace").split("\0")
        # Each stage also writes a "\0" when its input ends: only empty segments may follow.
        if len(segments) < len(lines) or any(s.strip() for s in segments[len(lines):]):
            raise RuntimeError(f"apertium: {len(lines)} lines in, {len(segments)} segments out")
        return [clean_output(s) for s in segments[: len(lines)]]


def check_against_wrapper(apertium: Apertium, lines: list) -> int:
    """How many lines come out of one batch exactly as from one `apertium eng-spa` call per
    line (its marks removed the same way)."""
    batch = apertium.translate(lines)
    same = 0
    for line, got in zip(lines, batch):
        one = subprocess.run(["apertium", "eng-spa"], input=line + "\n", capture_output=True, text=True,
                             check=True).stdout
        want = " ".join(UNKNOWN_MARK.sub("", one).split())
        same += want == got
        if want != got:
            print(f"  differs: {line!r}\n    one by one: {want!r}\n    batched:    {got!r}", flush=True)
    return same


# ---- resumable jsonl ------------------------------------------------------------------
def read_done(path: pathlib.Path, wanted: set) -> dict:
    """id -> record of a previous run's complete lines whose id is still wanted."""
    done = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut off by an interrupted run
            if rec.get("id") in wanted and isinstance(rec.get("es"), str):
                done[rec["id"]] = rec
    return done


def translate_records(path: pathlib.Path, todo: list, apertium: Apertium, batch: int, label: str,
                      make_record, source_of):
    """todo: items in their final order; those without a record in `path` are translated in
    batches and appended. The file is first rewritten (atomically) with what is kept."""
    wanted = {item["id"] for item in todo}
    done = read_done(path, wanted)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(json.dumps(done[i["id"]], ensure_ascii=False) + "\n" for i in todo if i["id"] in done),
                   encoding="utf-8")
    os.replace(tmp, path)
    missing = [item for item in todo if item["id"] not in done]
    start = time.time()
    n_chars = 0
    with open(path, "a", encoding="utf-8") as out:
        for k in range(0, len(missing), batch):
            chunk = missing[k: k + batch]
            sources = [source_of(item) for item in chunk]
            for item, es in zip(chunk, apertium.translate(sources)):
                out.write(json.dumps(make_record(item, es), ensure_ascii=False) + "\n")
            out.flush()
            n_chars += sum(len(s) for s in sources)
            n_now = len(done) + k + len(chunk)
            seconds = time.time() - start
            print(f"{label}: {n_now}/{len(todo)} lines ({n_chars / max(seconds, 1e-9):.0f} chars/s, "
                  f"{seconds:.1f} s)", flush=True)
    if not missing:
        print(f"{label}: all {len(todo)} lines already translated", flush=True)
    return len(missing), time.time() - start


def translate_split(data_dir: pathlib.Path, split: str, apertium: Apertium, batch: int):
    utts = [json.loads(line) for line in (data_dir / f"{split}.jsonl").read_text(encoding="utf-8").splitlines()]
    todo = [u for u in utts if u["text"].strip()]
    return translate_records(data_dir / f"{split}.es.jsonl", todo, apertium, batch, split,
                             lambda u, es: {"id": u["id"], "es": es}, lambda u: sentence_case(u["text"]))


# ---- text-only pairs ------------------------------------------------------------------
PLAIN_SENTENCE = re.compile(r"[A-Z][A-Za-z' ,]*[a-z][.!?]")


def manual_sentences(pattern: str) -> list:
    """Plain prose sentences of a Vim-help-style manual: paragraphs outside examples, headings
    and tables, cut at sentence ends; kept when they are 4-30 words of letters, apostrophes
    and commas (no commands, quoted option names, digits or acronyms). (file stem, sentence) pairs."""
    out = []
    for path in sorted(glob.glob(pattern)):
        paragraphs, current, in_example = [], [], False
        for line in pathlib.Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            if in_example:
                if line and not line[0].isspace():
                    in_example = False  # an example ends at the first line not indented
                else:
                    continue
            if not line.strip() or line.startswith(("\t", "    ", "=", "*", "|")) or line.isupper():
                if current:
                    paragraphs.append(" ".join(current))
                    current = []
                continue
            if line.rstrip().endswith(">"):  # an example follows
                in_example = True
                line = line.rstrip()[:-1]
            current.append(line.strip())
        if current:
            paragraphs.append(" ".join(current))
        for paragraph in paragraphs:
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", paragraph):
                sentence = sentence.strip()
                if not PLAIN_SENTENCE.fullmatch(sentence):
                    continue
                words = sentence[:-1].replace(",", " ").split()
                quoted = any(w.startswith("'") or w.endswith("'") for w in words)  # 'option' names
                if 4 <= len(words) <= 30 and not quoted and not any(w.isupper() and w != "I" for w in words):
                    out.append((pathlib.Path(path).stem, sentence))
    return out


def scoring_form(text: str) -> str:
    return " ".join(re.sub(r"[^\w' ]+", " ", text.lower()).split())


def prose_sentences(paragraphs) -> list:
    """("s", sentence) for each 4-30 word sentence of a public-domain book, as build_word_lm.py
    cuts and folds it (no digits, letters a-z), in sentence case for apertium."""
    return [("s", sentence_case(" ".join(words)))
            for paragraph in paragraphs() for words in build_word_lm.normalise_sentences(paragraph)
            if 4 <= len(words) <= 30]


# name -> (reader of (stem, sentence) pairs, licence). A run picks its sources by name
# (train.py --text_pair_sources); this file holds them all.
TEXT_PAIR_SOURCES = {
    # Vim's user manual: Debian's vim-runtime, runtime/doc/* under OPL-1+ with no options
    # exercised (DFSG-free per Debian's copyright file; modified copies are allowed).
    "vim-usr": (lambda: manual_sentences(VIM_MANUAL), "Vim user manual, OPL-1+ (Debian vim-runtime)"),
    "kjv": (lambda: prose_sentences(build_word_lm.kjv_paragraphs), "King James Bible, public domain (Debian bible-kjv-text)"),
    "devil": (lambda: prose_sentences(build_word_lm.devil_paragraphs), "Bierce, The Devil's Dictionary, public domain (Debian dict-devil)"),
}


def text_pair_items(data_dir: pathlib.Path) -> list:
    """Every source's sentences once, none equal to a dev transcript."""
    dev = set()
    for split in DEV_SPLITS:
        path = data_dir / f"{split}.jsonl"
        if path.exists():
            dev.update(scoring_form(json.loads(line)["text"]) for line in path.read_text().splitlines())
    items, seen = [], set()
    for name, (read, licence) in TEXT_PAIR_SOURCES.items():
        counts = {}
        for stem, sentence in read():
            key = scoring_form(sentence)
            if key in seen or key in dev:
                continue
            seen.add(key)
            counts[stem] = counts.get(stem, 0) + 1
            items.append({"id": f"{name}-{stem}-{counts[stem]:04d}", "en": sentence, "source": licence})
    return items


def make_text_pairs(data_dir: pathlib.Path, apertium: Apertium, batch: int):
    items = text_pair_items(data_dir)
    return translate_records(data_dir / "text_pairs.es.jsonl", items, apertium, batch, "text_pairs",
                             lambda it, es: {"id": it["id"], "en": it["en"], "es": es, "source": it["source"]},
                             lambda it: it["en"])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=pathlib.Path, default=DATA)
    ap.add_argument("--splits", default=",".join(SPLITS), help="comma-separated; those without a .jsonl are skipped")
    ap.add_argument("--batch", type=int, default=1000, help="lines per apertium run")
    ap.add_argument("--no-text-pairs", action="store_true")
    ap.add_argument("--redo", action="store_true", help="translate everything again (after a change of cleaning)")
    ap.add_argument("--check", type=int, default=0,
                    help="first compare N train lines, batched, with one `apertium eng-spa` call each")
    args = ap.parse_args(argv)
    apertium = Apertium()
    if args.check:
        utts = [json.loads(line) for line in (args.data / "train.jsonl").read_text().splitlines()[: args.check]]
        same = check_against_wrapper(apertium, [sentence_case(u["text"]) for u in utts])
        print(f"check: {same}/{len(utts)} lines the same batched as one by one", flush=True)
    splits = [split for split in args.splits.split(",") if (args.data / f"{split}.jsonl").exists()]
    if args.redo:
        outputs = [f"{split}.es.jsonl" for split in splits] + ([] if args.no_text_pairs else ["text_pairs.es.jsonl"])
        for name in outputs:
            (args.data / name).unlink(missing_ok=True)
    total, seconds = 0, 0.0
    for split in splits:
        n, s = translate_split(args.data, split, apertium, args.batch)
        total, seconds = total + n, seconds + s
    if not args.no_text_pairs:
        n, s = make_text_pairs(args.data, apertium, args.batch)
        total, seconds = total + n, seconds + s
    print(f"translated {total} lines in {seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
