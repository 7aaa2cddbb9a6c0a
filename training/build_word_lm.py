#!/usr/bin/python3
"""An English word 3-gram language model in ARPA format, for shallow fusion in the
recogniser's beam search (model/word_lm.h reads it): interpolated modified Kneser-Ney
(Chen & Goodman: discounts D1, D2, D3+ per order from the count-of-counts; the lower orders
count distinct left contexts, not occurrences), with <s>, </s> and <unk>.

Writes --out (default training/data/words-3gram.arpa): log10 probabilities and backoffs in the
usual layout (\\data\\, "ngram 1=N", \\1-grams: "logprob<TAB>word<TAB>backoff", ..., \\end\\);
<s> has logprob -99. Prints the figures (per-source corpus, n-gram counts, perplexity and OOV
rate on dev_libri and dev_other, and how much dev text the corpus holds) to stdout, progress
with timings to stderr.

Text, all from Debian packages or this recipe (--sources picks some):
  kjv       the King James Bible, from `bible 'gen1:1-rev22:21'` (bible-kjv), headings and
            verse numbers dropped
  gcide     /usr/share/dictd/gcide.dict.dz: definitions, notes and literary quotations, with
            headword lines, pronunciations, etymologies and other [...], "--Author."
            attributions, synonym lists and accent marks stripped
  devil     /usr/share/dictd/devil.dict.dz, Bierce's Devil's Dictionary, the same way
  fortunes  /usr/share/games/fortunes/* (not .dat, .u8, ascii-art or off/), attributions dropped
  austen    Jane Austen's six novels (r-cran-janeaustenr's data, read without R by r_data.py)
  novels    Great Expectations, Twenty Thousand Leagues under the Sea and The War of the Worlds
            (r-cran-tidytext's extdata/books.rda, less its Pride and Prejudice: in austen), and
            Moby Dick (r-cran-tokenizers' data, inside its Project Gutenberg markers)
            Both book sources drop heading lines (no lower-case letter, or "Chapter XII").
  train     the "text" of training/data/train.jsonl and synth_train.jsonl (never a dev split)

Normalised as metrics.py scores the recogniser (lower case, punctuation folded): the titles
Mr., Mrs. and Dr. spelled out as the transcripts say them (mister, missus, doctor); sentences
split at . ! ? ; : and blank lines; hyphens and other punctuation become spaces; curly quotes
become ', accents are folded to ASCII (NFKD); words keep letters a-z and inner apostrophes. A
sentence with a digit (transcripts spell numbers out), or with a word of other letters, or
of under 2 words is dropped (also a one-word train utterance, "yes"). Vocabulary: every word
of the train transcripts, then the most frequent words of the rest up to --vocab words (not
counting <s>, </s>, <unk>; the words of the count where --vocab falls are all left out, so
64000 gives 59,020: the train words and every other word seen twice); other words become
<unk>. --min_count2 / --min_count3 drop bigrams / trigrams seen fewer times (before the
estimate; their mass goes to the backoff, and the continuation counts of the lower orders
still come from every trigram and bigram). Each context's backoff weight is set so that its
distribution over the vocabulary (</s> included) sums to 1; --check reads the file back and
verifies that for about 200 random contexts.

The leakage report (text, not a filter): how many word 6-grams of dev_libri / dev_other occur
in the normalised corpus sentences, per source, and which dev utterances occur verbatim.

  nice -n 10 /usr/bin/python3 training/build_word_lm.py [--vocab 64000] [--min_count3 2] --check
  /usr/bin/python3 training/test_build_word_lm.py

The defaults make 4.5 M words of text (3.2 M of them GCIDE's) into a model of 59,020 words,
1.04 M bigrams and 0.48 M trigrams, a 40 MB file; the whole run with --check took 18 s and
0.46 GB of memory at nice 10 in one thread, beside two training jobs on the 2-core machine.
Standard library and numpy.
"""
import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import array  # noqa: E402
import collections  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import pathlib  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import unicodedata  # noqa: E402

import numpy as np  # noqa: E402

import r_data  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent
DATA = ROOT / "data"
SOURCES = ("kjv", "gcide", "devil", "fortunes", "austen", "novels", "train")
GCIDE = pathlib.Path("/usr/share/dictd/gcide.dict.dz")
DEVIL = pathlib.Path("/usr/share/dictd/devil.dict.dz")
FORTUNES = pathlib.Path("/usr/share/games/fortunes")
FORTUNES_SKIPPED = {"ascii-art"}  # pictures, not prose
R_LIBRARY = pathlib.Path("/usr/lib/R/site-library")
AUSTEN = R_LIBRARY / "janeaustenr" / "data" / "Rdata.rdb"
TIDYTEXT_BOOKS = R_LIBRARY / "tidytext" / "extdata" / "books.rda"
TIDYTEXT_SKIPPED = {"Pride and Prejudice"}  # one of Austen's six
MOBY_DICK = R_LIBRARY / "tokenizers" / "data" / "Rdata.rdb"
TRAIN_FILES = ("train.jsonl", "synth_train.jsonl")
DEV_FILES = ("dev_libri.jsonl", "dev_other.jsonl")
BOS, EOS, UNK = "<s>", "</s>", "<unk>"
BOS_ID, EOS_ID, UNK_ID = 0, 1, 2
LEAK_N = 6
T0 = time.time()


