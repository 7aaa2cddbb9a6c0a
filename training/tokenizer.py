"""earshot's text tokenizer: a SentencePiece-style BPE that runs exactly as llama.cpp
runs a GGUF with `tokenizer.ggml.model = "gemma4"`, plus the Gemma 4 audio prompt.

What llama.cpp does for "gemma4" (src/llama-vocab.cpp), and so what this file does:
- Vocabulary type BPE with merges (`tokenizer.ggml.merges`, "left right", rank = index);
  the pre-tokenizer is forced to "gemma4" whatever the file says.
- Special tokens first: the text is cut at every control / user-defined / unknown token
  written literally in it (longest token text first), and those become single ids.
- Each remaining fragment: every " " becomes U+2581 "▁" (escape_whitespaces); no "▁" is
  added in front (add_space_prefix = false). The fragment is split into runs of
  non-newlines and runs of newlines ("[^\\n]+|[\\n]+"); there is no word-level split, so
  merges run over a whole line. A run made only of newlines that is itself a token is
  taken whole.
- Each run starts as one symbol per UTF-8 character; the pair with the lowest merge rank
  (leftmost on ties) is merged until no adjacent pair has a merge.
- A final symbol that is not a token falls back to its UTF-8 bytes as "<0xXX>" tokens
  (uppercase hex); a byte with no such token is dropped.
- BOS: llama.cpp forces add_bos = true for gemma4; here encode(add_bos=True) adds it.
- Decoding: control, unknown and unused tokens give no text, byte tokens give their
  byte, user-defined tokens their text as is, normal tokens their text with "▁" back
  to " ". (llama.cpp also runs its
  "clean_spaces" pass, which drops the space before ".,!?"; earshot does not, so that
  decode(encode(x)) == x.)
- Token types as in `tokenizer.ggml.token_type`: 1 normal, 2 unknown, 3 control,
  4 user-defined, 5 unused, 6 byte. Scores are not used by BPE; published Gemma 4 GGUFs
  carry a placeholder; here normal tokens get minus their order of creation.

Training (train_bpe) follows SentencePiece's BPE shape: each line is split at spaces into
words, every word but the first of its line carries a leading "▁", and merges never
cross a word, so no piece holds "▁" after its first character. Vocabulary order:
special tokens, the 256 byte tokens, the characters seen (most frequent first), merges.

Usage:
  /usr/bin/python3 training/tokenizer.py train --text FILE --vocab-size N --out tok.json
  /usr/bin/python3 training/tokenizer.py encode --tok tok.json "TEXT"
  /usr/bin/python3 training/tokenizer.py selftest --tok tok.json FILE...
"""
import argparse
import collections
import heapq
import json
import sys

SPACE_MARK = "\u2581"

TYPE_NORMAL = 1
TYPE_UNKNOWN = 2
TYPE_CONTROL = 3
TYPE_USER_DEFINED = 4
TYPE_UNUSED = 5
TYPE_BYTE = 6

PAD, EOS, BOS, UNK, MASK = "<pad>", "<eos>", "<bos>", "<unk>", "<mask>"
TURN_BEGIN, TURN_END = "<|turn>", "<turn|>"
AUDIO_BEGIN, AUDIO_PLACEHOLDER, AUDIO_END = "<|audio>", "<|audio|>", "<audio|>"

# Fixed ids at the start of every earshot vocabulary, with their GGUF token types.
SPECIAL_TOKENS = [
    (PAD, TYPE_CONTROL),
    (EOS, TYPE_CONTROL),
    (BOS, TYPE_CONTROL),
    (UNK, TYPE_UNKNOWN),
    (MASK, TYPE_CONTROL),
    (TURN_BEGIN, TYPE_CONTROL),
    (TURN_END, TYPE_CONTROL),
    (AUDIO_BEGIN, TYPE_CONTROL),
    (AUDIO_PLACEHOLDER, TYPE_CONTROL),
    (AUDIO_END, TYPE_CONTROL),
]

FORMAT_NAME = "earshot-tokenizer"
FORMAT_VERSION = 1

