#!/usr/bin/env python3
# Generates the Unicode tables that make bertd's Tokenizer match Hugging Face `tokenizers` exactly.
#
# Pinned versions: tokenizers==0.22.2 (transformers==4.57.6 not needed here), Python 3.11,
# libutf8proc 2.8.0 (the library the Swift target links, loaded here through ctypes).
#
# The reference mixes Unicode versions: categories (control, punctuation, nonspacing marks) come from an
# older table than utf8proc's, decompositions from an older normalization crate, lowercasing from a newer
# Rust std. We probe the reference on every code point, compare with utf8proc, and write the differences:
#   Sources/Tokenizer/ReferenceExceptions.swift   the exception tables (used by the library)
#   Tests/Fixtures/tokenizer/unicode.txt          the reference's answer per code point (used by a test)
#
# Usage: nice -n 10 python3 scripts/make_tokenizer_tables.py   (from the repository root)
import ctypes
import pathlib
import sys

import tokenizers
from tokenizers import normalizers, pre_tokenizers

assert tokenizers.__version__ == "0.22.2", tokenizers.__version__

ROOT = pathlib.Path(__file__).resolve().parent.parent
lib = ctypes.CDLL("libutf8proc.so.2")
lib.utf8proc_category.restype = ctypes.c_int
lib.utf8proc_tolower.restype = ctypes.c_int32
lib.utf8proc_decompose_char.restype = ctypes.c_ssize_t
lib.utf8proc_version.restype = ctypes.c_char_p
UTF8PROC_VERSION = lib.utf8proc_version().decode()
CATEGORIES = "Cn Lu Ll Lt Lm Lo Mn Mc Me Nd Nl No Pc Pd Ps Pe Pi Pf Po Sm Sc Sk So Zs Zl Zp Cc Cf Cs Co".split()
DECOMPOSE = 1 << 4  # UTF8PROC_DECOMPOSE
_buffer = (ctypes.c_int32 * 32)()
_boundclass = ctypes.c_int(0)


def category(cp):
    return CATEGORIES[lib.utf8proc_category(cp)]


def decompose(cp):
    n = lib.utf8proc_decompose_char(cp, _buffer, 32, DECOMPOSE, ctypes.byref(_boundclass))
    return [_buffer[i] for i in range(n)]


def bert(clean=False, chinese=False, strip=False, lower=False):
    return normalizers.BertNormalizer(
        clean_text=clean, handle_chinese_chars=chinese, strip_accents=strip, lowercase=lower)


clean = bert(clean=True)
chinese = bert(chinese=True)
strip_only = bert(strip=True)
lower_only = bert(lower=True)
full = bert(clean=True, chinese=True, strip=True, lower=True)
pre = pre_tokenizers.BertPreTokenizer()


def ranges(points):
    out = []
    for p in points:
        if out and out[-1][1] == p - 1:
            out[-1][1] = p
        else:
            out.append([p, p])
    return out


def utf8proc_punctuation(cp):
    return 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126 or category(cp)[0] == "P"


def utf8proc_removed(cp):
    return cp == 0 or cp == 0xFFFD or (cp not in (9, 10, 13) and category(cp) in ("Cc", "Cf", "Co", "Cs"))


kept_format, punct_flips, mark_flips = [], [], []
decomposition_exceptions, lowercase_exceptions = {}, {}
classes = []  # (cp, class)
mappings = []  # lines of unicode.txt after the class runs
for cp in range(0x110000):
    if 0xD800 <= cp <= 0xDFFF:
        continue
    c = chr(cp)
    cleaned = clean.normalize_str(c)
    removed = cleaned == ""
    if removed != utf8proc_removed(cp):
        assert not removed and category(cp) == "Cf", hex(cp)
        kept_format.append(cp)
    pieces = [s for s, _ in pre.pre_tokenize_str("a" + c + "b")]
    if pieces == ["a", c, "b"]:
        split = "p"
    elif pieces == ["a", "b"]:
        split = "s"
    else:
        assert pieces == ["a" + c + "b"], (hex(cp), pieces)
        split = "w"
    if (split == "p") != utf8proc_punctuation(cp):
        punct_flips.append(cp)
    if removed:
        kind = "R"
    elif cleaned == " ":
        kind = "W"
    elif chinese.normalize_str(c) != c:
        assert chinese.normalize_str(c) == " " + c + " "
        kind = "C"
    else:
        kind = "K"
    classes.append((cp, kind + split))
    # A lone code point has no neighbours to reorder with, so NFD(c) is its full decomposition.
    decomposed = decompose(cp)
    if [ord(x) for x in normalizers.NFD().normalize_str(c)] != decomposed:
        decomposition_exceptions[cp] = [ord(x) for x in normalizers.NFD().normalize_str(c)]
    if len(decomposed) == 1:
        is_mark = strip_only.normalize_str(c) == ""
        if is_mark != (category(cp) == "Mn"):
            mark_flips.append(cp)
    lowered = [ord(x) for x in lower_only.normalize_str(c)]
    if lowered != [lib.utf8proc_tolower(cp)]:
        lowercase_exceptions[cp] = lowered
    for tag, normalizer in (("M", full), ("L", lower_only), ("S", strip_only)):
        if removed and tag == "M":
            continue
        out = normalizer.normalize_str(c)
        if tag == "M" and kind == "C":
            out = out[1:-1]
        if out != c and not (tag == "M" and kind == "W"):
            mappings.append(f"{tag} {cp:X} " + " ".join(f"{ord(x):X}" for x in out))


