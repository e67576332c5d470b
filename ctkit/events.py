"""Sentence-level cooperation events: a trigger word or phrase from `data/events.tsv` (EN/FR/AR,
every inflected form listed) in a sentence that names at least one country or a country's
agency. One row per (event, country); weak triggers ("discussed", "بحث") need two parties.
"""
from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from .countries import Mention
from .entities import EntityMention
from .gazetteer import Entry, Gazetteer, Hit, data_rows
from .text import fold_key

#: when a sentence has several triggers, the more specific type wins
PRIORITY = ("agreement", "joint_operation", "judicial", "information_exchange", "training",
            "aid", "visit", "conference", "meeting", "statement")


class Event(NamedTuple):
    """One cooperation event reported in one sentence, with the countries it involves."""

    type: str
    code: str
    trigger: str
    start: int
    end: int
    sentence: int
    iso3: tuple[str, ...]


@dataclass(frozen=True)
class _Trigger:
    type: str
    code: str
    weak: bool
    lang: str


@cache
def trigger_gazetteer() -> Gazetteer:
    """The shipped trigger lexicon, built once per process."""
    entries = []
    for r in data_rows("events.tsv"):
        t = _Trigger(r["type"], r["code"], r.get("weak", "0") == "1", r["lang"])
        case = "exact" if r["trigger"].isupper() and len(r["trigger"]) <= 5 else "any"
        entries.append(Entry(fold_key(r["trigger"]), t, case, r["trigger"]))
    return Gazetteer(entries)


def find_events(text: str, *, sentences: Sequence[tuple[int, int]],
                countries: Sequence[Mention], orgs: Sequence[EntityMention] = (),
                language: str | None = None, gazetteer: Gazetteer | None = None) -> list[Event]:
    """Cooperation events, at most one per sentence, with the parties named in that sentence.

    Triggers count in the article's language only ("met" is not French "il met") and not
    inside an organisation's name ("traité" in "Organisation du traité de l'Atlantique Nord").
    """
    gaz = gazetteer or trigger_gazetteer()
    spans = [(o.start, o.end) for o in orgs]
    hits = [h for h in gaz.find(text)
            if (language is None or any(e.payload.lang == language for e in h.entries))
            and not any(s < h.end and h.start < e for s, e in spans)]
    if not hits:
        return []
    starts = [s for s, _ in sentences]

    def bucket(pos: int) -> int:
        return bisect.bisect_right(starts, pos) - 1

    trig_by: dict[int, list] = {}
    for h in hits:
        trig_by.setdefault(bucket(h.start), []).append(h)
    parties_by: dict[int, list[str]] = {}
    orgs_by: dict[int, int] = {}
    for c in countries:
        parties_by.setdefault(bucket(c.start), []).append(c.iso3)
    for o in orgs:
        i = bucket(o.start)
        orgs_by[i] = orgs_by.get(i, 0) + 1
        if o.iso3:
            parties_by.setdefault(i, []).append(o.iso3)
    events = []
    for i, trig in sorted(trig_by.items()):
        if i < 0:
            continue
        iso3 = tuple(dict.fromkeys(parties_by.get(i, [])))
        n_orgs = orgs_by.get(i, 0)
        if not iso3 and not n_orgs:
            continue
        readings = [(_payload(h, language), h) for h in trig]
        t, best = min(readings, key=lambda r: (r[0].weak, PRIORITY.index(r[0].type)
                                               if r[0].type in PRIORITY else 99, r[1].start))
        if t.weak and len(iso3) + n_orgs < 2:
            continue
        events.append(Event(t.type, t.code, best.surface, best.start, best.end, i, iso3))
    return events


def _payload(hit: Hit, language: str | None) -> _Trigger:
    """The trigger reading of `hit` in `language` (the first one otherwise)."""
    return next((e.payload for e in hit.entries if e.payload.lang == language),
                hit.entry.payload)