# The Gemma 4 chat layout without tools or thinking: turns "<|turn>ROLE\n...<turn|>\n",
# text items trimmed, an audio item rendered as "<|audio|>" (which the processor expands
# to <|audio> + N x <|audio|> + <audio|>), and "<|turn>model\n" as the generation prompt.
CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{%- for message in messages -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{- '<|turn>' + role + '\\n' -}}"
    "{%- if message['content'] is string -%}"
    "{{- message['content'] | trim -}}"
    "{%- else -%}"
    "{%- for item in message['content'] -%}"
    "{%- if item['type'] == 'text' -%}{{- item['text'] | trim -}}"
    "{%- elif item['type'] == 'audio' -%}{{- '<|audio|>' -}}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- endif -%}"
    "{{- '<turn|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|turn>model\\n' -}}{%- endif -%}"
)


def byte_piece(b: int) -> str:
    return f"<0x{b:02X}>"


class Tokenizer:
    """Vocabulary + merges; encode/decode never raise on any text or id list."""

    def __init__(self, tokens, token_types, scores, merges):
        if not (len(tokens) == len(token_types) == len(scores)):
            raise ValueError(f"tokenizer: {len(tokens)} tokens, {len(token_types)} types, {len(scores)} scores")
        self.tokens = list(tokens)
        self.token_types = [int(t) for t in token_types]
        self.scores = [float(s) for s in scores]
        self.merges = list(merges)
        self._id_of = {}
        for i, t in enumerate(self.tokens):
            if t in self._id_of:
                raise ValueError(f"tokenizer: duplicate token {t!r} at ids {self._id_of[t]} and {i}")
            self._id_of[t] = i
        for name in (BOS, EOS):
            if name not in self._id_of:
                raise ValueError(f"tokenizer: special token {name} missing")
        self._rank = {}
        for r, m in enumerate(self.merges):
            cut = m.find(" ", 1)
            if cut < 0:
                raise ValueError(f"tokenizer: merge {r} {m!r} has no space")
            self._rank.setdefault((m[:cut], m[cut + 1:]), r)
        self._byte_id = [self._id_of.get(byte_piece(b)) for b in range(256)]
        types_special = (TYPE_CONTROL, TYPE_USER_DEFINED, TYPE_UNKNOWN)
        self._special = sorted(
            (i for i, t in enumerate(self.token_types) if t in types_special and self.tokens[i]),
            key=lambda i: (-len(self.tokens[i].encode("utf-8")), i))
        # With no "▁" past a token's first character, no merge crosses a "▁", so each
        # "▁"-led chunk can be encoded alone and cached.
        self._chunks_independent = all(SPACE_MARK not in t[1:] for t in self.tokens)
        self._chunk_cache = {}

    # ---- lookup -------------------------------------------------------------------
    def __len__(self):
        return len(self.tokens)

    def piece(self, token_id: int) -> str:
        return self.tokens[token_id]

    def id(self, piece: str) -> int:
        if piece not in self._id_of:
            raise KeyError(f"tokenizer: no token {piece!r}")
        return self._id_of[piece]

    @property
    def bos_id(self):
        return self._id_of[BOS]

    @property
    def eos_id(self):
        return self._id_of[EOS]

    @property
    def pad_id(self):
        return self._id_of[PAD]

    @property
    def unk_id(self):
        return self._id_of[UNK]

    def is_control(self, token_id: int) -> bool:
        return self.token_types[token_id] == TYPE_CONTROL

    # ---- encode -------------------------------------------------------------------
    def encode(self, text: str, add_bos: bool = False) -> list:
        ids = [self.bos_id] if add_bos else []
        for fragment in self._split_special(text):
            if isinstance(fragment, int):
                ids.append(fragment)
            else:
                self._encode_fragment(fragment.replace(" ", SPACE_MARK), ids)
        return ids

    def _split_special(self, text: str) -> list:
        fragments = [text] if text else []
        for sid in self._special:
            needle = self.tokens[sid]
            out = []
            for frag in fragments:
                if isinstance(frag, int) or needle not in frag:
                    out.append(frag)
                    continue
                parts = frag.split(needle)
                for k, part in enumerate(parts):
                    if k:
                        out.append(sid)
                    if part:
                        out.append(part)
            fragments = out
        return fragments

    def _encode_fragment(self, text: str, ids: list):
        start = 0
        while start < len(text):
            is_newline = text[start] == "\n"
            end = start
            while end < len(text) and (text[end] == "\n") == is_newline:
                end += 1
            run = text[start:end]
            start = end
            if is_newline and run in self._id_of:
                ids.append(self._id_of[run])
            elif is_newline or not self._chunks_independent:
                self._symbols_to_ids(self._merge(run), ids)
            else:
                for chunk in _chunks_at_space_mark(run):
                    cached = self._chunk_cache.get(chunk)
                    if cached is None:
                        cached = []
                        self._symbols_to_ids(self._merge(chunk), cached)
                        if len(self._chunk_cache) < 200_000:
                            self._chunk_cache[chunk] = cached
                    ids.extend(cached)

    def _merge(self, run: str) -> list:
        """BPE over one run: lowest rank first, leftmost on ties (llama.cpp's order)."""
        symbols = list(run)
        n = len(symbols)
        if n < 2:
            return symbols
        nxt = list(range(1, n + 1))
        prv = list(range(-1, n - 1))
        nxt[-1] = -1
        heap = []
        rank = self._rank

        def push(left):
            right = nxt[left]
            if left < 0 or right < 0:
                return
            r = rank.get((symbols[left], symbols[right]))
            if r is not None:
                heapq.heappush(heap, (r, left, symbols[left] + symbols[right]))

        for i in range(n - 1):
            push(i)
        while heap:
            _, left, merged = heapq.heappop(heap)
            right = nxt[left]
            if right < 0 or not symbols[left] or symbols[left] + symbols[right] != merged:
                continue
            symbols[left] = merged
            symbols[right] = ""
            nxt[left] = nxt[right]
            if nxt[right] >= 0:
                prv[nxt[right]] = left
            if prv[left] >= 0:
                push(prv[left])
            push(left)
        return [s for s in symbols if s]

    def _symbols_to_ids(self, symbols: list, ids: list):
        for s in symbols:
            tid = self._id_of.get(s)
            if tid is not None:
                ids.append(tid)
                continue
            for b in s.encode("utf-8", errors="surrogatepass"):
                if self._byte_id[b] is not None:
                    ids.append(self._byte_id[b])

    # ---- decode -------------------------------------------------------------------
    def piece_bytes(self, token_id: int) -> bytes:
        """The bytes one token adds to decoded text (b"" for control/unknown/unused/out of range)."""
        if not 0 <= token_id < len(self.tokens):
            return b""
        kind = self.token_types[token_id]
        text = self.tokens[token_id]
        if kind not in (TYPE_NORMAL, TYPE_BYTE, TYPE_USER_DEFINED):
            return b""
        if kind == TYPE_BYTE:
            try:
                return bytes([int(text[3:5], 16)])
            except ValueError:
                return b""
        if kind == TYPE_USER_DEFINED:
            return text.encode("utf-8")
        return text.replace(SPACE_MARK, " ").encode("utf-8")

    def decode(self, ids) -> str:
        return b"".join(self.piece_bytes(int(i)) for i in ids).decode("utf-8", errors="replace")

    # ---- files --------------------------------------------------------------------
    def to_json(self) -> dict:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "model": "gemma4",
            "tokens": self.tokens,
            "token_types": self.token_types,
            "scores": self.scores,
            "merges": self.merges,
        }

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            json.dump(self.to_json(), f, ensure_ascii=False, indent=0)
            f.write("\n")

    @staticmethod
    def load(path) -> "Tokenizer":
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        if data.get("format") != FORMAT_NAME or data.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path}: not an {FORMAT_NAME} v{FORMAT_VERSION} file")
        return Tokenizer(data["tokens"], data["token_types"], data["scores"], data["merges"])

    def gguf_metadata(self) -> dict:
        """The tokenizer keys of the text model's GGUF, as Python values; GGUF_VALUE_TYPES
        gives the GGUF type each key must be written with."""
        return {
            "tokenizer.ggml.model": "gemma4",
            "tokenizer.ggml.tokens": list(self.tokens),
            "tokenizer.ggml.scores": list(self.scores),
            "tokenizer.ggml.token_type": list(self.token_types),
            "tokenizer.ggml.merges": list(self.merges),
            "tokenizer.ggml.bos_token_id": self.bos_id,
            "tokenizer.ggml.eos_token_id": self.eos_id,
            "tokenizer.ggml.unknown_token_id": self.unk_id,
            "tokenizer.ggml.padding_token_id": self.pad_id,
            "tokenizer.ggml.add_bos_token": True,
            "tokenizer.ggml.add_space_prefix": False,
            "tokenizer.chat_template": CHAT_TEMPLATE,
        }