def swift_ranges(points):
    rows = [f"0x{a:X}...0x{b:X}" for a, b in ranges(points)]
    return "[\n" + "".join(f"        {r},\n" for r in rows) + "    ]"


def swift_map(table):
    rows = [f"0x{k:X}: [" + ", ".join(f"0x{v:X}" for v in vs) + "]" for k, vs in sorted(table.items())]
    return "[\n" + "".join(f"        {r},\n" for r in rows) + "    ]"


swift = f"""// Generated by scripts/make_tokenizer_tables.py (tokenizers 0.22.2, utf8proc {UTF8PROC_VERSION}). Do not edit.
//
// Where the Hugging Face reference and utf8proc disagree about a code point. The reference builds its
// categories and decompositions from older Unicode tables and its lowercasing from a newer Rust std.

/// Exception tables that bend utf8proc's answers into the reference's.
enum ReferenceExceptions {{
    /// Format (Cf) characters that the reference does not treat as control characters, so keeps.
    static let keptFormatCharacters: [ClosedRange<UInt32>] = {swift_ranges(kept_format)}

    /// Code points whose punctuation status (ASCII punctuation or P*) differs in the reference.
    static let punctuationFlips: [ClosedRange<UInt32>] = {swift_ranges(punct_flips)}

    /// Code points whose nonspacing-mark (Mn) status differs in the reference.
    static let nonspacingMarkFlips: [ClosedRange<UInt32>] = {swift_ranges(mark_flips)}

    /// Canonical decompositions that differ in the reference.
    static let decompositions: [UInt32: [UInt32]] = {swift_map(decomposition_exceptions)}

    /// Lowercase mappings that differ in the reference (Rust `char::to_lowercase`).
    static let lowercase: [UInt32: [UInt32]] = {swift_map(lowercase_exceptions)}
}}
"""
(ROOT / "Sources/Tokenizer/ReferenceExceptions.swift").write_text(swift)

runs = []
for cp, cls in classes:
    if runs and runs[-1][2] == cls and runs[-1][1] + 1 == cp:
        runs[-1][1] = cp
    else:
        runs.append([cp, cp, cls])
with open(ROOT / "Tests/Fixtures/tokenizer/unicode.txt", "w") as f:
    f.write("# Generated by scripts/make_tokenizer_tables.py (tokenizers 0.22.2). One code point class per run:\n")
    f.write("# 'start end XY' (hex): X = R removed, W whitespace to space, C CJK ideograph, K kept;\n")
    f.write("# Y = p punctuation, s whitespace, w word (BertPreTokenizer). Then per code point mappings:\n")
    f.write("# 'M cp out...' lowercase+strip+chinese normalizer, 'L cp out...' lowercase only, 'S cp out...' strip only.\n")
    for a, b, cls in runs:
        f.write(f"{a:X} {b:X} {cls}\n")
    for line in mappings:
        f.write(line + "\n")
print(f"kept format {len(kept_format)}, punct flips {len(punct_flips)}, mark flips {len(mark_flips)}, "
      f"decomposition exceptions {len(decomposition_exceptions)}, lowercase exceptions {len(lowercase_exceptions)}, "
      f"runs {len(runs)}, mappings {len(mappings)}", file=sys.stderr)
