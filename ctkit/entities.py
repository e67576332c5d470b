"""Organisations and persons: a shipped gazetteer of security bodies and IGOs (EN/FR/AR, with
acronyms and owning country), agencies named by pattern ("Ethiopian Federal Police", "la police
belge", "الشرطة الإسبانية"), and persons from a spaCy model when one is installed (extra `ner`)
or, without a model, from title cues ("Minister X Y", "M. X", "السيد X").
"""
from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from .countries import Mention
from .gazetteer import Entry, Gazetteer, Hit, data_rows
from .text import fold_key


class EntityMention(NamedTuple):
    """An organisation or person mention with offsets into the body."""

    label: str
    name: str
    surface: str
    start: int
    end: int
    iso3: str | None
    source: str


@dataclass(frozen=True)
class _Org:
    org_id: str
    name: str
    iso3: str | None


@cache
def org_gazetteer() -> Gazetteer:
    """The shipped organisations (`data/orgs.tsv`), built once per process."""
    rows = data_rows("orgs.tsv")
    canon = {r["org_id"]: r["alias"] for r in rows
             if r["lang"] == "en" and r["alias_kind"] == "name"}
    entries = []
    for r in rows:
        org = _Org(r["org_id"], canon.get(r["org_id"], r["alias"]), r["iso3"] or None)
        if r["alias_kind"] == "acronym":
            case = "exact"
        elif len(r["alias"].split()) == 1 and r["lang"] != "ar":
            case = "capital"
        else:
            case = "any"
        entries.append(Entry(fold_key(r["alias"]), org, case, r["alias"]))
    return Gazetteer(entries)


@dataclass(frozen=True)
class _Head:
    lang: str
    position: str
    words: int


@cache
def head_gazetteer() -> Gazetteer:
    """Agency head nouns (`data/org_heads.tsv`: "Federal Police", "police", "وزارة الداخلية")."""
    entries = []
    for r in data_rows("org_heads.tsv"):
        head = _Head(r["lang"], r["position"], len(r["head"].split()))
        entries.append(Entry(fold_key(r["head"]), head, "any", r["head"]))
    return Gazetteer(entries)


def find_orgs(text: str, *, countries: Sequence[Mention] = (),
              gazetteer: Gazetteer | None = None) -> list[EntityMention]:
    """Organisation mentions: gazetteer names and acronyms, then demonym + agency patterns."""
    gaz = gazetteer or org_gazetteer()
    out = [EntityMention("ORG", h.entry.payload.name, h.surface, h.start, h.end,
                         h.entry.payload.iso3, "gazetteer") for h in gaz.find(text)]
    taken = [(m.start, m.end) for m in out]
    for m in _pattern_orgs(text, countries):
        if not any(m.start < e and s < m.end for s, e in taken):
            out.append(m)
            taken.append((m.start, m.end))
    return sorted(out, key=lambda m: (m.start, m.end))


_OF = re.compile(r"^\s*(?:of(?: the)?|de(?: la| l')?|du|des|d'|of the Republic of)?\s*$",
                 re.IGNORECASE)


def _pattern_orgs(text: str, countries: Sequence[Mention]) -> list[EntityMention]:
    """Agencies named by a head noun and a country: "Ethiopian Federal Police", "la police
    belge", "Ministry of Interior of Mali", "الشرطة الإسبانية"; multi-word heads standing
    alone ("Ministry of Interior", "وزارة الداخلية") are organisations without a country."""
    out = []
    ordered = sorted(countries, key=lambda c: c.start)
    starts = [c.start for c in ordered]
    for h in head_gazetteer().find(text):
        heads = [e.payload for e in h.entries
                 if e.payload.lang != "en" or h.surface[:1].isupper()]  # "the police" is no name
        i = bisect.bisect_left(starts, h.start)
        near = ordered[max(0, i - 1):i] + ordered[i:i + 3]  # the mention before, a few after
        org = next((o for head in heads if (o := _with_country(text, h, head, near))), None)
        if org is None and any(head.words >= 2 for head in heads):
            org = EntityMention("ORG", " ".join(h.surface.split()), h.surface, h.start, h.end,
                                None, "pattern")
        if org:
            out.append(org)
    return out


def _with_country(text: str, h: Hit, head: _Head,
                  countries: Sequence[Mention]) -> EntityMention | None:
    """The agency `head` names together with an adjacent country word, if there is one."""
    for c in countries:
        if c.end <= h.start:
            if head.position == "before" and c.kind == "demonym" and text[c.end:h.start] == " ":
                return _pattern(text, c.start, h.end, c.iso3)
            continue
        if c.start < h.end:
            continue
        gap = text[h.end:c.start]
        if head.position == "after" and c.kind == "demonym" and len(gap) < 30 \
                and re.fullmatch(r"\s+(?:\w+\s+){0,2}", gap):
            return _pattern(text, h.start, c.end, c.iso3)
        if head.position == "of" and len(gap) < 25 and _OF.match(gap):
            return _pattern(text, h.start, c.end, c.iso3)
    return None


