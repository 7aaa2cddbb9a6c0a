"""Error rates for evaluation: WER and CER with case and punctuation folded."""
import re
import unicodedata


def normalise_for_scoring(text: str) -> str:
    """Lower case, apostrophes kept inside words, other punctuation dropped, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"[^\w' ]+", " ", text)
    text = re.sub(r"(^|\s)'+|'+(\s|$)", " ", text)
    return " ".join(text.split())


def edit_distance(ref, hyp) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def wer(refs, hyps) -> float:
    errors = sum(edit_distance(normalise_for_scoring(r).split(), normalise_for_scoring(h).split())
                 for r, h in zip(refs, hyps))
    words = sum(len(normalise_for_scoring(r).split()) for r in refs)
    return errors / max(1, words)


def cer(refs, hyps) -> float:
    errors = sum(edit_distance(normalise_for_scoring(r), normalise_for_scoring(h)) for r, h in zip(refs, hyps))
    chars = sum(len(normalise_for_scoring(r)) for r in refs)
    return errors / max(1, chars)


def is_looping(ids, max_period: int = 8, min_repeats: int = 4) -> bool:
    """True when the tail of ids is one short pattern repeated min_repeats times."""
    for period in range(1, max_period + 1):
        span = period * min_repeats
        if len(ids) >= span:
            tail = ids[-span:]
            if all(tail[i] == tail[i % period] for i in range(span)):
                return True
    return False