def log(message: str) -> None:
    print(f"[{time.time() - T0:7.1f} s] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# Normalisation

QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201b": "'", "\u02bc": "'", "\u2032": "'",
                        "\u201c": '"', "\u201d": '"', "\u201e": '"'})
# Letters NFKD leaves whole.
LIGATURES = str.maketrans({"\u00e6": "ae", "\u0153": "oe", "\u00df": "ss", "\u00f8": "o", "\u0111": "d",
                           "\u00f0": "d", "\u0142": "l", "\u00fe": "th", "\u0131": "i"})
SENTENCE_SPLIT = re.compile(r"[.!?;:]|\n[ \t]*\n")
NON_WORD = re.compile(r"[^\w']+|_+")  # punctuation, hyphens and underscores fold to spaces
DIGIT = re.compile(r"\d")
WORD = re.compile(r"[a-z']+")
INNER_BACKTICK = re.compile(r"(?<=[a-z])[`\u00b4](?=[a-z])")  # "doesn`t"
# Put in place of a character a source lost (GCIDE's "?"): not a-z, so its sentence is dropped.
LOST = "\u0416"


def fold(text: str) -> str:
    """Lower case, curly quotes to ' and ", accented Latin letters to ASCII."""
    text = INNER_BACKTICK.sub("'", text.translate(QUOTES).lower())
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch)).translate(LIGATURES)
    return text


def sentence_words(piece: str):
    """(words, None) for one folded sentence, or (None, why) when it is dropped for a digit or
    a word with letters outside a-z."""
    if DIGIT.search(piece):
        return None, "digit"
    words = []
    for token in NON_WORD.sub(" ", piece).split():
        token = token.strip("'")
        if not token:
            continue
        if not WORD.fullmatch(token):
            return None, "other letters"
        words.append(token)
    return words, None


# Titles as the transcripts say them (LibriSpeech's "MISTER", "MISSUS"), expanded before the
# sentence split, which would otherwise end a sentence at "Mr.".
TITLES = {"mr": "mister", "mrs": "missus", "dr": "doctor"}
TITLE = re.compile(r"\b(mrs|mr|dr)\b\.?")


def normalise_sentences(text: str, dropped: collections.Counter = None) -> list:
    """The kept sentences of a text, each a list of words; `dropped` counts the rest by why."""
    sentences = []
    for piece in SENTENCE_SPLIT.split(TITLE.sub(lambda m: TITLES[m.group(1)], fold(text))):
        words, why = sentence_words(piece)
        if words is not None and len(words) < 2:
            why = "one word" if words else None
        if why is None and words:
            sentences.append(words)
        elif why is not None and dropped is not None:
            dropped[why] += 1
    return sentences


def normalise_words(text: str) -> list:
    """An utterance as one sentence of words (dev and train transcripts), nothing dropped but
    words with letters outside a-z."""
    words = []
    for token in NON_WORD.sub(" ", fold(text)).split():
        token = token.strip("'")
        if token and WORD.fullmatch(token):
            words.append(token)
    return words


# ----------------------------------------------------------------------------------------------
# Sources: each yields paragraphs (strings) for normalise_sentences.

BIBLE_HEADING = re.compile(r"(?:[123] )?[A-Z][A-Za-z ]+ \d+")
VERSE_NUMBER = re.compile(r"^\s+\d+\s")


def kjv_paragraphs():
    """The King James Bible, one paragraph a chapter (verses run on over wrapped lines)."""
    text = subprocess.run(["bible", "gen1:1-rev22:21"], capture_output=True, text=True, check=True).stdout
    chapter, previous_blank = [], True
    for line in text.splitlines():
        if previous_blank and BIBLE_HEADING.fullmatch(line):
            if chapter:
                yield " ".join(chapter)
            chapter = []
        elif line.strip():
            chapter.append(VERSE_NUMBER.sub(" ", line))
        previous_blank = not line.strip()
    if chapter:
        yield " ".join(chapter)


def dict_blocks(text: str, at_column0: bool = True):
    """A dictd text's blocks (line lists): split at blank lines and, with at_column0, before
    every line that starts in column 0 (GCIDE's headwords: its entries do not always end with
    a blank line)."""
    block = []
    for line in text.splitlines():
        if not line.strip() or (at_column0 and not line[0].isspace()):
            if block:
                yield block
            block = [line] if line.strip() else []
        else:
            block.append(line)
    if block:
        yield block


GCIDE_CHAR_CODES = {"[ae]": "ae", "[AE]": "AE", "[oe]": "oe", "[OE]": "OE", "[=ae]": "ae", "[imac]": "i",
                    "[aum]": "a", "[eth]": "th", "[thorn]": "th", "[ng]": "ng", "[oo^]": "oo", "[=oo]": "oo",
                    "[add]": "a", "[udd]": "u", "[asl]": "a"}
