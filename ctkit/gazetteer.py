"""Single-pass gazetteer matching: one Aho-Corasick automaton over the folded text.

Names are folded like the text (`ctkit.text.fold`), so case, accents, hamza forms, tatweel,
diacritics and space runs do not matter; a hit must sit on word boundaries, may carry Arabic
clitics in front (و ب ل ف ك and their pairs, لل for ال after ل), and may be required to be
capitalised or written exactly (acronyms). Overlaps resolve to the longest hit.
"""
from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import ahocorasick

from .text import ARABIC_LETTER, fold, fold_key, span

CLITICS = frozenset({"", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "فك", "وال"})


@dataclass(frozen=True)
class Entry:
    """One name variant: what it is (payload) and how it must be written to count."""

    key: str
    payload: Any
    case: str = "any"        # any | capital (first letter upper case) | exact (acronyms)
    surface: str = ""        # the name as listed, for `case == "exact"`


@dataclass(frozen=True)
class Hit:
    """A match in the original text."""

    start: int
    end: int
    surface: str
    entries: tuple[Entry, ...]

    @property
    def entry(self) -> Entry:
        """The first entry for this name that matched (most names have one)."""
        return self.entries[0]


class Gazetteer:
    """An automaton over name variants; build once per process, then call `find`."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self._auto = ahocorasick.Automaton()
        grouped: dict[str, list[Entry]] = {}
        for e in entries:
            if e.key:
                grouped.setdefault(e.key, []).append(e)
                if e.key.startswith("ال") and len(e.key) > 3:  # ل + ال -> لل
                    grouped.setdefault("لل" + e.key[2:], []).append(e)
        for key, es in grouped.items():
            self._auto.add_word(key, (len(key), tuple(es)))
        self.size = len(grouped)
        if grouped:
            self._auto.make_automaton()

    def find(self, text: str) -> list[Hit]:
        """Non-overlapping hits in `text`, leftmost-longest, offsets into `text`."""
        if not self.size:
            return []
        norm, index = fold(text)
        cands: list[tuple[int, int, tuple[Entry, ...]]] = []
        for end_i, (length, entries) in self._auto.iter(norm):
            s, e = end_i - length + 1, end_i + 1
            if not _bounded(norm, s, e):
                continue
            os_, oe = span(index, s, e)
            surface = text[os_:oe]
            ok = tuple(entry for entry in entries if _cased(entry, surface))
            if ok:
                cands.append((os_, oe, ok))
        out: list[Hit] = []
        last_end = -1
        for s, e, ok in sorted(cands, key=lambda c: (c[0], -(c[1] - c[0]))):
            if s >= last_end:  # leftmost-longest, non-overlapping
                out.append(Hit(s, e, text[s:e], ok))
                last_end = e
        return out


def _bounded(norm: str, s: int, e: int) -> bool:
    """True when norm[s:e] is a whole word (Arabic: possibly behind clitics)."""
    if e < len(norm) and norm[e].isalnum():
        return False
    if s == 0 or not norm[s - 1].isalnum():
        return True
    if not ARABIC_LETTER.match(norm[s - 1]):
        return False
    i = s
    while i > 0 and norm[i - 1].isalnum() and s - i < 3:
        i -= 1
    if i > 0 and norm[i - 1].isalnum():
        return False
    return norm[i:s] in CLITICS


def _cased(entry: Entry, surface: str) -> bool:
    if entry.case == "any":
        return True
    if entry.case == "exact":
        return surface == entry.surface
    first = next((c for c in surface if c.isalpha()), "")
    return first.isupper()


def build(rows: Iterable[tuple[str, Any, str]]) -> Gazetteer:
    """A gazetteer from (name, payload, case) triples."""
    return Gazetteer(Entry(fold_key(n), p, c, n) for n, p, c in rows)


def read_tsv(name: str) -> Iterator[dict[str, str]]:
    """Rows of a shipped data file in `ctkit/data/`, skipping `#` comment lines."""
    text = resources.files("ctkit").joinpath(f"data/{name}").read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    yield from csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)


@cache
def data_rows(name: str) -> tuple[dict[str, str], ...]:
    """Cached rows of a shipped data file."""
    return tuple(read_tsv(name))