def _is_ar(s: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in s)


def _word_end(s: str, i: int) -> bool:
    return i >= len(s) or not s[i].isalnum()


def _pattern(text: str, start: int, end: int, iso3: str) -> EntityMention:
    surface = text[start:end]
    return EntityMention("ORG", " ".join(surface.split()), surface, start, end, iso3, "pattern")


# ---------------------------------------------------------------- persons

_NAME_TOKEN = r"(?:[A-ZÀ-ÖØ-Þ][\w'’-]+|[A-Z]\.|(?:de|da|del|van|von|ben|el|al|bin|ould|ibn)(?=\s))"


_LATIN_NAME = re.compile(rf"\.?\s+(?P<name>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,3}})")
_ARABIC_NAME = re.compile(r"\s+(?P<name>(?:عبد\s+)?[^\s،,.:()]+(?:\s+(?:عبد\s+)?"
                          r"(?!في|من|على|إلى|الى|مع|عن|أن|إن|الذي|التي|و)[^\s،,.:()]+){1,2})")
#: "said X Y" / "selon X Y": a capitalised pair after a reporting verb is a person. Each verb
#: starts with a plain letter and checks the word boundary after it (`(?<!\w.)`, the `\b`
#: before the verb): a pattern whose alternatives all start with a letter lets `re` skip to
#: the letters s, t and a instead of trying every position (1.5x faster over a body).
_SAID = re.compile(
    r"(?:s(?<!\w.)(?:aid|ays|elon)|t(?<!\w.)old|a(?<!\w.)(?:ccording to| déclaré| indiqué"
    rf"| affirmé| souligné))\s+(?P<a>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,2}})")
#: "X Y, the minister": a capitalised pair before a comma and a role is a person
_ROLE = (r",\s+(?:the\s+|le\s+|la\s+|l')?(?:\w+\s+){0,2}?"
         r"(?:minister|ministre|director|directeur|directrice|head|chief|chef|"
         r"spokesman|spokeswoman|porte-parole|ambassador|ambassadeur|president|président|general|"
         r"général|commissioner|commissaire|prosecutor|procureur|secretary|secrétaire|judge|juge|"
         r"colonel|inspector|inspecteur|adviser|conseiller|researcher|chercheur|analyst|analyste|"
         r"expert|professor|professeur)")
_APPOSED = re.compile(rf"(?P<b>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,2}}){_ROLE}")
_ROLE_AFTER = re.compile(_ROLE)  # starts with "," : `re` skips straight to the commas
#: every position a name can start at (empty matches: one per position, none skipped)
_NAME_START = re.compile(r"(?=[A-ZÀ-ÖØ-Þ]|(?:de|da|del|van|von|ben|el|al|bin|ould|ibn)\s)")


def _appositions(text: str) -> Iterator[re.Match[str]]:
    """The matches of `_SAID|_APPOSED` in `text`, in `finditer` order, found faster.

    The alternation, run as one regex, tries both at every position of the body. Here
    `_APPOSED` is only tried before a comma that `_ROLE_AFTER` matches at: its names hold no
    comma, so a match ends at the first comma after its start and starts after the comma
    before. Then, as `finditer` does, the leftmost match wins (`_SAID` on a tie) and the
    search goes on after it."""
    apposed: list[re.Match[str]] = []  # every match of _APPOSED, by start
    for r in _ROLE_AFTER.finditer(text):
        after_comma = text.rfind(",", 0, r.start()) + 1
        for n in _NAME_START.finditer(text, after_comma, r.start()):
            if m := _APPOSED.match(text, n.start()):
                apposed.append(m)
    pos, i = 0, 0
    while True:
        said = _SAID.search(text, pos)
        while i < len(apposed) and apposed[i].start() < pos:
            i += 1
        role = apposed[i] if i < len(apposed) else None
        m = role if said is None or (role is not None and role.start() < said.start()) \
            else said
        if m is None:
            return
        yield m
        pos = m.end()


@cache
def cue_gazetteer() -> Gazetteer:
    """Titles and roles that precede person names (`data/person_cues.tsv`), case as listed."""
    return Gazetteer(Entry(fold_key(r["cue"]), r["lang"], "exact", r["cue"])
                     for r in data_rows("person_cues.tsv"))


@cache
def _person_stop() -> frozenset[str]:
    try:
        return frozenset(fold_key(r["word"]) for r in data_rows("person_stop.tsv"))
    except FileNotFoundError:
        return frozenset()