GCIDE_CHAR_CODE = re.compile(r"\[(?:[`'\"^=~.,-]([A-Za-z])|([A-Za-z])\^)\]")
INNER_BRACKETS = re.compile(r"\[[^\[\]]*\]")
INNER_PARENS = re.compile(r"\([^()]*\)")
ATTRIBUTION = re.compile(r"(?:^|\s)--\s?[A-Z].*$")
GCIDE_LABEL = re.compile(r"^\s*(?:Note|Usage|Specifically|Hence|See):")
GCIDE_SKIPPED_LABEL = re.compile(r"^\s*(?:Syn|Ant|Antonym):")
GCIDE_SEE = re.compile(r"\b(?:See|Cf\.|Compare)(?: also| under)?\s*\{[^}]*\}(?:\s*(?:,|and|or)\s*\{[^}]*\})*")
GCIDE_ILLUSTRATION = re.compile(r"\bSee [Ii]llust\.[^.;]*")
GCIDE_PHRASE = re.compile(r"^\s*\{[^}]*\}(?:\s*(?:,|or)\s*\{[^}]*\})*\s*,")
PART_OF_SPEECH = re.compile(r"^[\s,;]*(?:(?:[a-z]{1,8}\.|&)\s*)+")
LOST_CHARACTER = re.compile(r"(?<=[A-Za-z])\?(?=[A-Za-z])|(?<=\s)\?(?=[A-Za-z])")


def strip_nested(pattern: re.Pattern, text: str) -> str:
    while True:
        stripped = pattern.sub(" ", text)
        if stripped == text:
            return text
        text = stripped


def gcide_paragraph(block: list) -> str:
    """One GCIDE block as plain prose, or "" when nothing of it is kept."""
    head = not block[0][0].isspace()
    if head:
        first = block[0]
        if first.count("\\") < 2 or first.count("\\") % 2:
            return ""  # not a headword line with its pronunciation \...\
        block = [first[first.rindex("\\") + 1:]] + block[1:]
    if GCIDE_SKIPPED_LABEL.match(block[0]):
        return ""
    block[0] = GCIDE_LABEL.sub(" ", block[0])
    text = " ".join(ATTRIBUTION.sub(" ", line) for line in block)
    for code, letters in GCIDE_CHAR_CODES.items():
        text = text.replace(code, letters)
    text = GCIDE_CHAR_CODE.sub(lambda m: m.group(1) or m.group(2), text)
    text = strip_nested(INNER_PARENS, strip_nested(INNER_BRACKETS, text))
    if "[" in text or "]" in text:
        return ""  # an unbalanced etymology: no telling where the prose starts
    text = GCIDE_ILLUSTRATION.sub(" . ", GCIDE_SEE.sub(" . ", text))
    text = GCIDE_PHRASE.sub(" ", text)
    if head:
        text = PART_OF_SPEECH.sub(" ", text)
    text = text.replace("{", "").replace("}", "").replace("*", "").replace('"', "").replace("`", "")
    return LOST_CHARACTER.sub(LOST, text)


def read_dictd(path: pathlib.Path) -> str:
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        return f.read()


def gcide_paragraphs():
    started = False
    for block in dict_blocks(read_dictd(GCIDE)):
        if not started:  # the file's header and licence come before the first entry
            started = not block[0][0].isspace() and block[0].count("\\") >= 2
            if not started:
                continue
        paragraph = gcide_paragraph(block)
        if paragraph.strip():
            yield paragraph


DEVIL_HEADWORD = re.compile(r"^[A-Z][A-Z'\- ]*[A-Z](?:,\s*(?:[a-z]{1,6}\.\s*)+|[.?])?")


def devil_paragraphs():
    """The Devil's Dictionary from its preface on: headwords and parts of speech cut from the
    entries, right-aligned attributions ("G.J.", poets' names) and [...] dropped."""
    started = False
    for block in dict_blocks(read_dictd(DEVIL), at_column0=False):
        if not started:
            started = block[0].strip() == "PREFACE"
            continue
        lines = [line for line in block if len(line) - len(line.lstrip()) < 20]
        if not lines:
            continue
        lines[0] = DEVIL_HEADWORD.sub(" ", lines[0])
        yield strip_nested(INNER_BRACKETS, "\n".join(lines))


OVERSTRIKE = re.compile(r".\x08")
FORTUNE_SEPARATOR = re.compile(r"^%\s*$", re.M)


def fortune_entry(entry: str) -> str:
    """A fortune without its attribution lines ("-- Mark Twain" and their indented run-ons)."""
    kept, in_attribution = [], False
    for line in entry.splitlines():
        if line.strip().startswith("--"):
            in_attribution = True
            kept.append("")
            continue
        if in_attribution and (line.startswith("\t\t") or line.startswith(" " * 16)):
            continue
        in_attribution = False
        kept.append(line)
    return "\n".join(kept)


def fortune_paragraphs():
    for path in sorted(FORTUNES.iterdir()):
        if (not path.is_file() or path.is_symlink() or path.suffix in (".dat", ".u8")
                or path.name in FORTUNES_SKIPPED):
            continue
        text = OVERSTRIKE.sub("", path.read_text(encoding="utf-8", errors="replace"))
        for entry in FORTUNE_SEPARATOR.split(text):
            yield fortune_entry(entry)


HEADING = re.compile(r"^\s*(?:chapter|volume|book|part|letter)\s+[0-9ivxlc]+\b.*$", re.I)
GUTENBERG_START = re.compile(r"^\*\*\* ?START OF .*$", re.M)
GUTENBERG_END = re.compile(r"^\*\*\* ?END OF ", re.M)


