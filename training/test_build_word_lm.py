"""Tests of training/build_word_lm.py: the text normalisation, the source cleaners, and a
Kneser-Ney 3-gram model of a tiny corpus written to ARPA and read back.

  /usr/bin/python3 training/test_build_word_lm.py
"""
import collections
import itertools
import pathlib
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import build_word_lm as lm  # noqa: E402

CORPUS = [
    "the cat sat on the mat",
    "the cat sat on the hat",
    "the cat sat by the door",
    "the dog sat on the mat",
    "a dog ran to the door",
    "a cat ran",
    "san francisco is far",
    "san francisco is cold",
    "i saw san francisco",
    "we left san francisco",
    "san francisco again",
    "red glasses",
    "old glasses on the mat",
    "the blue glasses",
]
# "hat" and "by" stay out of the vocabulary: they become <unk>.
VOCAB = sorted({w for s in CORPUS for w in s.split()} - {"hat", "by"})


def build(min_count2=1, min_count3=2):
    model = lm.build_model(CORPUS, VOCAB, min_count2, min_count3)
    with tempfile.TemporaryDirectory() as d:
        path = pathlib.Path(d) / "tiny.arpa"
        lm.write_arpa(model, path)
        text = path.read_text(encoding="utf-8")
        return model, lm.ArpaModel(path), text


class NormalisationTest(unittest.TestCase):
    def test_sentences_split_fold_and_drop(self):
        dropped = collections.Counter()
        text = ("Don't stop!  The \u201cWell-known\u201d caf\u00e9; \u2019Tis 3 dogs. Hi.\n\n"
                "\u00c6sop was na\u00efve\nand kind: the word \u03bb\u03cc\u03b3\u03bf\u03c2 means")
        self.assertEqual(lm.normalise_sentences(text, dropped),
                         [["don't", "stop"], ["the", "well", "known", "cafe"], ["aesop", "was", "naive", "and", "kind"]])
        self.assertEqual(dropped, {"digit": 1, "one word": 1, "other letters": 1})

    def test_paragraph_break_ends_a_sentence(self):
        self.assertEqual(lm.normalise_sentences("one two\n  \nthree four"), [["one", "two"], ["three", "four"]])

    def test_transcript_words(self):
        self.assertEqual(lm.normalise_words("HE SAID 'YES' TO O'BRIEN'S SISTER-IN-LAW"),
                         ["he", "said", "yes", "to", "o'brien's", "sister", "in", "law"])
        self.assertEqual(lm.normalise_words("it doesn`t matter"), ["it", "doesn't", "matter"])

    def test_gcide_block_keeps_the_definition_only(self):
        block = ['Affect \\Af*fect"\\, v. t. [imp. & p. p. {Affected}; p. pr. & vb.',
                 '   n. {Affecting}.] [L. affectus, p. p. of afficere. See {Fact}.]',
                 '   1. To act upon; to produce an effect upon. [Obs.] --Milton.',
                 '      [1913 Webster]']
        self.assertEqual(lm.normalise_sentences(lm.gcide_paragraph(block)),
                         [["to", "act", "upon"], ["to", "produce", "an", "effect", "upon"]])
        quotation = ['            The drops of every fluid affect a round figure.',
                     '                                                  --Newton.',
                     '      [1913 Webster]']
        self.assertEqual(lm.normalise_sentences(lm.gcide_paragraph(quotation)),
                         [["the", "drops", "of", "every", "fluid", "affect", "a", "round", "figure"]])
        lost = ['            This proud man affects imperial ?way. --Dryden.']
        self.assertEqual(lm.normalise_sentences(lm.gcide_paragraph(lost)), [])

    def test_vocabulary_takes_train_words_then_whole_counts(self):
        corpus = {"kjv": ["a b c", "a b", "a d"], "train": ["x y"]}
        self.assertEqual(lm.choose_vocab(corpus, {"x", "y"}, 3), ["a", "x", "y"])
        self.assertEqual(lm.choose_vocab(corpus, {"x", "y"}, 5), ["a", "b", "x", "y"])  # not c alone
        self.assertEqual(lm.choose_vocab(corpus, {"x", "y"}, 6), ["a", "b", "c", "d", "x", "y"])

    def test_titles_are_spelled_out_and_end_no_sentence(self):
        self.assertEqual(lm.normalise_sentences("Mr. Knightley and Mrs Weston met Dr. Perry. Mrsa drop."),
                         [["mister", "knightley", "and", "missus", "weston", "met", "doctor", "perry"],
                          ["mrsa", "drop"]])

    def test_book_headings_are_dropped_and_paragraphs_kept(self):
        lines = ["CHAPTER I", "", "Chapter 12. The Ball", "It was a truth", "universally known.", "",
                 "VOLUME II", "Mr. Knightley came.", None, "Letter iv"]
        self.assertEqual(list(lm.book_paragraphs(lines)),
                         ["It was a truth\nuniversally known.", "Mr. Knightley came."])

    def test_gutenberg_body_lies_between_the_markers(self):
        text = ("The Project Gutenberg EBook of X\r\n*** START OF THIS PROJECT GUTENBERG EBOOK X ***\r\n"
                "Call me Ishmael.\r\n*** END OF THIS PROJECT GUTENBERG EBOOK X ***\r\nLicence")
        self.assertEqual(lm.gutenberg_body(text).strip(), "Call me Ishmael.")
        self.assertEqual(lm.gutenberg_body("no markers"), "no markers")

    def test_fortune_attribution_is_dropped(self):
        entry = "A banker is a fellow who lends you his umbrella.\n\t\t-- Mark Twain,\n\t\t   \"Notebooks\"\n"
        self.assertEqual(lm.normalise_sentences(lm.fortune_entry(entry)),
                         [["a", "banker", "is", "a", "fellow", "who", "lends", "you", "his", "umbrella"]])


