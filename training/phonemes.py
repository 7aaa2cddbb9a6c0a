"""Phoneme targets for a training-only CTC head on a lower layer (--phone_ctc_weight).

English spelling is a hard first target for a few layers over log-mel frames: "ough"
has six sounds. A second CTC head that spells the same words in phonemes gives the
lower layers a target that follows the sound, and the upper layers the spelling.
Each word's phonemes come from espeak-ng's en-us voice (Debian's espeak-ng, the same
program that makes the synthetic voices), one word at a time, so that a transcript
cut to a few words (word_crops.py) keeps the phonemes of exactly those words.

The lexicon is cached in the prepared data folder (lexicon.en-us.json); the head
and its targets are dropped at export like the character head.
"""
import json
import pathlib
import shutil
import subprocess

LEXICON_FILE = "lexicon.en-us.json"
# espeak-ng's en-us IPA symbols; stress, length and syllabic marks are dropped.
SYMBOLS = "ɪnstɹdəlkiɛpmzæɚʊᵻʃefbɑaŋovʌɔɡɾuwʒhɜɐjθðʔr"
DROPPED = "ˈˌː\u0329"


def phonemise(words: list) -> dict:
    """{word: IPA string} for each word, one espeak-ng call for all of them."""
    if not shutil.which("espeak-ng"):
        raise SystemExit("phoneme targets need espeak-ng (scripts/install-deps installs it)")
    # A full stop after each word makes it a clause of its own: one output line each.
    out = subprocess.run(["espeak-ng", "-q", "--ipa", "-v", "en-us"], input="".join(f"{w}.\n" for w in words),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    if len(out) != len(words):
        raise SystemExit(f"espeak-ng gave {len(out)} lines for {len(words)} words")
    return {w: "".join(c for c in line.strip() if c not in DROPPED) for w, line in zip(words, out)}


def load_lexicon(data_dir: pathlib.Path, texts) -> dict:
    """The cached lexicon, extended by espeak-ng with any word of `texts` it lacks."""
    path = data_dir / LEXICON_FILE
    lexicon = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    missing = sorted({w for t in texts for w in t.split()} - lexicon.keys())
    if missing:
        lexicon.update(phonemise(missing))
        tmp = path.with_suffix(".partial")
        tmp.write_text(json.dumps(lexicon, ensure_ascii=False, indent=0), encoding="utf-8")
        tmp.replace(path)
    return lexicon


class PhoneUnits:
    """The phoneme head's label set: blank = 0, then space and SYMBOLS (CtcUnits' interface)."""
    LABELS = " " + SYMBOLS

    def __init__(self, lexicon: dict):
        self.lexicon = lexicon
        self.size = len(self.LABELS) + 1
        self.blank = 0

    def spell(self, text: str) -> str:
        return " ".join(self.lexicon[w] for w in text.split())

    def targets(self, batch):
        return [[1 + self.LABELS.index(c) for c in self.spell(text) if c in self.LABELS] for text in batch.texts]

    def decode(self, ids):
        return "".join(self.LABELS[i - 1] for i in ids)