def book_paragraphs(lines):
    """A book as wrapped lines, less its headings, one paragraph per run of non-blank lines."""
    paragraph = []
    for line in lines:
        line = line or ""
        if not line.strip():
            if paragraph:
                yield "\n".join(paragraph)
            paragraph = []
        elif not HEADING.match(line) and any(ch.islower() for ch in line):
            paragraph.append(line)
    if paragraph:
        yield "\n".join(paragraph)


def gutenberg_body(text: str) -> str:
    """A Project Gutenberg file's text between its START and END markers."""
    start, end = GUTENBERG_START.search(text), GUTENBERG_END.search(text)
    return text[start.end() if start else 0:end.start() if end else len(text)]


def austen_paragraphs():
    for book in r_data.lazyload_objects(AUSTEN):
        yield from book_paragraphs(r_data.values(book))


def novel_paragraphs():
    books = r_data.rda_objects(TIDYTEXT_BOOKS)["books"]
    titles, lines = books.column("title"), books.column("text")
    for title in dict.fromkeys(titles):
        if title not in TIDYTEXT_SKIPPED:
            yield from book_paragraphs(line for line, t in zip(lines, titles) if t == title)
    for book in r_data.lazyload_objects(MOBY_DICK):
        yield from book_paragraphs(gutenberg_body("".join(r_data.values(book))).splitlines())


def jsonl_texts(path: pathlib.Path) -> list:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def train_texts(data_dir: pathlib.Path) -> list:
    texts = []
    for name in TRAIN_FILES:
        assert not name.startswith("dev"), name
        if (data_dir / name).exists():
            texts += jsonl_texts(data_dir / name)
    return texts


def read_sources(names, data_dir: pathlib.Path):
    """{source: [sentence as "w1 w2 ...", ...]}, {source: figures}, the train words."""
    readers = {"kjv": kjv_paragraphs, "gcide": gcide_paragraphs, "devil": devil_paragraphs,
               "fortunes": fortune_paragraphs, "austen": austen_paragraphs, "novels": novel_paragraphs,
               "train": lambda: train_texts(data_dir)}
    corpus, stats, train_words = {}, {}, set()
    for name in names:
        start = time.time()
        dropped = collections.Counter()
        sentences = []
        for paragraph in readers[name]():
            sentences += [" ".join(words) for words in normalise_sentences(paragraph, dropped)]
            if name == "train":
                train_words.update(normalise_words(paragraph))
        corpus[name] = sentences
        n_words = sum(s.count(" ") + 1 for s in sentences)
        stats[name] = {"sentences": len(sentences), "words": n_words, "dropped": dict(dropped),
                       "seconds": round(time.time() - start, 1)}
        log(f"{name}: {len(sentences)} sentences, {n_words} words (dropped {dict(dropped)})")
    return corpus, stats, train_words


def choose_vocab(corpus: dict, train_words: set, size: int) -> list:
    """Every train word, then the other words by falling count, a whole count at a time: the
    words of the count where `size` falls are all left out (not picked alphabetically), so the
    vocabulary can come out smaller than `size`."""
    counts = collections.Counter()
    for name, sentences in corpus.items():
        if name != "train":
            for sentence in sentences:
                counts.update(sentence.split())
    by_count = collections.defaultdict(list)
    for word, count in counts.items():
        if word not in train_words:
            by_count[count].append(word)
    vocab = set(train_words)
    for count in sorted(by_count, reverse=True):
        if len(vocab) + len(by_count[count]) > size:
            break
        vocab.update(by_count[count])
    return sorted(vocab - {BOS, EOS, UNK})


# ----------------------------------------------------------------------------------------------
# Estimation

class NgramModel:
    """A backoff model: words by id (<s>, </s>, <unk> first) and, per order n, the kept
    n-grams' packed ids (sorted), log10 probabilities and log10 backoffs (nan: none)."""

    def __init__(self, words, bits, tables, info):
        self.words, self.bits, self.tables, self.info = words, bits, tables, info


def count_of_counts_discounts(counts: np.ndarray) -> np.ndarray:
    """[0, D1, D2, D3+] (Chen & Goodman) from the counts of one order's n-gram types; a value
    the count-of-counts cannot give (tiny corpora) falls back to 0.5 k."""
    n = np.bincount(np.minimum(counts, 5).astype(np.int64), minlength=6).astype(np.float64)
    d = [0.0]
    y = n[1] / (n[1] + 2 * n[2]) if n[1] + 2 * n[2] > 0 else float("nan")
    for k in (1, 2, 3):
        value = k - (k + 1) * y * n[k + 1] / n[k] if n[k] > 0 else float("nan")
        d.append(value if 0 < value < k else 0.5 * k)
    return np.array(d)


def context_groups(codes: np.ndarray, bits: int):
    """For codes sorted by (context, word): the contexts and each code's context index."""
    contexts, group = np.unique(codes >> bits, return_inverse=True)
    return contexts, group


def interpolation_weights(counts, group, n_groups, d):
    """Per context: its total count and gamma = (D1 N1 + D2 N2 + D3 N3+) / total."""
    total = np.bincount(group, weights=counts, minlength=n_groups)
    mass = np.bincount(group, weights=d[np.minimum(counts, 3)], minlength=n_groups)
    return total, mass / total


