"""Reads the data sets that Debian's GNU R packages ship (books as character vectors, data
frames of text) without R: R's XDR serialisation, in the two containers packages use.

  lazy-load databases  data/Rdata.rdb: one object after another, each a 4-byte big-endian
                       length and a zlib stream (data/Rdata.rdx names them; not needed here)
  .rda / .RData files  "RDX2\\n" or "RDX3\\n" and a serialised pairlist of named objects,
                       whole-file gzip, bzip2 or xz compressed

Objects come back as Python values: character, logical, integer and double vectors as lists
(NA strings as None); lists (VECSXP) as lists; pairlists as dicts by tag; a vector with
attributes as RVector(values, attributes), so a data frame is RVector([column, ...],
{"names": [...], "class": [...], ...}). Environments, closures, bytecode and ALTREP compact
forms are not read: ValueError names the type.
"""
import bz2
import gzip
import lzma
import pathlib
import struct
import zlib
from typing import NamedTuple


class RVector(NamedTuple):
    values: list
    attributes: dict

    def column(self, name: str) -> list:
        """A data frame's column by name."""
        return self.values[self.attributes["names"].index(name)]


def values(obj) -> list:
    """A vector's values, whether or not it carries attributes."""
    return obj.values if isinstance(obj, RVector) else obj


# SEXP types (R Internals, "Serialization Formats").
SYMSXP, LISTSXP, LANGSXP, CHARSXP, LGLSXP, INTSXP, REALSXP, STRSXP, VECSXP, EXPRSXP = 1, 2, 6, 9, 10, 13, 14, 16, 19, 20
REFSXP, NILVALUE_SXP = 255, 254
SINGLETONS = {254, 253, 252, 251, 242}  # nil, global env, unbound, missing arg, empty env
HAS_ATTRIBUTES, HAS_TAG = 1 << 9, 1 << 10


class _Reader:
    def __init__(self, data: bytes, start: int):
        self.data, self.pos, self.refs = data, start, []

    def int(self) -> int:
        (value,) = struct.unpack_from(">i", self.data, self.pos)
        self.pos += 4
        return value

    def numbers(self, fmt: str, size: int) -> list:
        n = self.int()
        values = list(struct.unpack_from(f">{n}{fmt}", self.data, self.pos))
        self.pos += n * size
        return values

    def item(self):
        flags = self.int()
        kind = flags & 0xFF
        if kind in SINGLETONS:
            return None
        if kind == REFSXP:
            index = flags >> 8 or self.int()
            return self.refs[index - 1]
        if kind == SYMSXP:
            name = self.item()
            self.refs.append(name)
            return name
        if kind in (LISTSXP, LANGSXP):
            return self.pairlist(flags)
        if kind == CHARSXP:
            n = self.int()
            if n == -1:
                return None
            text = self.data[self.pos:self.pos + n].decode("utf-8", "replace")
            self.pos += n
            return text
        if kind in (LGLSXP, INTSXP):
            values = self.numbers("i", 4)
        elif kind == REALSXP:
            values = self.numbers("d", 8)
        elif kind in (STRSXP, VECSXP, EXPRSXP):
            values = [self.item() for _ in range(self.int())]
        else:
            raise ValueError(f"R object of type {kind} at byte {self.pos - 4} is not read")
        if flags & HAS_ATTRIBUTES:
            return RVector(values, self.item())
        return values

    def pairlist(self, flags: int) -> dict:
        out = {}
        while True:
            if flags & HAS_ATTRIBUTES:
                self.item()
            tag = self.item() if flags & HAS_TAG else None
            out[tag if tag is not None else len(out)] = self.item()
            flags = self.int()
            if flags & 0xFF == NILVALUE_SXP:
                return out
            if flags & 0xFF not in (LISTSXP, LANGSXP):
                raise ValueError(f"a pairlist continued by type {flags & 0xFF}")


def unserialize(data: bytes):
    """One object from R's serialisation (XDR format, versions 2 and 3)."""
    if data[:5] in (b"RDX2\n", b"RDX3\n"):
        data = data[5:]
    if data[:2] != b"X\n":
        raise ValueError("not R's XDR serialisation")
    reader = _Reader(data, 2)
    version = reader.int()
    reader.pos += 8  # the writer's and the minimal reader's R versions
    if version == 3:
        reader.pos += 4 + reader.int()  # the native encoding's name
    elif version != 2:
        raise ValueError(f"serialisation version {version}")
    return reader.item()


def lazyload_objects(rdb: pathlib.Path) -> list:
    """Every object of a lazy-load database, in file order."""
    data = pathlib.Path(rdb).read_bytes()
    objects, pos = [], 0
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        stream = zlib.decompressobj()
        payload = stream.decompress(data[pos + 4:])
        if len(payload) != length or not stream.eof:
            raise ValueError(f"{rdb}: a damaged object at byte {pos}")
        objects.append(unserialize(payload))
        pos = len(data) - len(stream.unused_data)
    return objects


def rda_objects(path: pathlib.Path) -> dict:
    """The named objects of an .rda file."""
    data = pathlib.Path(path).read_bytes()
    for magic, decompress in ((b"\x1f\x8b", gzip.decompress), (b"BZh", bz2.decompress),
                              (b"\xfd7zXZ", lzma.decompress)):
        if data.startswith(magic):
            data = decompress(data)
            break
    return unserialize(data)
