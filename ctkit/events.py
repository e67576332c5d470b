"""Sentence-level cooperation events: a trigger word or phrase from `data/events.tsv` (EN/FR/AR,
every inflected form listed) in a sentence that names at least one country or a country's
agency. One row per (event, country); weak triggers ("discussed", "بحث") need two parties.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from .countries import Mention
from .entities import EntityMention
from .gazetteer import Entry, Gazetteer, data_rows
from .text import fold_key

#: when a sentence has several triggers, the more specific type wins
PRIORITY = ("agreement", "joint_operation", "judicial", "information_exchange", "training",
            "aid", "visit", "conference", "meeting", "statement")


@dataclass(frozen=True)
class Event:
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
    events = []
    for i, (s, e) in enumerate(sentences):
        trig = [h for h in hits if s <= h.start < e]
        if not trig:
            continue
        parties = [c.iso3 for c in countries if s <= c.start < e]
        parties += [o.iso3 for o in orgs if o.iso3 and s <= o.start < e]
        n_orgs = sum(1 for o in orgs if s <= o.start < e)
        iso3 = tuple(dict.fromkeys(parties))
        best = min(trig, key=lambda h: (_payload(h, language).weak,
                                        PRIORITY.index(_payload(h, language).type)
                                        if _payload(h, language).type in PRIORITY else 99,
                                        h.start))
        t = _payload(best, language)
        if not iso3 and not n_orgs:
            continue
        if t.weak and len(iso3) + n_orgs < 2:
            continue
        events.append(Event(t.type, t.code, best.surface, best.start, best.end, i, iso3))
    return events


def _payload(hit, language: str | None) -> _Trigger:  # type: ignore[no-untyped-def]
    """The trigger reading of `hit` in `language` (the first one otherwise)."""
    return next((e.payload for e in hit.entries if e.payload.lang == language),
                hit.entry.payload)