def build_model(sentences, vocab, min_count2: int = 1, min_count3: int = 2) -> NgramModel:
    """Interpolated modified Kneser-Ney 3-gram model of `sentences` (strings of words or word
    lists) over `vocab` (words; <s>, </s>, <unk> are added). Pruning drops n-grams of raw count
    under min_count2 / min_count3 from the file (not from the lower orders' continuation
    counts); backoffs renormalise every context."""
    words = [BOS, EOS, UNK] + [w for w in vocab if w not in (BOS, EOS, UNK)]
    ids = {w: i for i, w in enumerate(words)}
    n_vocab = len(words)
    bits = max(1, (n_vocab - 1).bit_length())
    assert 3 * bits <= 62, "vocabulary too large to pack three ids in 63 bits"
    mask = (1 << bits) - 1

    stream = array.array("i")
    n_unk = n_tokens = 0
    for sentence in sentences:
        tokens = sentence.split() if isinstance(sentence, str) else sentence
        row = [ids.get(w, UNK_ID) for w in tokens]
        n_unk += row.count(UNK_ID)
        n_tokens += len(row)
        stream.append(BOS_ID)
        stream.extend(row)
        stream.append(EOS_ID)
    s = np.frombuffer(stream, dtype=np.int32).astype(np.int64)
    del stream
    not_end = s != EOS_ID
    at2 = np.nonzero(not_end[:-1])[0]
    codes2, raw2 = np.unique((s[at2] << bits) | s[at2 + 1], return_counts=True)
    at3 = np.nonzero(not_end[:-2] & not_end[1:-1])[0]
    codes3, raw3 = np.unique((s[at3] << 2 * bits) | (s[at3 + 1] << bits) | s[at3 + 2], return_counts=True)
    del s, not_end, at2, at3

    # Which n-grams the file keeps: the count thresholds, and every prefix and suffix of a kept
    # trigram (the format needs them).
    keep3 = raw3 >= min_count3
    keep2 = raw2 >= min_count2
    if min_count2 > 1:
        needed = np.union1d(codes3[keep3] >> bits, codes3[keep3] & ((1 << 2 * bits) - 1))
        keep2 |= np.isin(codes2, needed, assume_unique=True)

    # Continuation counts: a bigram (v w) counts the distinct u of (u v w); a bigram (<s> w)
    # has no left context and keeps its raw count. A word counts the distinct v of (v w).
    suffixes, n_left = np.unique(codes3 & ((1 << 2 * bits) - 1), return_counts=True)
    adj2 = raw2.copy()
    inner = (codes2 >> bits) != BOS_ID
    where = np.searchsorted(suffixes, codes2[inner])
    assert np.array_equal(suffixes[np.minimum(where, len(suffixes) - 1)], codes2[inner])
    adj2[inner] = n_left[where]
    adj1 = np.bincount(codes2 & mask, minlength=n_vocab)
    adj1[BOS_ID] = 0
    del suffixes, n_left, where, inner

    # Order 1: discounted continuation counts interpolated with the uniform distribution over
    # every word but <s>.
    d1 = count_of_counts_discounts(adj1[adj1 > 0])
    total1 = float(adj1.sum())
    seen = adj1 > 0
    p1 = np.where(seen, adj1 - d1[np.minimum(adj1, 3)], 0.0) / total1
    p1 += d1[np.minimum(adj1[seen], 3)].sum() / total1 / (n_vocab - 1)
    p1[BOS_ID] = 0.0

    # Order 2.
    d2 = count_of_counts_discounts(adj2)
    ctx2, group2 = context_groups(codes2, bits)
    total2, gamma2 = interpolation_weights(adj2, group2, len(ctx2), d2)
    w2 = codes2 & mask
    p2 = (adj2 - d2[np.minimum(adj2, 3)]) / total2[group2] + gamma2[group2] * p1[w2]
    kept_sum = np.bincount(group2[keep2], weights=p2[keep2], minlength=len(ctx2))
    lower_sum = np.bincount(group2[keep2], weights=p1[w2[keep2]], minlength=len(ctx2))
    bow1 = np.ones(n_vocab)  # backoff of a one-word context
    bow1[ctx2] = (1.0 - kept_sum) / (1.0 - lower_sum)
    is_context1 = np.zeros(n_vocab, dtype=bool)
    is_context1[ctx2] = np.bincount(group2[keep2], minlength=len(ctx2)) > 0
    kept_codes2, kept_p2 = codes2[keep2], p2[keep2]
    del group2, w2, p2, kept_sum, lower_sum, adj2

    # Order 3: raw counts, interpolated with the model's own (pruned) bigram probability.
    d3 = count_of_counts_discounts(raw3)
    ctx3, group3 = context_groups(codes3, bits)
    total3, gamma3 = interpolation_weights(raw3, group3, len(ctx3), d3)
    codes3_kept, raw3_kept, group3_kept = codes3[keep3], raw3[keep3], group3[keep3]
    v3, w3 = (codes3_kept >> bits) & mask, codes3_kept & mask
    lower = bow1[v3] * p1[w3]
    where = np.searchsorted(kept_codes2, (v3 << bits) | w3)
    where = np.minimum(where, len(kept_codes2) - 1)
    found = kept_codes2[where] == ((v3 << bits) | w3)
    lower[found] = kept_p2[where[found]]
    p3 = (raw3_kept - d3[np.minimum(raw3_kept, 3)]) / total3[group3_kept] + gamma3[group3_kept] * lower
    kept_sum = np.bincount(group3_kept, weights=p3, minlength=len(ctx3))
    lower_sum = np.bincount(group3_kept, weights=lower, minlength=len(ctx3))
    has_kept = np.bincount(group3_kept, minlength=len(ctx3)) > 0
    bow2 = np.full(len(kept_codes2), np.nan)  # log10 backoff of a two-word context
    at = np.searchsorted(kept_codes2, ctx3[has_kept])
    assert np.array_equal(kept_codes2[at], ctx3[has_kept])
    bow2[at] = np.log10((1.0 - kept_sum[has_kept]) / (1.0 - lower_sum[has_kept]))

    with np.errstate(divide="ignore"):
        logp1 = np.log10(p1)
    logp1[BOS_ID] = -99.0
    logbow1 = np.where(is_context1, np.log10(bow1), np.nan)
    tables = {1: (np.arange(n_vocab, dtype=np.int64), logp1, logbow1),
              2: (kept_codes2, np.log10(kept_p2), bow2),
              3: (codes3_kept, np.log10(p3), np.full(len(p3), np.nan))}
    info = {"tokens": n_tokens, "unk_tokens": n_unk, "bigram_types": len(codes2), "trigram_types": len(codes3),
            "discounts": {1: d1[1:].round(4).tolist(), 2: d2[1:].round(4).tolist(), 3: d3[1:].round(4).tolist()}}
    return NgramModel(words, bits, tables, info)