def reference_kneser_ney(sentences, vocab):
    """P(w | u v) of the unpruned interpolated modified Kneser-Ney model straight from its
    definition, with dictionaries, as a function of (u, v, w)."""
    known = set(vocab)
    c3, c2 = collections.Counter(), collections.Counter()
    for sentence in sentences:
        tokens = ["<s>"] + [w if w in known else "<unk>" for w in sentence.split()] + ["</s>"]
        c2.update(zip(tokens, tokens[1:]))
        c3.update(zip(tokens, tokens[1:], tokens[2:]))
    a2 = {(v, w): (c if v == "<s>" else len({u for (u, x, y) in c3 if (x, y) == (v, w)})) for (v, w), c in c2.items()}
    a1 = collections.Counter(w for (_, w) in c2)
    words = ["</s>", "<unk>"] + list(vocab)

    def discounts(counts):
        return lm.count_of_counts_discounts(np.array(list(counts)))

    d1, d2, d3 = discounts(a1.values()), discounts(a2.values()), discounts(c3.values())

    def discounted(count, d):
        return count - d[min(count, 3)] if count else 0.0

    total1 = sum(a1.values())
    gamma1 = sum(d1[min(c, 3)] for c in a1.values()) / total1

    def p1(w):
        return discounted(a1[w], d1) / total1 + gamma1 / len(words)

    def p2(v, w):
        following = {x: c for (y, x), c in a2.items() if y == v}
        if not following:
            return p1(w)
        total = sum(following.values())
        gamma = sum(d2[min(c, 3)] for c in following.values()) / total
        return discounted(following.get(w, 0), d2) / total + gamma * p1(w)

    def p3(u, v, w):
        following = {x: c for (a, b, x), c in c3.items() if (a, b) == (u, v)}
        if not following:
            return p2(v, w)
        total = sum(following.values())
        gamma = sum(d3[min(c, 3)] for c in following.values()) / total
        return discounted(following.get(w, 0), d3) / total + gamma * p2(v, w)

    return p3


class ModelTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.model, cls.arpa, cls.text = build()

    def test_arpa_layout(self):
        lines = self.text.splitlines()
        self.assertEqual(lines[0], "\\data\\")
        self.assertEqual(lines[-1], "\\end\\")
        self.assertIn(f"ngram 1={len(VOCAB) + 3}", lines)
        unigrams = {line.split("\t")[1]: line.split("\t") for line in lines if line.count("\t") and len(
            line.split("\t")[1].split()) == 1}
        self.assertEqual(float(unigrams["<s>"][0]), -99.0)
        self.assertIn("<unk>", unigrams)
        self.assertEqual(len(unigrams["</s>"]), 2)  # no backoff: never a context
        for n in (1, 2, 3):
            self.assertEqual(len(self.arpa.tables[n][0]), len(self.model.tables[n][0]))

    def test_every_context_sums_to_one(self):
        ids = range(len(self.arpa.words))
        eos = self.arpa.ids["</s>"]
        contexts = [()] + [(v,) for v in ids if v != eos]
        contexts += [(u, v) for u, v in itertools.product(ids, ids) if eos not in (u, v)]
        for context in contexts:
            p = 10.0 ** self.arpa.distribution(context)
            p[self.arpa.ids["<s>"]] = 0.0
            self.assertAlmostEqual(float(p.sum()), 1.0, delta=1e-4, msg=str(context))
        self.assertLess(lm.check_sums(self.arpa)["max_error"], 1e-4)

    def test_pruned_models_sum_to_one_too(self):
        for min_count2, min_count3 in ((2, 2), (1, 1), (3, 1)):
            _, arpa, _ = build(min_count2, min_count3)
            self.assertLess(lm.check_sums(arpa, n_contexts=100)["max_error"], 1e-4, (min_count2, min_count3))

    def test_scalar_scores_match_the_distribution(self):
        ids = self.arpa.ids
        for context in [(ids["the"], ids["cat"]), (ids["<s>"], ids["a"]), (ids["cat"], ids["mat"]), (ids["on"],)]:
            dist = self.arpa.distribution(context)
            for w in (ids["sat"], ids["mat"], ids["</s>"], ids["<unk>"]):
                self.assertAlmostEqual(self.arpa.logprob(context, w), dist[w], places=9)

    def test_unpruned_model_is_the_kneser_ney_definition(self):
        _, arpa, _ = build(min_count2=1, min_count3=1)
        reference = reference_kneser_ney(CORPUS, VOCAB)
        names = arpa.words
        for u, v in itertools.product(range(len(names)), repeat=2):
            if "</s>" in (names[u], names[v]) or (names[v] == "<s>" and names[u] != "<s>"):
                continue
            dist = arpa.distribution((u, v))
            for w, name in enumerate(names):
                if name != "<s>":
                    self.assertAlmostEqual(10.0 ** dist[w], reference(names[u], names[v], name), delta=2e-5,
                                           msg=f"P({name} | {names[u]} {names[v]})")

    def test_discounts_from_count_of_counts(self):
        counts = np.array([1] * 10 + [2] * 4 + [3] * 2 + [4])  # n1..n4 = 10, 4, 2, 1
        y = 10 / (10 + 2 * 4)
        expected = [0, 1 - 2 * y * 4 / 10, 2 - 3 * y * 2 / 4, 3 - 4 * y * 1 / 2]
        self.assertTrue(np.allclose(lm.count_of_counts_discounts(counts), expected))

    def test_seen_trigram_beats_unseen(self):
        ids = self.arpa.ids
        the_cat = (ids["the"], ids["cat"])
        self.assertIsNotNone(self.arpa.find(the_cat + (ids["sat"],)))
        self.assertIsNone(self.arpa.find(the_cat + (ids["mat"],)))
        self.assertGreater(self.arpa.logprob(the_cat, ids["sat"]), self.arpa.logprob(the_cat, ids["mat"]))
        self.assertGreater(self.arpa.logprob(the_cat, ids["sat"]), -0.3)

    def test_unigrams_use_continuation_counts(self):
        # "francisco" occurs 5 times, always after "san"; "glasses" 3 times after 3 words.
        p = self.arpa.unigram_logp
        self.assertLess(p[self.arpa.ids["francisco"]], p[self.arpa.ids["glasses"]])

    def test_out_of_vocabulary_words_count_as_unk(self):
        self.assertEqual(self.model.info["unk_tokens"], 2)
        result = lm.perplexity(self.arpa, [["the", "cat", "sat", "by", "the", "hat"]])
        self.assertEqual((result["words"], result["oov_words"]), (6, 2))
        self.assertGreater(result["ppl_with_unk"], 1.0)

    def test_leakage_counts_dev_ngrams_in_the_corpus(self):
        corpus = {"train": ["the cat sat on the mat today", "a b c d e f"]}
        dev = {"dev": [["the", "cat", "sat", "on", "the", "mat"], ["cat", "sat", "on", "the", "mat", "today", "again"],
                       ["a", "b"], ["x", "y"]]}
        row = lm.leakage(corpus, dev)["dev"]
        self.assertEqual((row["ngrams"], row["found"]), (3, 2))
        self.assertEqual(row["verbatim"], [("train", "the cat sat on the mat")])
        self.assertEqual(row["verbatim_short"], [("train", "a b")])


if __name__ == "__main__":
    unittest.main()
