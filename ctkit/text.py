"""Text helpers shared by the stages: offset-keeping normalisation, sentences, words.

`fold()` makes the matching form of a text (lower case, accents and Arabic hamza/alef
variants folded, tatweel, diacritics and zero-width marks dropped, space runs collapsed)
together with a map back to the original offsets, so every match slices the original text.
"""
from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

ARABIC_LETTER = re.compile(r"[\u0620-\u064A\u0671-\u06D3]")
# tatweel, Arabic diacritics, zero-width marks, soft hyphen
_DROP = ("\u0640\u064B\u064C\u064D\u064E\u064F\u0650\u0651\u0652\u0670"
         "\u200B\u200C\u200D\u200E\u200F\uFEFF\u00AD")
_DELETIONS = re.compile(f"[{_DROP}]+|[ \t]{{2,}}")
_SAME_LENGTH = {
    "\u2019": "'", "\u2018": "'", "\u02BC": "'", "\u00B4": "'", "`": "'", "\u2032": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00A0": " ", "\u2007": " ", "\u202F": " ", "\u2009": " ", "\u200A": " ", "\t": " ",
    "\u0649": "\u064A", "\u0629": "\u0647", "\u06CC": "\u064A", "\u06A9": "\u0643",
}


@cache
def _table() -> dict[int, str]:
    """One-to-one folding table: lower case, base letter without marks, punctuation variants."""
    table: dict[int, str] = {}
    for cp in range(0x20, 0x0700):
        c = chr(cp)
        low = c.lower()
        if len(low) != 1:
            low = c
        base = unicodedata.normalize("NFD", low)[0]
        if base != c:
            table[cp] = base
    for cp in range(0x1E00, 0x1F00):  # Latin extended additional (ạ, ṣ ...)
        base = unicodedata.normalize("NFD", chr(cp).lower())[0]
        table[cp] = base
    for k, v in _SAME_LENGTH.items():
        table[ord(k)] = v
    table[ord("İ")] = "i"
    return table


@lru_cache(maxsize=16)
def fold(text: str) -> tuple[str, list[int] | None]:
    """Matching form of `text` and, when characters were dropped, norm index -> text index.

    Cached: the stages of one document fold the same body several times. Do not mutate the
    returned index list.
    """
    if not _DELETIONS.search(text):
        return text.translate(_table()), None
    pieces: list[str] = []
    index: list[int] = []
    pos = 0
    for m in _DELETIONS.finditer(text):
        pieces.append(text[pos:m.start()])
        index.extend(range(pos, m.start()))
        if m.group()[0] in " \t":  # a run of spaces keeps one
            pieces.append(" ")
            index.append(m.start())
        pos = m.end()
    pieces.append(text[pos:])
    index.extend(range(pos, len(text)))
    return "".join(pieces).translate(_table()), index


def fold_key(name: str) -> str:
    """Matching form of a gazetteer name."""
    norm, _ = fold(" ".join(name.split()))
    return norm


def span(index: list[int] | None, start: int, end: int) -> tuple[int, int]:
    """Original-text offsets of a match at norm[start:end]."""
    if index is None:
        return start, end
    return index[start], index[end - 1] + 1


# ---------------------------------------------------------------- sentences

_ABBREV = {"mr", "mrs", "ms", "dr", "m", "mm", "mme", "mlle", "gen", "col", "lt", "st", "no",
           "vs", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
           "dec", "etc", "inc", "ltd", "co", "corp", "gov", "sen", "rep", "prof", "p", "pp",
           "art", "cf", "av", "bd", "gén", "cdt", "jr", "sr", "u.s", "u.k", "u.n", "e.g", "i.e"}
_END = re.compile(r"[.!?؟…]+[\"'»”)\]]*(?=\s+)|\n\s*")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; paragraphs (newlines) always end a sentence."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        if m.group()[0] in ".":
            word = re.search(r"([\w.]+)\.$", text[max(start, m.start() - 12):m.start() + 1])
            if word and (word.group(1).lower() in _ABBREV or len(word.group(1)) == 1):
                continue
            nxt = text[end:end + 40].lstrip()
            if nxt and nxt[0].islower():
                continue
        seg = text[start:end]
        if seg.strip():
            lead = len(seg) - len(seg.lstrip())
            out.append((start + lead, start + len(seg.rstrip())))
        start = end
    seg = text[start:]
    if seg.strip():
        lead = len(seg) - len(seg.lstrip())
        out.append((start + lead, start + len(seg.rstrip())))
    return out


WORD = re.compile(r"\w+", re.UNICODE)


def n_words(text: str) -> int:
    """Number of words (runs of letters/digits)."""
    return sum(1 for _ in WORD.finditer(text))


_LETTER = re.compile(r"[^\W\d_]")
_ARABIC = re.compile(r"[\u0620-\u064A\u0671-\u06D3]")


def is_arabic(text: str, *, share: float = 0.3) -> bool:
    """True when at least `share` of the letters are Arabic."""
    letters = len(_LETTER.findall(text))
    return bool(letters) and len(_ARABIC.findall(text)) / letters >= share