def write_arpa(model: NgramModel, path: pathlib.Path, chunk: int = 500_000) -> None:
    words, bits = model.words, model.bits
    mask = (1 << bits) - 1
    tmp = pathlib.Path(str(path) + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\\data\\\n")
        for n in (1, 2, 3):
            f.write(f"ngram {n}={len(model.tables[n][0])}\n")
        for n in (1, 2, 3):
            f.write(f"\n\\{n}-grams:\n")
            codes, logp, logbow = model.tables[n]
            for start in range(0, len(codes), chunk):
                part = codes[start:start + chunk]
                columns = [((part >> (bits * (n - 1 - k))) & mask).tolist() for k in range(n)]
                names = [" ".join(words[i] for i in ngram) for ngram in zip(*columns)]
                lines = []
                for name, lp, bo in zip(names, logp[start:start + chunk].tolist(),
                                        logbow[start:start + chunk].tolist()):
                    lines.append(f"{lp:.6f}\t{name}" if bo != bo else f"{lp:.6f}\t{name}\t{bo:.6f}")
                f.write("\n".join(lines))
                f.write("\n")
        f.write("\n\\end\\\n")
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------
# Reading an ARPA file back: scores, the check, perplexity

class ArpaModel:
    """An ARPA file in memory: per order, packed ids sorted, log10 probabilities, log10 backoffs
    (0 where the file has none)."""

    def __init__(self, path):
        counts, sections, order = {}, {}, 0
        words, ids = [], {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                if line.startswith("ngram ") and order == 0:
                    n, count = line[6:].split("=")
                    counts[int(n)] = int(count)
                elif line.startswith("\\") and line.endswith("-grams:"):
                    order = int(line[1:line.index("-")])
                    sections[order] = ([], [], [])
                elif line == "\\end\\":
                    break
                elif order:
                    fields = line.split()
                    keys, logps, bows = sections[order]
                    if order == 1:
                        ids[fields[1]] = len(words)
                        words.append(fields[1])
                        keys.append(ids[fields[1]])
                    else:
                        keys.append(tuple(ids[w] for w in fields[1:order + 1]))
                    logps.append(float(fields[0]))
                    bows.append(float(fields[order + 1]) if len(fields) > order + 1 else 0.0)
        self.words, self.ids, self.order = words, ids, max(sections)
        self.bits = max(1, (len(words) - 1).bit_length())
        self.tables = {}
        for n, (keys, logps, bows) in sections.items():
            if len(keys) != counts[n]:
                raise ValueError(f"{path}: \\data\\ says {counts[n]} {n}-grams, the section has {len(keys)}")
            packed = np.array(keys if n == 1 else [self.pack(k) for k in keys], dtype=np.int64)
            order_ = np.argsort(packed, kind="stable")
            self.tables[n] = (packed[order_], np.array(logps)[order_], np.array(bows)[order_])
        self.unigram_logp = np.full(len(words), -99.0)
        self.unigram_logp[self.tables[1][0]] = self.tables[1][1]

    def pack(self, ngram) -> int:
        code = 0
        for i in ngram:
            code = (code << self.bits) | i
        return code

    def find(self, ngram):
        codes = self.tables[len(ngram)][0]
        code = self.pack(ngram)
        at = int(np.searchsorted(codes, code))
        return at if at < len(codes) and codes[at] == code else None

    def backoff(self, context) -> float:
        at = self.find(context)
        return 0.0 if at is None else float(self.tables[len(context)][2][at])

    def logprob(self, context, word: int) -> float:
        """log10 P(word | context): context holds the preceding ids, oldest first."""
        context = tuple(context)[-(self.order - 1):] if self.order > 1 else ()
        penalty = 0.0
        while True:
            at = self.find(context + (word,))
            if at is not None:
                return penalty + float(self.tables[len(context) + 1][1][at])
            if not context:
                return -99.0
            penalty += self.backoff(context)
            context = context[1:]

    def distribution(self, context) -> np.ndarray:
        """log10 P(w | context) for every word id w at once."""
        context = tuple(context)[-(self.order - 1):] if self.order > 1 else ()
        logp = self.unigram_logp.copy()
        for n in range(1, len(context) + 1):
            ctx = context[len(context) - n:]
            logp += self.backoff(ctx)
            codes, logps, _ = self.tables[n + 1]
            low = self.pack(ctx) << self.bits
            i, j = np.searchsorted(codes, [low, low + (1 << self.bits)])
            logp[codes[i:j] & ((1 << self.bits) - 1)] = logps[i:j]
        return logp


def check_sums(lm: ArpaModel, n_contexts: int = 200, seed: int = 1) -> dict:
    """Sum P(w | context) over every word but <s> (so </s> and <unk> count) for the empty
    context, random one-word contexts, random two-word contexts that have trigrams and random
    unseen pairs."""
    rng = random.Random(seed)
    bos = lm.ids[BOS]
    eos = lm.ids[EOS]
    contexts = [()]
    context_words = [i for i in range(len(lm.words)) if i != eos]
    contexts += [(rng.choice(context_words),) for _ in range(n_contexts // 4)]
    codes2, _, bows2 = lm.tables[2] if lm.order >= 2 else (np.zeros(0, np.int64), None, np.zeros(0))
    with_trigrams = codes2[bows2 != 0]
    mask = (1 << lm.bits) - 1
    for _ in range(n_contexts * 13 // 20):
        if len(with_trigrams):
            code = int(with_trigrams[rng.randrange(len(with_trigrams))])
            contexts.append((code >> lm.bits, code & mask))
    contexts += [(rng.choice(context_words), rng.choice(context_words)) for _ in range(n_contexts // 10)]
    worst, worst_context = 0.0, None
    for context in contexts:
        p = 10.0 ** lm.distribution(context)
        p[bos] = 0.0
        error = abs(float(p.sum()) - 1.0)
        if error > worst:
            worst, worst_context = error, " ".join(lm.words[i] for i in context)
    return {"contexts": len(contexts), "max_error": worst, "worst_context": worst_context}


def perplexity(lm: ArpaModel, utterances: list) -> dict:
    """Per utterance: <s> words </s>. With <unk>: every token counts; without: tokens of words
    outside the vocabulary are left out (SRILM's ppl)."""
    unk, eos, bos = lm.ids[UNK], lm.ids[EOS], lm.ids[BOS]
    total_all = total_known = 0.0
    n_all = n_known = n_words = n_oov = 0
    for words in utterances:
        history = [bos]
        for w in [lm.ids.get(w, unk) for w in words] + [eos]:
            lp = lm.logprob(history, w)
            total_all += lp
            n_all += 1
            if w != unk:
                total_known += lp
                n_known += 1
            if w != eos:
                n_words += 1
                n_oov += w == unk
            history = history[-1:] + [w]
    return {"utterances": len(utterances), "words": n_words, "oov_words": n_oov,
            "oov_rate": n_oov / max(n_words, 1),
            "ppl_with_unk": 10.0 ** (-total_all / max(n_all, 1)),
            "ppl_without_unk": 10.0 ** (-total_known / max(n_known, 1))}


# ----------------------------------------------------------------------------------------------
# Leakage report

def ngrams(words, n):
    return zip(*(words[i:] for i in range(n)))


def leakage(corpus: dict, dev: dict) -> dict:
    """How many dev word 6-grams occur in the corpus sentences (per source and in all), and
    which dev utterances occur whole inside one corpus sentence."""
    wanted = set()
    for utterances in dev.values():
        for words in utterances:
            wanted.update(ngrams(words, LEAK_N))
    found_in = {}
    for source, sentences in corpus.items():
        found = set()
        for sentence in sentences:
            words = sentence.split()
            if len(words) >= LEAK_N:
                found.update(g for g in ngrams(words, LEAK_N) if g in wanted)
        found_in[source] = found
    found_any = set().union(*found_in.values()) if found_in else set()
    haystacks = {}
    report = {}
    for split, utterances in dev.items():
        grams = [g for words in utterances for g in ngrams(words, LEAK_N)]
        row = {"ngrams": len(grams), "found": sum(g in found_any for g in grams),
               "by_source": {s: sum(g in found for g in grams) for s, found in found_in.items()},
               "verbatim": [], "verbatim_short": []}
        row["percent"] = 100.0 * row["found"] / max(len(grams), 1)
        for words in utterances:
            if not words or not all(g in found_any for g in ngrams(words, LEAK_N)):
                continue
            needle = " " + " ".join(words) + " "
            for source, sentences in corpus.items():
                if source not in haystacks:
                    haystacks[source] = "\n".join(" " + s + " " for s in sentences)
                if needle in haystacks[source]:
                    key = "verbatim" if len(words) >= LEAK_N else "verbatim_short"
                    row[key].append((source, " ".join(words)))
                    break
        report[split] = row
    return report


# ----------------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(DATA / "words-3gram.arpa"))
    parser.add_argument("--vocab", type=int, default=64000, help="words in all, not counting <s> </s> <unk>")
    parser.add_argument("--min_count2", type=int, default=1, help="drop bigrams seen fewer times")
    parser.add_argument("--min_count3", type=int, default=2, help="drop trigrams seen fewer times")
    parser.add_argument("--sources", default=",".join(SOURCES), help="comma list of " + ",".join(SOURCES))
    parser.add_argument("--data", default=str(DATA), help="where train.jsonl and the dev splits are")
    parser.add_argument("--check", action="store_true", help="read the file back; check that ~200 contexts sum to 1")
    args = parser.parse_args()
    names = [s for s in args.sources.split(",") if s]
    unknown = set(names) - set(SOURCES)
    if unknown:
        parser.error(f"unknown sources {sorted(unknown)}; choose from {','.join(SOURCES)}")
    data_dir = pathlib.Path(args.data)
    out = pathlib.Path(args.out)

    corpus, stats, train_words = read_sources(names, data_dir)
    vocab = choose_vocab(corpus, train_words, args.vocab)
    log(f"vocabulary: {len(vocab)} words ({len(train_words)} from the train transcripts)")
    if len(train_words) > args.vocab:
        log(f"note: the train transcripts alone have {len(train_words)} words, over --vocab {args.vocab}")
    for name, sentences in corpus.items():
        known = set(vocab)
        n_oov = sum(w not in known for s in sentences for w in s.split())
        stats[name]["oov_rate"] = n_oov / max(stats[name]["words"], 1)

    model = build_model((s for name in names for s in corpus[name]), vocab, args.min_count2, args.min_count3)
    sizes = {n: len(model.tables[n][0]) for n in (1, 2, 3)}
    log(f"estimated: {sizes} n-grams kept of {model.info['bigram_types']} bigram and "
        f"{model.info['trigram_types']} trigram types; discounts {model.info['discounts']}")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_arpa(model, out)
    log(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")
    info = model.info
    del model

    dev = {}
    for name in DEV_FILES:
        if (data_dir / name).exists():
            dev[name.split(".")[0]] = [normalise_words(t) for t in jsonl_texts(data_dir / name)]
    leaks = leakage(corpus, dev)
    log("leakage measured")
    del corpus

    lm = ArpaModel(out)
    log(f"read {out} back: {len(lm.words)} words")
    check = check_sums(lm) if args.check else None
    if check:
        log(f"check: {check}")
    ppl = {split: perplexity(lm, utterances) for split, utterances in dev.items()}

    print(f"command: {' '.join(sys.argv)}")
    print(f"ARPA file: {out}, {out.stat().st_size} bytes ({out.stat().st_size / 1e6:.1f} MB)")
    print("corpus (normalised sentences kept):")
    for name in names:
        s = stats[name]
        print(f"  {name:9s} {s['sentences']:9d} sentences {s['words']:10d} words  OOV {100 * s['oov_rate']:.2f} %  "
              f"dropped {s['dropped']}  ({s['seconds']} s)")
    total_sentences = sum(stats[n]["sentences"] for n in names)
    total_words = sum(stats[n]["words"] for n in names)
    print(f"  {'all':9s} {total_sentences:9d} sentences {total_words:10d} words")
    print(f"vocabulary: {len(vocab)} words + <s> </s> <unk>; {len(train_words)} train-transcript words")
    print(f"n-grams: 1={sizes[1]} 2={sizes[2]} 3={sizes[3]} (of {info['bigram_types']} bigram and "
          f"{info['trigram_types']} trigram types); discounts D1 D2 D3+ by order {info['discounts']}")
    print(f"pruning: --min_count2 {args.min_count2} --min_count3 {args.min_count3}")
    for split, p in ppl.items():
        print(f"{split}: {p['utterances']} utterances, {p['words']} words, OOV {p['oov_words']} "
              f"({100 * p['oov_rate']:.2f} %), perplexity {p['ppl_with_unk']:.1f} with <unk>, "
              f"{p['ppl_without_unk']:.1f} without")
    for split, row in leaks.items():
        print(f"{split} leakage: {row['found']} of {row['ngrams']} word {LEAK_N}-grams occur in the corpus "
              f"({row['percent']:.2f} %); by source {row['by_source']}")
        print(f"  {len(row['verbatim'])} utterances of {LEAK_N}+ words occur verbatim in a corpus sentence")
        for source, text in row["verbatim"]:
            print(f"    [{source}] {text}")
        if row["verbatim_short"]:
            shorts = sorted({text for _, text in row["verbatim_short"]})
            print(f"  {len(row['verbatim_short'])} shorter utterances occur verbatim too "
                  f"({len(shorts)} distinct): {' | '.join(shorts[:40])}{' ...' if len(shorts) > 40 else ''}")
    if check:
        ok = check["max_error"] < 1e-3
        print(f"check: {check['contexts']} contexts, largest |sum - 1| = {check['max_error']:.2e} "
              f"(at '{check['worst_context']}'): {'ok' if ok else 'FAILED'}")
        if not ok:
            return 1
    print(f"run time: {time.time() - T0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