# The GGUF value type of each key of Tokenizer.gguf_metadata(), as llama.cpp reads them.
GGUF_VALUE_TYPES = {
    "tokenizer.ggml.model": "string",
    "tokenizer.ggml.tokens": "array of string",
    "tokenizer.ggml.scores": "array of f32",
    "tokenizer.ggml.token_type": "array of i32",
    "tokenizer.ggml.merges": "array of string",
    "tokenizer.ggml.bos_token_id": "u32",
    "tokenizer.ggml.eos_token_id": "u32",
    "tokenizer.ggml.unknown_token_id": "u32",
    "tokenizer.ggml.padding_token_id": "u32",
    "tokenizer.ggml.add_bos_token": "bool",
    "tokenizer.ggml.add_space_prefix": "bool",
    "tokenizer.chat_template": "string",
}


def _chunks_at_space_mark(run: str):
    start = 0
    for i in range(1, len(run)):
        if run[i] == SPACE_MARK:
            yield run[start:i]
            start = i
    yield run[start:]


# ---- training -------------------------------------------------------------------------
def _words_of(lines) -> collections.Counter:
    words = collections.Counter()
    for line in lines:
        for k, word in enumerate(line.strip("\n").split(" ")):
            if word:
                words[word if k == 0 else SPACE_MARK + word] += 1
    return words