def find_persons(text: str, *, language: str | None, use_ner: str = "auto",
                 models: dict[str, str] | None = None,
                 countries: Sequence[Mention] = ()) -> list[EntityMention]:
    """Person mentions: from a spaCy model when available, else from title cues."""
    nlp = _model(language, use_ner, models or {})
    if nlp is not None:
        doc = nlp(text)
        return [EntityMention("PERSON", " ".join(e.text.split()), e.text, e.start_char,
                              e.end_char, None, "model")
                for e in doc.ents if e.label_ in ("PERSON", "PER")]
    return _cue_persons(text, countries)


def _cue_persons(text: str, countries: Sequence[Mention]) -> list[EntityMention]:
    """Persons without a model: names after a title cue ("Minister X Y", "M. X", "السيد X"),
    after a reporting verb ("said X Y"), or before a role apposition ("X Y, the minister")."""
    stop = _person_stop()
    country_spans = [(c.start, c.end) for c in countries]
    found: list[tuple[int, str]] = []
    for h in cue_gazetteer().find(text):
        rx = _ARABIC_NAME if h.entry.payload == "ar" else _LATIN_NAME
        m = rx.match(text, h.end)
        if m:
            found.append((m.start("name"), m.group("name")))
    for m in _appositions(text):
        g = "a" if m.re is _SAID else "b"
        found.append((m.start(g), m.group(g)))
    out: list[EntityMention] = []
    for s, name in found:
        words = name.split()
        end = next((i for i, w in enumerate(words) if w.endswith(".") and len(w) > 2), None)
        if end is not None:  # "Bourita. Youssef" : the name ends with the sentence
            words = words[:end + 1]
        while words:
            last = s + len(" ".join(words[:-1])) + 1  # where the last word starts
            if fold_key(words[-1].strip(".,")) not in stop and not any(
                    cs <= last < ce for cs, ce in country_spans):
                break
            words.pop()
        while words and fold_key(words[0].strip(".,")) in stop:
            s += len(words[0]) + 1
            words.pop(0)
        if words and len(words[-1]) > 2 and words[-1][-1] in ".,;:":
            words[-1] = words[-1][:-1]  # the sentence's full stop, not an initial
        if not words or (len(words) < 2 and not _is_ar(name)):
            continue
        e = s + len(" ".join(words))
        surface = text[s:e]
        if " ".join(surface.split()) != " ".join(words) or any(
                cs < e and s < ce for cs, ce in country_spans):
            continue
        out.append(EntityMention("PERSON", " ".join(words), surface, s, e, None, "cue"))
    uniq: list[EntityMention] = []
    for p in sorted(out, key=lambda p: (p.start, -p.end)):
        if not uniq or p.start >= uniq[-1].end:
            uniq.append(p)
    return uniq


_MODELS: dict[str, object] = {}


def _model(language: str | None, use_ner: str, models: dict[str, str]):  # type: ignore[no-untyped-def]
    """The spaCy pipeline for `language`, loaded once; None when not wanted or not installed."""
    if use_ner == "no" or not language or language not in models:
        return None
    name = models[language]
    if name not in _MODELS:
        try:
            import spacy

            _MODELS[name] = spacy.load(name, disable=["lemmatizer", "parser"])
        except (OSError, ImportError) as exc:
            if use_ner == "yes":
                raise RuntimeError(f"spaCy model {name!r} is not installed; install the `ner` "
                                   "extra (pip install 'ctkit[ner]') or set use_ner='no'") from exc
            _MODELS[name] = None
    if _MODELS[name] is None and use_ner == "yes":
        raise RuntimeError(f"spaCy model {name!r} is not installed; install the `ner` extra "
                           "(pip install 'ctkit[ner]') or set use_ner='no'")
    return _MODELS[name]


def ner_versions(models: dict[str, str], *, use_ner: str) -> dict[str, str | None]:
    """The installed distribution and version of each configured spaCy model (None: not
    installed), for the manifest: with `use_ner` auto or yes, the tables depend on them.
    Empty when `use_ner` is "no"."""
    import importlib.metadata

    if use_ner == "no":
        return {}
    installed = ner_status(models)
    owners = importlib.metadata.packages_distributions() if any(installed.values()) else {}
    out: dict[str, str | None] = {}
    for lang, name in sorted(models.items()):
        dists = owners.get(name, []) if installed[lang] else []
        out[lang] = (f"{dists[0]} {importlib.metadata.version(dists[0])}" if dists
                     else "installed" if installed[lang] else None)
    return out


def ner_status(models: dict[str, str]) -> dict[str, bool]:
    """Which configured spaCy models are installed (for messages and docs)."""
    import importlib.util

    return {lang: importlib.util.find_spec(name) is not None for lang, name in models.items()}
