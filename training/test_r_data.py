"""Tests of training/r_data.py: R objects serialised by hand in R's XDR format, in both
containers (a lazy-load database, an .rda file), and the installed janeaustenr's books where
that package is there.

  /usr/bin/python3 training/test_r_data.py
"""
import gzip
import lzma
import pathlib
import struct
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import r_data  # noqa: E402

ATTR, TAG = 1 << 9, 1 << 10


def i32(*values) -> bytes:
    return struct.pack(f">{len(values)}i", *values)


def charsxp(text) -> bytes:
    if text is None:
        return i32(0x00040009, -1)
    data = text.encode("utf-8")
    return i32(0x00040009, len(data)) + data


class Symbols:
    """Writes symbols as R does: the first time in full, then as a reference."""

    def __init__(self):
        self.seen = []

    def __call__(self, name: str) -> bytes:
        if name in self.seen:
            return i32(((self.seen.index(name) + 1) << 8) | 255)
        self.seen.append(name)
        return i32(1) + charsxp(name)


def pairlist(attributes: dict, symbols: Symbols) -> bytes:
    out = b""
    for name, value in attributes.items():
        out += i32(2 | TAG) + symbols(name) + value
    return out + i32(254)


def strsxp(texts, attributes=None, symbols=None) -> bytes:
    out = i32(16 | (ATTR if attributes else 0), len(texts)) + b"".join(charsxp(t) for t in texts)
    return out + (pairlist(attributes, symbols) if attributes else b"")


def intsxp(values) -> bytes:
    return i32(13, len(values), *values)


def serialised(body: bytes, version: int = 2) -> bytes:
    header = b"X\n" + i32(version, 0x040202, 0x020300)
    if version == 3:
        header += i32(5) + b"UTF-8"
    return header + body


def data_frame() -> bytes:
    symbols = Symbols()
    columns = strsxp(["Emma", "Emma", "Persuasion"]) + strsxp(["It was", None, "Sir Walter"])
    attributes = {"names": strsxp(["title", "text"]), "class": strsxp(["data.frame"]),
                  "row.names": intsxp([-2147483648, -3])}
    return i32(19 | ATTR, 2) + columns + pairlist(attributes, symbols)


def lazyload_blob(obj: bytes) -> bytes:
    return struct.pack(">I", len(obj)) + zlib.compress(obj)


class UnserializeTest(unittest.TestCase):
    def test_character_vector_with_a_missing_value(self):
        self.assertEqual(r_data.unserialize(serialised(strsxp(["a line", None, "ünïcode"]))),
                         ["a line", None, "ünïcode"])

    def test_version_three_skips_the_encoding_name(self):
        self.assertEqual(r_data.unserialize(serialised(strsxp(["x"]), version=3)), ["x"])

    def test_data_frame_columns_by_name(self):
        frame = r_data.unserialize(serialised(data_frame()))
        self.assertEqual(frame.attributes["names"], ["title", "text"])
        self.assertEqual(frame.attributes["class"], ["data.frame"])
        self.assertEqual(frame.column("text"), ["It was", None, "Sir Walter"])
        self.assertEqual(r_data.values(frame)[0], ["Emma", "Emma", "Persuasion"])

    def test_repeated_symbols_are_read_through_references(self):
        symbols = Symbols()
        inner = strsxp(["a"], {"names": strsxp(["first"])}, symbols)
        outer = i32(19 | ATTR, 1) + inner + pairlist({"names": strsxp(["second"])}, symbols)
        self.assertIn(i32((1 << 8) | 255), outer)  # "names" the second time is a reference
        obj = r_data.unserialize(serialised(outer))
        self.assertEqual(obj.attributes, {"names": ["second"]})
        self.assertEqual(obj.values[0].attributes, {"names": ["first"]})

    def test_unread_types_are_named(self):
        closure = i32(3)  # CLOSXP
        with self.assertRaisesRegex(ValueError, "type 3"):
            r_data.unserialize(serialised(closure))

    def test_other_formats_are_refused(self):
        with self.assertRaisesRegex(ValueError, "XDR"):
            r_data.unserialize(b"A\n2\n")


class ContainerTest(unittest.TestCase):
    def test_lazyload_database_in_file_order(self):
        with tempfile.TemporaryDirectory() as d:
            path = pathlib.Path(d) / "Rdata.rdb"
            path.write_bytes(lazyload_blob(serialised(strsxp(["one"])))
                             + lazyload_blob(serialised(data_frame())))
            first, second = r_data.lazyload_objects(path)
        self.assertEqual(first, ["one"])
        self.assertEqual(second.column("title"), ["Emma", "Emma", "Persuasion"])

    def test_damaged_lazyload_database_is_an_error(self):
        blob = lazyload_blob(serialised(strsxp(["one"])))
        with tempfile.TemporaryDirectory() as d:
            path = pathlib.Path(d) / "Rdata.rdb"
            path.write_bytes(blob[:-6])
            with self.assertRaisesRegex(ValueError, "damaged object at byte 0"):
                r_data.lazyload_objects(path)

    def test_rda_files_compressed_either_way(self):
        symbols = Symbols()
        body = b"RDX3\n" + serialised(pairlist({"books": data_frame(), "title": strsxp(["t"])}, symbols), 3)
        for compress in (gzip.compress, lzma.compress, lambda b: b):
            with tempfile.TemporaryDirectory() as d:
                path = pathlib.Path(d) / "books.rda"
                path.write_bytes(compress(body))
                objects = r_data.rda_objects(path)
            self.assertEqual(list(objects), ["books", "title"])
            self.assertEqual(objects["books"].column("text")[2], "Sir Walter")


JANEAUSTENR = pathlib.Path("/usr/lib/R/site-library/janeaustenr/data/Rdata.rdb")


@unittest.skipUnless(JANEAUSTENR.exists(), "r-cran-janeaustenr is not installed")
class InstalledPackageTest(unittest.TestCase):
    def test_six_novels_as_lines(self):
        books = [r_data.values(b) for b in r_data.lazyload_objects(JANEAUSTENR)]
        self.assertEqual(len(books), 6)
        self.assertEqual(books[0][0], "EMMA")
        self.assertTrue(all(len(b) > 7000 and all(isinstance(line, str) for line in b) for b in books))


if __name__ == "__main__":
    unittest.main()