def train_bpe(lines, vocab_size: int, min_pair_count: int = 2) -> Tokenizer:
    """BPE on the given lines; vocab_size counts special, byte, character and merged tokens.

    Stops early when no pair occurs min_pair_count times. Ties between equally frequent
    pairs go to the lexically smallest (left, right), so training is deterministic.
    """
    word_counts = _words_of(lines)
    char_counts = collections.Counter()
    for word, count in word_counts.items():
        for ch in word:
            char_counts[ch] += count
    tokens = [name for name, _ in SPECIAL_TOKENS] + [byte_piece(b) for b in range(256)]
    types = [kind for _, kind in SPECIAL_TOKENS] + [TYPE_BYTE] * 256
    chars = sorted(char_counts, key=lambda ch: (-char_counts[ch], ch))
    chars = [ch for ch in chars if ch not in tokens]
    if len(tokens) + len(chars) > vocab_size:
        raise ValueError(f"train_bpe: vocab_size {vocab_size} is below the {len(tokens) + len(chars)} "
                         f"special, byte and character tokens")
    tokens += chars
    types += [TYPE_NORMAL] * len(chars)
    known = set(tokens)

    words = [list(w) for w in word_counts]
    counts = list(word_counts.values())
    pair_count = collections.Counter()
    pair_words = collections.defaultdict(set)
    for wi, symbols in enumerate(words):
        for pair in zip(symbols, symbols[1:]):
            pair_count[pair] += counts[wi]
            pair_words[pair].add(wi)
    heap = [(-c, a, b) for (a, b), c in pair_count.items()]
    heapq.heapify(heap)

    merges = []
    while len(tokens) < vocab_size and heap:
        neg, a, b = heapq.heappop(heap)
        current = pair_count.get((a, b), 0)
        if current != -neg:
            if current > 0:
                heapq.heappush(heap, (-current, a, b))
            continue
        if current < min_pair_count:
            break
        merged = a + b
        merges.append(f"{a} {b}")
        if merged not in known:
            known.add(merged)
            tokens.append(merged)
            types.append(TYPE_NORMAL)
        changed = set()
        for wi in list(pair_words.pop((a, b), ())):
            symbols = words[wi]
            c = counts[wi]
            for pair in zip(symbols, symbols[1:]):
                pair_count[pair] -= c
                changed.add(pair)
            out, i = [], 0
            while i < len(symbols):
                if i + 1 < len(symbols) and symbols[i] == a and symbols[i + 1] == b:
                    out.append(merged)
                    i += 2
                else:
                    out.append(symbols[i])
                    i += 1
            words[wi] = out
            for pair in zip(out, out[1:]):
                pair_count[pair] += c
                pair_words[pair].add(wi)
                changed.add(pair)
        for pair in changed:
            c = pair_count.get(pair, 0)
            if c <= 0:
                pair_count.pop(pair, None)
                pair_words.pop(pair, None)
            else:
                heapq.heappush(heap, (-c, pair[0], pair[1]))
    n_fixed = len(SPECIAL_TOKENS) + 256
    scores = [0.0] * n_fixed + [-float(k) for k in range(len(tokens) - n_fixed)]
    return Tokenizer(tokens, types, scores, merges)


