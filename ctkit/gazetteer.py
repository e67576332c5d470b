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
from typing import Any, NamedTuple

import ahocorasick

from .text import ARABIC_LETTER, fold, fold_key

CLITICS = frozenset({"", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل", "وك", "فك", "وال"})


@dataclass(frozen=True)
class Entry:
    """One name variant: what it is (payload) and how it must be written to count."""

    key: str
    payload: Any
    case: str = "any"        # any | capital (first letter upper case) | exact (acronyms)
    surface: str = ""        # the name as listed, for `case == "exact"`


class Hit(NamedTuple):
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
    """An automaton over name variants; build once per process, then call `find`.

    Gazetteers that run over the same texts can share one pass (`share_pass`): one automaton
    holds all their names and each text is scanned once for all of them.
    """

    def __init__(self, entries: Iterable[Entry]) -> None:
        grouped: dict[str, list[Entry]] = {}
        for e in entries:
            if e.key:
                grouped.setdefault(e.key, []).append(e)
                if e.key.startswith("ال") and len(e.key) > 3:  # ل + ال -> لل
                    grouped.setdefault("لل" + e.key[2:], []).append(e)
        self.keys = {k: tuple(es) for k, es in grouped.items()}
        self.size = len(grouped)
        self._pass: _Pass | None = None  # built on first use, unless `share_pass` gives one
        self._slot = 0

    def find(self, text: str) -> list[Hit]:
        """Non-overlapping hits in `text`, leftmost-longest, offsets into `text`."""
        if not self.size:
            return []
        if self._pass is None:
            self._pass = _Pass((self,))
        return list(self._pass.scan(text)[self._slot])


def share_pass(*gazetteers: Gazetteer) -> None:
    """Let `gazetteers` find their names in one automaton pass per text.

    Each text is scanned once for all of them and the hits of the last text scanned are kept,
    so the stages of one document, which all read the same body, pay for one scan. Results do
    not change: every gazetteer still sees only its own names.
    """
    shared = _Pass(gazetteers)
    for slot, g in enumerate(gazetteers):
        g._pass, g._slot = shared, slot


class _Pass:
    """One Aho-Corasick automaton over the names of one or more gazetteers."""

    def __init__(self, members: tuple[Gazetteer, ...]) -> None:
        self.members = len(members)
        merged: dict[str, list[tuple[int, tuple[Entry, ...], bool]]] = {}
        for slot, g in enumerate(members):
            for key, es in g.keys.items():
                merged.setdefault(key, []).append((slot, es, any(e.case != "any" for e in es)))
        self._auto = ahocorasick.Automaton()
        for key, per_member in merged.items():
            self._auto.add_word(key, (len(key), tuple(per_member)))
        if merged:
            self._auto.make_automaton()
        self._last: tuple[str, list[list[Hit]]] | None = None

    def scan(self, text: str) -> list[list[Hit]]:
        """Each member's hits in `text` (the last text's result is reused)."""
        last = self._last  # one read: the pair stays consistent if threads share the pass
        if last is not None and last[0] is text:
            return last[1]
        result = self._scan(text)
        self._last = (text, result)
        return result

    def _scan(self, text: str) -> list[list[Hit]]:
        cands: list[list[tuple[int, int, tuple[Entry, ...]]]] = [[] for _ in range(self.members)]
        if not len(self._auto):
            return [[] for _ in cands]
        norm, index = fold(text)
        n = len(norm)
        # hot loop (every raw hit of every document): the common rejections are inlined
        for end_i, (length, per_member) in self._auto.iter(norm):
            e = end_i + 1
            if e < n and norm[e].isalnum():
                continue  # "Oman" in "Omani...": the word goes on
            s = e - length
            if s and norm[s - 1].isalnum() and not _after_clitic(norm, s):
                continue
            if index is None:
                os_, oe = s, e
            else:
                os_, oe = index[s], index[e - 1] + 1
            for slot, entries, cased in per_member:
                if cased:
                    surface = text[os_:oe]
                    if len(entries) == 1:
                        if not _cased(entries[0], surface):
                            continue
                    elif not (entries := tuple(en for en in entries if _cased(en, surface))):
                        continue
                cands[slot].append((os_, -oe, entries))
        return [_leftmost_longest(text, c) for c in cands]


def _leftmost_longest(text: str, cands: list[tuple[int, int, tuple[Entry, ...]]]) -> list[Hit]:
    """Non-overlapping hits from (start, -end, entries) candidates: of those starting first,
    the longest. A member has one candidate per span, so sorting never compares entries."""
    cands.sort()  # Aho-Corasick reports by end offset
    out: list[Hit] = []
    last_end = -1
    for s, neg_e, ok in cands:
        if s >= last_end:
            out.append(Hit(s, -neg_e, text[s:-neg_e], ok))
            last_end = -neg_e
    return out


def _after_clitic(norm: str, s: int) -> bool:
    """True when the letters glued before norm[s] are Arabic clitics (و ب ل ...) of a name."""
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
    if surface[:1].isalpha():
        return surface[0].isupper()
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
