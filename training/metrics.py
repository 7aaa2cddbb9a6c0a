"""Scores for evaluation: WER and CER with case and punctuation folded, and chrF for
translations.

  /usr/bin/python3 training/metrics.py    # chrF's self-test
"""
import collections
import re
import sys
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


# ---- chrF -----------------------------------------------------------------------------
CHRF_ORDER = 6
CHRF_BETA = 2


def chrf_statistics(ref: str, hyp: str, order: int = CHRF_ORDER) -> list:
    """Per n-gram order 1..order: [hyp n-grams, ref n-grams, matched n-grams] (a match is
    clipped to the lesser count), over the strings with all whitespace removed."""
    ref, hyp = "".join(ref.split()), "".join(hyp.split())
    stats = []
    for n in range(1, order + 1):
        h = collections.Counter(hyp[i: i + n] for i in range(len(hyp) - n + 1))
        r = collections.Counter(ref[i: i + n] for i in range(len(ref) - n + 1))
        stats += [sum(h.values()), sum(r.values()), sum((h & r).values())]
    return stats


def chrf_from_statistics(stats: list, beta: float = CHRF_BETA) -> float:
    """sacrebleu's chrF (0-100): precision and recall averaged over the orders where both
    sides have n-grams, then their F-beta (recall beta times as important)."""
    precision = recall = 0.0
    n_orders = 0
    for i in range(0, len(stats), 3):
        n_hyp, n_ref, n_match = stats[i: i + 3]
        if n_hyp > 0 and n_ref > 0:
            precision += n_match / n_hyp
            recall += n_match / n_ref
            n_orders += 1
    if n_orders == 0:
        return 0.0
    precision, recall = precision / n_orders, recall / n_orders
    if precision + recall == 0:
        return 0.0
    b2 = beta * beta
    return 100 * (1 + b2) * precision * recall / (b2 * precision + recall)


def chrf(refs, hyps, order: int = CHRF_ORDER, beta: float = CHRF_BETA) -> float:
    """Corpus chrF as sacrebleu's CHRF() computes it by default (char_order 6, word_order 0,
    beta 2, whitespace dropped): the n-gram counts of all sentences summed, then one score.
    Case-sensitive: fold case before calling when the outputs are lower case."""
    total = [0] * (3 * order)
    for ref, hyp in zip(refs, hyps):
        total = [a + b for a, b in zip(total, chrf_statistics(ref, hyp, order))]
    return chrf_from_statistics(total, beta)


def _chrf_self_test() -> int:
    """Values worked out by hand (F2 = 5PR / (4P + R) of the averaged P and R)."""
    cases = [
        # identical, and identical once spaces are dropped
        ([("abc", "abc")], 100.0),
        ([("a b", "ab")], 100.0),
        # no character in common; and an empty hypothesis
        ([("ab", "cd")], 0.0),
        ([("abc", "")], 0.0),
        # ref "abc", hyp "ab": 1-grams P 2/2 R 2/3, 2-grams P 1/1 R 1/2, no 3-gram in the hyp.
        # P = 1, R = 7/12, F2 = (35/12) / (55/12) = 7/11
        ([("abc", "ab")], 100 * 7 / 11),
        # ref "a", hyp "aaa": 1-grams P 1/3 (clipped) R 1/1; no 2-gram in the ref. F2 = (5/3) / (7/3)
        ([("a", "aaa")], 100 * 5 / 7),
        # corpus: counts summed first. 1-grams 5/5, 5/6; 2-grams 3/3, 3/4; 3-grams 1/1, 1/2.
        # P = 1, R = (5/6 + 3/4 + 1/2) / 3 = 25/36, F2 = (125/36) / (169/36) = 125/169
        ([("abc", "ab"), ("abc", "abc")], 100 * 125 / 169),
    ]
    failures = 0
    for pairs, want in cases:
        got = chrf([r for r, _ in pairs], [h for _, h in pairs])
        ok = abs(got - want) < 1e-9
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} chrF{pairs} = {got:.6f} (by hand {want:.6f})")
    print(f"chrF self-test: {len(cases) - failures}/{len(cases)} cases agree")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(_chrf_self_test())
