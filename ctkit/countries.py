"""Country mentions: names, official and alternative names, demonyms, anaphora (EN/FR/AR).

One gazetteer automaton holds every country name variant (`data/countries.tsv`) together with
phrases that block them (`data/not_countries.tsv`, `data/regions.tsv`: "Gulf of Guinea",
"المغرب العربي") and cities (`data/capitals.tsv`); the longest match wins, so a blocker or a
city hides the country name inside it. Rules then settle names that are also person names
(Chad, Jordan, Georgia), ordinary words (Arabic مالي "financial"), language names ("in
French"), ambiguous short names (bare "Congo", "Korea") and "the Kingdom" anaphora.
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from .gazetteer import Entry, Gazetteer, Hit, data_rows
from .text import fold_key

_CAPITAL_LANGS = {"en", "fr"}
_FUNCTION = frozenset(
    "in to from with and the for on at by of as or but into than between after before during "
    "en au aux le la les du de des et avec pour par sur dans entre vers chez".split())
_LANGUAGE_AFTER = re.compile(r"^\s*(-?speaking|-?language|speakers?|translation|langue|"
                             r"version|subtitles|[,.;:)]|$|\s(and|or|et|ou)\s)", re.IGNORECASE)
_LANGUAGE_BEFORE = re.compile(r"(\bin|\binto|\ben|\bparle|\bspeak|\bspeaks|اللغة|باللغة)\s*$",
                              re.IGNORECASE)
_AR_CONTEXT = frozenset("في إلى الى من مع عن نحو عبر تجاه داخل حدود بحدود دولة جمهورية حكومة "
                        "شمال جنوب شرق غرب وسط بين و ، سلطات رئيس سفير سفارة جيش".split())


class Mention(NamedTuple):
    """One country mention with offsets into the text it was found in."""

    iso3: str
    country: str
    surface: str
    start: int
    end: int
    kind: str
    role: str
    sentence: int


@dataclass(frozen=True)
class _Country:
    iso3: str
    kind: str
    flags: frozenset[str]


@cache
def display_names() -> dict[str, str]:
    """ISO3 -> English short name (the `country` column)."""
    return {r["iso3"]: r["name"] for r in data_rows("countries.tsv")
            if r["lang"] == "en" and r["kind"] == "name"}


@cache
def kingdoms() -> frozenset[str]:
    """ISO3 of countries whose official name is a kingdom (targets of "the Kingdom")."""
    words = ("kingdom", "royaume", "مملكة", "المملكة")
    return frozenset(r["iso3"] for r in data_rows("countries.tsv")
                     if r["kind"] in ("official", "name") and any(w in r["name"].lower()
                                                                  for w in words))


def _case(row: dict[str, str]) -> str:
    flags = set((row.get("flags") or "").split(","))
    if "acronym" in flags:
        return "exact"
    if row["name"][:1].islower():
        return "any"  # listed in lower case ("pays de Galles"): no capital to require
    if row["lang"] in _CAPITAL_LANGS and (
            "case_sensitive" in flags or row["kind"] != "demonym" or row["lang"] == "en"):
        return "capital"
    return "any"


@cache
def default_gazetteer() -> Gazetteer:
    """The shipped country gazetteer with its blockers, built once per process."""
    entries: list[Entry] = []
    for r in data_rows("countries.tsv"):
        flags = frozenset(f for f in (r.get("flags") or "").split(",") if f)
        kind = "demonym" if r["kind"] == "demonym" else "name"
        entries.append(Entry(fold_key(r["name"]), _Country(r["iso3"], kind, flags), _case(r),
                             r["name"]))
    for r in data_rows("not_countries.tsv"):
        entries.append(Entry(fold_key(r["name"]), "block", "any", r["name"]))
    for r in _optional_rows("regions.tsv"):
        entries.append(Entry(fold_key(r["name"]), "block", "any", r["name"]))
    for r in _optional_rows("capitals.tsv"):
        entries.append(Entry(fold_key(r["name"]), ("city", r["iso3"]), "capital"
                             if r["lang"] in _CAPITAL_LANGS else "any", r["name"]))
    for r in data_rows("anaphora.tsv"):
        needs = tuple(w for w in r["needs"].split(",") if w)
        entries.append(Entry(fold_key(r["word"]), ("anaphor", r["refers_to"], needs),
                             "exact" if r["word"][0].isupper() else "any", r["word"]))
    return Gazetteer(entries)


def _optional_rows(name: str) -> tuple[dict[str, str], ...]:
    try:
        return data_rows(name)
    except FileNotFoundError:
        return ()


def find_countries(text: str, *, gazetteer: Gazetteer | None = None, focal: str = "MAR",
                   sentences: Sequence[tuple[int, int]] | None = None) -> list[Mention]:
    """Country mentions in `text`, one per surface occurrence, with offsets into `text`."""
    gaz = gazetteer or default_gazetteer()
    hits = gaz.find(text)
    starts = [s for s, _ in sentences] if sentences else []
    names = display_names()
    out: list[Mention] = []
    pending: list[tuple[Hit, tuple]] = []
    for hit in hits:
        countries = [e.payload for e in hit.entries if isinstance(e.payload, _Country)]
        other = [e.payload for e in hit.entries if not isinstance(e.payload, _Country)]
        if not countries:
            if other and isinstance(other[0], tuple) and other[0][0] == "anaphor":
                pending.append((hit, other[0]))
            continue
        c = _choose(countries, hit, hits, cities=[o for o in other if isinstance(o, tuple)
                                                 and o[0] == "city"])
        if c is None or not _keep(c, hit, text):
            continue
        out.append(Mention(c.iso3, names.get(c.iso3, c.iso3), hit.surface, hit.start, hit.end,
                           "ambiguous" if "ambiguous" in c.flags else c.kind, "", 0))
    out = _resolve_ambiguous(out)
    out = sorted(out + _resolve_anaphora(pending, out, text, focal=focal), key=lambda m: m.start)
    return [Mention(m.iso3, m.country, m.surface, m.start, m.end, m.kind,
                    "focal" if m.iso3 == focal else "partner",
                    max(bisect.bisect_right(starts, m.start) - 1, 0)) for m in out]


def _choose(countries: list[_Country], hit: Hit, hits: list[Hit], *,
            cities: list) -> _Country | None:
    """The country a name stands for; None when it is a city of a country named nearby."""
    if cities and "\u0651" in hit.surface and not any("\u0651" in e.surface for e in hit.entries
                                                     if isinstance(e.payload, _Country)):
        return None  # vocalised as the city: عمّان (Amman), not عُمان (Oman)
    own = {c.iso3 for c in countries}
    for _, iso3 in cities:
        if iso3 not in own and any(
                isinstance(e.payload, _Country) and e.payload.iso3 == iso3
                for h in hits if h is not hit and abs(h.start - hit.start) <= 200
                for e in h.entries):
            return None  # "Amman" next to "Jordan": the city
    return countries[0]


@cache
def _country_keys() -> dict[str, frozenset[str]]:
    keys: dict[str, set[str]] = {}
    for r in data_rows("countries.tsv"):
        keys.setdefault(r["iso3"], set()).add(fold_key(r["name"]))
    return {k: frozenset(v) for k, v in keys.items()}


#: the last word before a point, read backwards (see `_prev_token`)
_WORD_BEFORE = re.compile(r"(\W*?)([.'-]*\w(?:[\w'.-]*\w)?)")
_WORD_AFTER = re.compile(r"(\W*)(\w[\w'.-]*)")


def _prev_token(text: str, start: int) -> tuple[str, str]:
    r"""The word before `start` and what separates it from `start`.

    The word is the search of `(\w[\w'.-]*)(\W*)$` in the 60 characters before `start`
    ("U.S." keeps its dot). That search tries every position of them; `_WORD_BEFORE`
    finds the same two groups in one match at the start of the reversed window (5x faster)."""
    window = text[max(0, start - 60):start]
    m = _WORD_BEFORE.match(window[::-1])
    return (m.group(2)[::-1], m.group(1)[::-1]) if m else ("", window)


def _next_token(text: str, end: int) -> tuple[str, str]:
    m = _WORD_AFTER.match(text, end, end + 60)
    return (m.group(2), m.group(1)) if m else ("", "")


def _keep(c: _Country, hit: Hit, text: str) -> bool:
    """Apply the disambiguation rules to one candidate mention."""
    if "person_name" in c.flags:
        prev, sep = _prev_token(text, hit.start)
        nxt, nsep = _next_token(text, hit.end)
        if prev and sep == " " and prev[0].isupper() and prev.lower() not in _FUNCTION \
                and not _is_country_word(prev):
            return False
        if nxt and nsep == " " and nxt[0].isupper() and not _is_country_word(nxt):
            return False
    if "common_word" in c.flags and _is_arabic(hit.surface):
        if not _arabic_context(hit, text):
            return False
    if c.kind == "demonym" and not _is_arabic(hit.surface):
        before = text[max(0, hit.start - 12):hit.start]
        if _LANGUAGE_BEFORE.search(before) and _LANGUAGE_AFTER.match(text[hit.end:hit.end + 14]):
            return False
        if re.match(r"\s*-?(speaking|language|langue|speakers?)\b", text[hit.end:hit.end + 12],
                    re.IGNORECASE):
            return False
    if c.kind == "demonym" and _is_arabic(hit.surface):
        if re.search(r"(اللغة|باللغة)\s*$", text[max(0, hit.start - 8):hit.start]):
            return False
    return True


def _is_country_word(word: str) -> bool:
    return fold_key(word) in _all_country_keys()


@cache
def _all_country_keys() -> frozenset[str]:
    return frozenset().union(*_country_keys().values())


def _is_arabic(s: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in s)


def _arabic_context(hit: Hit, text: str) -> bool:
    """An Arabic name that is also a common word counts only in a country context."""
    prefix = re.search(r"(\S*)$", text[max(0, hit.start - 3):hit.start])
    if prefix and prefix.group(1) in ("و", "ب", "ل", "ف", "وب", "ول"):
        return True
    prev, sep = _prev_token(text, hit.start)
    if prev in _AR_CONTEXT or "،" in sep:
        return True
    nxt, _ = _next_token(text, hit.end)
    return bool(nxt) and nxt.startswith("و") and _is_country_word(nxt[1:])


def _resolve_ambiguous(mentions: list[Mention]) -> list[Mention]:
    """Bare "Congo"/"Korea": follow an unambiguous sibling named in the same text."""
    sure = {m.iso3 for m in mentions if m.kind != "ambiguous"}
    siblings = {"COD": "COG", "COG": "COD", "KOR": "PRK", "PRK": "KOR"}
    out = []
    for m in mentions:
        if m.kind == "ambiguous" and m.iso3 in siblings:
            other = siblings[m.iso3]
            if other in sure and m.iso3 not in sure:
                m = Mention(other, display_names().get(other, other), m.surface, m.start, m.end,
                            m.kind, m.role, m.sentence)
        out.append(m)
    return out


def _resolve_anaphora(pending: list[tuple[Hit, tuple]], mentions: list[Mention], text: str,
                      *, focal: str) -> list[Mention]:
    """ "the Kingdom" -> the last kingdom named before it, else the focal country if it is one."""
    out = []
    kings = kingdoms()
    for hit, (_, _refers, needs) in pending:
        if needs:
            prev, sep = _prev_token(text, hit.start)
            if prev.lower() not in needs or sep.strip():
                continue
        before = [m for m in mentions if m.end <= hit.start and m.iso3 in kings]
        if before:
            iso3 = before[-1].iso3
        elif focal in kings and any(m.iso3 == focal for m in mentions):
            iso3 = focal
        else:
            continue
        out.append(Mention(iso3, display_names().get(iso3, iso3), hit.surface, hit.start,
                           hit.end, "anaphor", "", 0))
    return out