# ---- prompts --------------------------------------------------------------------------
def transcription_instruction(language: str) -> str:
    """Gemma 4's speech recognition instruction."""
    return (f"Transcribe the following speech segment in {language} into {language} text.\n\n"
            "Follow these specific instructions for formatting the answer:\n"
            "* Only output the transcription, with no newlines.\n"
            "* When transcribing numbers, write the digits, i.e. write 1.7 and not one point seven, "
            "and write 3 instead of three.")


def translation_instruction(source: str, target: str) -> str:
    """Gemma 4's speech translation instruction."""
    return (f"Transcribe the following speech segment in {source}, then translate it into {target}.\n"
            f"When formatting the answer, first output the transcription in {source}, then one newline, "
            f"then output the string '{target}: ', then the translation in {target}.")


def text_translation_request(source: str, source_tag: str, target: str, target_tag: str, text: str) -> str:
    """A text translation request as Google documents one for Gemma (TranslateGemma's single user
    message): the instruction, two blank lines, then the text. The answer is the translation alone."""
    return (f"You are a professional {source} ({source_tag}) to {target} ({target_tag}) translator. "
            f"Your goal is to accurately convey the meaning and nuances of the original {source} text "
            f"while adhering to {target} grammar, vocabulary, and cultural sensitivities.\n"
            f"Produce only the {target} translation, without any additional explanations or commentary. "
            f"Please translate the following {source} text into {target}:\n\n\n{text}")


AUDIO_AFTER_TEXT = "audio_after_text"
AUDIO_BEFORE_TEXT = "audio_before_text"


class AudioPrompt:
    """Token ids of one user turn with audio, and where the placeholders sit."""

    def __init__(self, ids, audio_begin, audio_end):
        self.ids = ids                  # whole prompt, ends with "<|turn>model\n"
        self.audio_begin = audio_begin  # index of the first <|audio|>
        self.audio_end = audio_end      # one past the last <|audio|>

    @property
    def prefix(self):
        return self.ids[: self.audio_begin]

    @property
    def suffix(self):
        return self.ids[self.audio_end:]


