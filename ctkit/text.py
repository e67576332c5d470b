"""Text helpers shared by the stages: offset-keeping normalisation, sentences, words.

`fold()` makes the matching form of a text (lower case, accents and Arabic hamza/alef
variants folded, tatweel, diacritics and zero-width marks dropped, space runs collapsed)
together with a map back to the original offsets, so every match slices the original text.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache, lru_cache, update_wrapper
from typing import TYPE_CHECKING, Generic, TypeVar

if TYPE_CHECKING:
    import numpy as np

ARABIC_LETTER = re.compile(r"[\u0620-\u064A\u0671-\u06D3]")
# tatweel, Arabic diacritics, zero-width marks, soft hyphen
_DROP = ("\u0640\u064B\u064C\u064D\u064E\u064F\u0650\u0651\u0652\u0670"
         "\u200B\u200C\u200D\u200E\u200F\uFEFF\u00AD")
_DELETIONS = re.compile(f"[{_DROP}]+|[ \t]{{2,}}")
_DROPPED = re.compile(f"[{_DROP}]")  # a quick test: most texts have nothing to delete
_SAME_LENGTH = {
    "\u2019": "'", "\u2018": "'", "\u02BC": "'", "\u00B4": "'", "`": "'", "\u2032": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00A0": " ", "\u2007": " ", "\u202F": " ", "\u2009": " ", "\u200A": " ", "\t": " ",
    "\u0649": "\u064A", "\u0629": "\u0647", "\u06CC": "\u064A", "\u06A9": "\u0643",
}


@cache
def _table() -> list[str]:
    """One-to-one folding table: lower case, base letter without marks, punctuation variants.

    A list indexed by code point (characters past its end stay as they are): `str.translate`
    indexes a list faster than it looks up a dict."""
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
    out = [chr(cp) for cp in range(max(table) + 1)]
    for cp, c in table.items():
        out[cp] = c
    return out


def _translate(text: str) -> str:
    """`text.translate(_table())`, by a numpy lookup for long non-ASCII texts: `str.translate`
    reads such a text one code point at a time through the list (~20 ns each, 4x slower)."""
    if len(text) < 200 or text.isascii():  # short: numpy's fixed cost; ASCII: a C fast path
        return text.translate(_table())
    import numpy as np

    table = _code_table()
    cps = code_points(text)
    if cps.max() >= len(table):  # past the table's end: unchanged
        cps = np.where(cps < len(table), table[np.minimum(cps, len(table) - 1)], cps)
    else:
        cps = table[cps]
    return cps.tobytes().decode("utf-32-le", "surrogatepass")


@cache
def _code_table() -> np.ndarray:
    """`_table()` as code points (every entry is one character)."""
    import numpy as np

    return np.array([ord(c) for c in _table()], dtype=np.uint32)


@lru_cache(maxsize=16)
def fold(text: str) -> tuple[str, list[int] | None]:
    """Matching form of `text` and, when characters were dropped, norm index -> text index.

    Cached: the stages of one document fold the same body several times. Do not mutate the
    returned index list.
    """
    maybe = _DROPPED.search(text) or "  " in text or "\t" in text
    if not (maybe and _DELETIONS.search(text)):
        return _translate(text), None
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
    return _translate("".join(pieces)), index


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
# A run of . ! ? ؟ … (then closing quotes) before white space, or a newline with the white space
# after it. Written to start with one character class so that `re` skips straight to candidates.
_END = re.compile(r"[.!?؟…\n](?:(?<=\n)\s*|[.!?؟…]*[\"'»”)\]]*(?=\s+))")
_DOT_WORD = re.compile(r"([\w.]+)\.$")  # the word a full stop ends ("Dr", "U.S")
_TRIMMED = re.compile(r"\S(?:.*\S)?", re.DOTALL)  # a span without its outer white space


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; paragraphs (newlines) always end a sentence."""
    out: list[tuple[int, int]] = []
    start = 0
    for m in _END.finditer(text):
        end = m.end()
        stop = m.start()
        if text[stop] == ".":
            word = _DOT_WORD.search(text, max(start, stop - 12), stop + 1)
            if word and (len(w := word.group(1)) == 1 or w.lower() in _ABBREV):
                continue
            nxt = text[end:end + 40].lstrip()
            if nxt and nxt[0].islower():
                continue
        if s := _TRIMMED.search(text, start, end):
            out.append(s.span())
        start = end
    if s := _TRIMMED.search(text, start):
        out.append(s.span())
    return out


WORD = re.compile(r"\w+", re.UNICODE)
_T = TypeVar("_T")


class _LastText(Generic[_T]):
    """`fn` with its result kept for the last text it read (the same object, not an equal one):
    the stages of one document read the same body, so they share one computation."""

    def __init__(self, fn: Callable[[str], _T]) -> None:
        self.fn = fn
        self.last: tuple[str, _T] | None = None
        update_wrapper(self, fn)

    def __call__(self, text: str) -> _T:
        got = self.last  # one read: the pair stays consistent if threads share it
        if got is not None and got[0] is text:
            return got[1]
        result = self.fn(text)
        self.last = (text, result)
        return result

    def keep(self, text: str, result: _T) -> None:
        """Take `result` as `fn(text)`: for a caller that has it already at no cost."""
        self.last = (text, result)


@_LastText
def words(text: str) -> list[str]:
    """The words of `text` (runs of letters/digits, `WORD`), in order; do not modify the list.

    Kept for the last text: the word count, the language test and the near-duplicate hash of
    one document share one scan of its body; `clean` hands over the body's words, which it
    has from its lines (`words.keep`)."""
    return WORD.findall(text)


@_LastText
def lowered_words(text: str) -> str:
    """The words of `text` lower-cased and joined by single spaces (kept like `words`)."""
    return " ".join(words(text)).lower()  # lowering adds no white space: one word stays one


@_LastText
def code_points(text: str) -> np.ndarray:
    """The code points of `text` as a read-only uint32 array (kept like `words`): the script
    test and the folding of a long body read it from one conversion."""
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def n_words(text: str) -> int:
    """Number of words (runs of letters/digits)."""
    return len(words(text))


_LETTER = re.compile(r"[^\W\d_]+")  # runs: counted by their lengths, not char by char
_ARABIC = re.compile(r"[\u0620-\u064A\u0671-\u06D3]+")  # all of them letters for _LETTER


def _arabic_letters(text: str) -> int:
    """How many characters of `text` `_ARABIC` matches. Long texts: a numpy lookup of their
    code points (shared with `fold`), 4x faster than the regex over a Latin text."""
    if text.isascii():
        return 0
    if len(text) < 200:
        return sum(map(len, _ARABIC.findall(text)))
    import numpy as np

    table = _arabic_table()
    return int(np.count_nonzero(table[np.minimum(code_points(text), len(table) - 1)]))


@cache
def _arabic_table() -> np.ndarray:
    """Code point -> is an `_ARABIC` letter, for code points up to one past the last."""
    import numpy as np

    table = np.zeros(0x6D5, dtype=bool)
    table[0x620:0x64B] = table[0x671:0x6D4] = True
    return table


def is_arabic(text: str, *, share: float = 0.3) -> bool:
    """True when at least `share` of the letters are Arabic.

    Most texts are settled before all letters are counted: no Arabic letter at all, or
    Arabic letters already `share` of all characters (there are never more letters).
    """
    if not text:
        return False
    arabic = _arabic_letters(text)
    if share > 0 and not arabic:
        return False
    if arabic and arabic / len(text) >= share:
        return True
    letters = sum(map(len, _LETTER.findall(text)))
    return bool(letters) and arabic / letters >= share