def build_audio_prompt(tok: Tokenizer, instruction: str, n_audio: int,
                       placement: str = AUDIO_AFTER_TEXT) -> AudioPrompt:
    """<bos><|turn>user\\n TEXT <|audio> N x <|audio|> <audio|><turn|>\\n<|turn>model\\n
    (or the audio block before TEXT), exactly as the chat template renders it."""
    if placement not in (AUDIO_AFTER_TEXT, AUDIO_BEFORE_TEXT):
        raise ValueError(f"build_audio_prompt: unknown placement {placement!r}")
    text_ids = tok.encode(instruction.strip(" \t\n\r\f\v"))
    head = [tok.bos_id, tok.id(TURN_BEGIN)] + tok.encode("user\n")
    tail = [tok.id(TURN_END)] + tok.encode("\n") + [tok.id(TURN_BEGIN)] + tok.encode("model\n")
    if placement == AUDIO_AFTER_TEXT:
        before, after = head + text_ids + [tok.id(AUDIO_BEGIN)], [tok.id(AUDIO_END)] + tail
    else:
        before, after = head + [tok.id(AUDIO_BEGIN)], [tok.id(AUDIO_END)] + text_ids + tail
    ids = before + [tok.id(AUDIO_PLACEHOLDER)] * n_audio + after
    return AudioPrompt(ids, len(before), len(before) + n_audio)


def build_text_prompt(tok: Tokenizer, text: str) -> list:
    """<bos><|turn>user\n TEXT <turn|>\n<|turn>model\n: a user turn without audio, as the chat
    template renders it (the text trimmed)."""
    return tok.encode("<|turn>user\n" + text.strip(" \t\n\r\f\v") + "<turn|>\n<|turn>model\n", add_bos=True)


def prompt_lines(language: str, other_language: str) -> list:
    """The fixed prompt texts as training lines, so a vocabulary can cover them."""
    texts = ["user", "model", transcription_instruction(language),
             translation_instruction(language, other_language)]
    return [line for text in texts for line in text.split("\n") if line]


# ---- command line ---------------------------------------------------------------------
def read_transcript_lines(paths) -> list:
    """Text of "<utt-id> TEXT" lines; plain lines are taken whole if a file is not *.trans.txt."""
    lines = []
    for path in paths:
        is_transcript = str(path).endswith(".trans.txt")
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if is_transcript:
                    _, _, line = line.partition(" ")
                if line:
                    lines.append(line)
    return lines


def self_test(tok: Tokenizer, lines) -> int:
    failures = 0
    for line in lines:
        ids = tok.encode(line)
        if tok.decode(ids) != line:
            failures += 1
            if failures <= 5:
                print(f"round trip failed: {line!r} -> {ids}", file=sys.stderr)
    return failures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_train = sub.add_parser("train", help="train a tokenizer")
    p_train.add_argument("--text", nargs="+", required=True, help="*.trans.txt or plain text files")
    p_train.add_argument("--vocab-size", type=int, required=True)
    p_train.add_argument("--out", required=True)
    p_train.add_argument("--prompt-weight", type=int, default=0,
                         help="also train on the English prompt texts, this many times each")
    p_enc = sub.add_parser("encode", help="print the ids and pieces of TEXT")
    p_enc.add_argument("--tok", required=True)
    p_enc.add_argument("--bos", action="store_true")
    p_enc.add_argument("text")
    p_test = sub.add_parser("selftest", help="round trip every line of the files")
    p_test.add_argument("--tok", required=True)
    p_test.add_argument("files", nargs="+")
    args = parser.parse_args(argv)

    if args.command == "train":
        lines = read_transcript_lines(args.text)
        tok = train_bpe(lines + prompt_lines("English", "Spanish") * args.prompt_weight, args.vocab_size)
        tok.save(args.out)
        n_ids = sum(len(tok.encode(line)) for line in lines)
        n_chars = sum(len(line) for line in lines)
        print(f"{args.out}: {len(tok)} tokens, {len(tok.merges)} merges, "
              f"{n_chars / max(n_ids, 1):.2f} characters per token on {len(lines)} lines")
    elif args.command == "encode":
        tok = Tokenizer.load(args.tok)
        ids = tok.encode(args.text, add_bos=args.bos)
        print(" ".join(str(i) for i in ids))
        print(" ".join(tok.piece(i) for i in ids))
    elif args.command == "selftest":
        tok = Tokenizer.load(args.tok)
        lines = read_transcript_lines(args.files)
        failures = self_test(tok, lines)
        print(f"{len(lines)} lines, {failures} round-trip failures")
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
