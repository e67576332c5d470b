"""Synthetic scraped news pages with their ground truth, for the demo, the tests and benchmarks.

Page i is built from `random.Random(f"{seed}:{i}")` alone, so it is the same whatever `n` or
`start` (benchmarks stream millions of pages, workers split ranges). The truth is known by
construction: a mention is recorded when the generator inserts it, never found by re-scanning.
Outlets, page templates, sentence templates and country forms live in `data/sample_vocab.json`.

Truth record (one `_truth.jsonl` line per page, after docs/labelling.md): source, title
(undecorated), outlet (in the body's script), published (YYYY-MM-DD or None), language, style,
countries (sorted ISO3 named in the body), countries_optional, mentions [{iso3, surface, start,
end, kind: name|official|demonym|anaphor}] in body order, orgs (first occurrence of each surface:
{surface, start, end, name, iso3}), persons (names, first occurrence), engagement {metric:
value printed}, events [{sentence, type, code, countries, org_countries}], body (paragraph lines
joined by "\n"), chrome (every other non-blank line but the title), duplicate_of, encoding,
n_words. Offsets index `body`. A country surface is the word(s) naming it: French articles and
elided prepositions stay outside ("l'[Espagne]"), Arabic proclitics inside ("[والمغرب]"). Event
`countries` are those named in the sentence; `org_countries` owners of its organisations besides.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import tempfile
from bisect import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from itertools import accumulate
from pathlib import Path
from typing import Any

TRUTH_FILE = "_truth.jsonl"  # "_" so that ctkit.ingest skips it
MARKER_FILE = ".ctkit-sample.json"
FIRST_DAY, LAST_DAY = dt.date(2019, 1, 1), dt.date(2025, 12, 31)

_SLOT = re.compile(r"\{([A-Z]+\d?)(?:=(\w+))?(?::(\w+))?(?:\?([^|}]*)\|([^}]*))?\}"
                   r"|\{~([^}]*)\}|\[\[|\]\]")
_CHROME_SLOT = re.compile(r"\{(\w+)(?::([\w+]+))?\}")
_FR_ARTICLES = ("l'", "l’", "le ", "la ", "les ")
_ORG_ARTICLES = ("the ", "l'", "le ", "la ", "les ", "des ", "du ")  # left out of org surfaces
_FR_PREP = {  # French preposition + article contractions, by form then article
    "de": {"l'": "de l'", "le ": "du ", "la ": "de la ", "les ": "des "},
    "au": {"l'": "à l'", "le ": "au ", "la ": "à la ", "les ": "aux "},
    "loc": {"l'": "en ", "le ": "au ", "la ": "en ", "les ": "aux "},
    "dx": {"l'": "d'", "le ": "du ", "la ": "de ", "les ": "des "},
}
_VOWELS = frozenset("AEIOUYÉÈÊÎÏÔÛaeiouyéèêîïôûh")
_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_NEEDS = {"M": "M", "OM": "M", "NM": "M", "MCITY": "M", "P": "P", "OP": "P", "PCITY": "P",
          "Q": "Q", "OQ": "Q", "R": "R"}  # slot -> the country it needs in the article
_NUMBERS = {"NUM": (11, 60), "BIG": (150, 230), "AGE": (19, 45), "YRS": (3, 10)}
_METRIC_SCALE = {"comments": 9, "shares": 120, "views": 2500, "reactions": 12, "likes": 40}


@dataclass(frozen=True)
class SamplePage:
    """One generated page: file name, the text as a scraper saved it, and its ground truth."""

    name: str
    text: str
    truth: dict
    encoding: str = "utf-8"


class _Missing(Exception):
    """A template asks for a form this country or place lacks; another template is tried."""


class _Sent:
    """A generated sentence with the spans (start, end, country|org|person, payload) it holds."""

    __slots__ = ("text", "spans", "event", "words")

    def __init__(self, text: str, spans: list[tuple], event: str | None = None) -> None:
        self.text, self.spans, self.event = text, spans, event
        self.words = len(text.split())


@dataclass
class _Article:
    lang: str
    outlet: dict
    date: dt.date | None
    title: str
    paras: list[list[_Sent]]
    roles: dict[str, str]
    etype: str


@dataclass(frozen=True)
class _Template:
    parts: tuple
    connectable: bool
    needs: frozenset[str]


@lru_cache(maxsize=4096)
def _compile(text: str) -> _Template:
    """Split a template into literal strings and slot tuples (name, key, form, alt_a, alt_b)."""
    connectable = not text.startswith("^")
    text, pos = text.lstrip("^"), 0
    parts: list[Any] = []
    for m in _SLOT.finditer(text):  # {~a|b} -> ("~", (a, b)); [[ and ]] -> ("[[",) and ("]]",)
        slot = m.groups()[:5] if m.group(1) else ("~", tuple(m.group(6).split("|"))) \
            if m.group(6) is not None else (m.group(0),)
        parts += [text[pos:m.start()], slot] if m.start() > pos else [slot]
        pos = m.end()
    parts += [text[pos:]] if pos < len(text) else []
    needs = frozenset(_NEEDS[p[0]] for p in parts if isinstance(p, tuple) and p[0] in _NEEDS)
    return _Template(tuple(parts), connectable, needs)


def _choice(rng: random.Random, seq: Sequence[Any]) -> Any:
    return seq[int(rng.random() * len(seq))]


class _Weights:
    """Values with cumulative weights, each draw costs one random number."""

    def __init__(self, pairs: Sequence[tuple]) -> None:
        self.pairs, self.cum = list(pairs), list(accumulate(w for _, w in pairs))

    def draw(self, rng: random.Random) -> Any:
        return self.pairs[bisect(self.cum, rng.random() * self.cum[-1])][0]


def _fr_split(text: str) -> tuple[str, str]:
    for art in _FR_ARTICLES:
        if text.startswith(art):
            return art.replace("’", "'"), text[len(art):]
    return "", text


def _fr_prep(art: str, base: str, form: str) -> str:
    """French words before `base` for `form`: l'Espagne -> de l'/à l'/en/d' Espagne."""
    if form in ("", "nom", "bare"):
        return "" if form == "bare" else art
    if art:
        return _FR_PREP[form][art]
    vowel = base[:1] in _VOWELS
    return {"de": "d'" if vowel else "de ", "dx": "d'" if vowel else "de ", "au": "à ",
            "loc": "en " if vowel else "à "}[form]


def _ar_clitic(prefix: str, text: str) -> str:
    """Attach an Arabic proclitic: و/ب directly, ل merging with the article (ل+ال -> لل)."""
    if prefix == "l":
        return "لل" + text[2:] if text.startswith("ال") else "ل" + text
    return {"w": "و", "b": "ب"}[prefix] + text


# Country forms: (text, surface start, surface end, kind, French plural) per name variant.
def _forms_en(d: dict, form: str) -> list[tuple]:
    key, kind = {"off": ("o", "official"), "a": ("a", "demonym"), "p": ("p", "demonym"),
                 "k": ("k", "anaphor")}.get(form, ("n", "name"))
    out = []
    for v in d.get(key, ()):
        art = "the " if v.startswith("the ") else ""
        base = v[len(art):]
        art = "" if form == "bare" else art
        tail = ("'" if base.endswith("s") else "'s") if form == "gen" else ""
        out.append((art + base + tail, len(art), len(art) + len(base), kind, False))
    return out


def _forms_fr(d: dict, form: str) -> list[tuple]:
    if form in ("ms", "fs", "mp", "fp", "pre"):
        words = [d["pre"]] if form == "pre" and "pre" in d else []
        if form != "pre" and "a" in d:
            word = d["a"][form[0] == "f"]
            words = [word + "s" if form[1] == "p" and word[-1] not in "sx" else word]
        return [(w, 0, len(w), "demonym", False) for w in words]
    key, kind, prep_form = "n", "name", form
    head, _, tail = form.partition("_")
    if head in ("off", "k"):  # official names and "le Royaume", with their own prepositions
        key, kind, prep_form = ("o", "official", tail) if head == "off" else ("k", "anaphor", tail)
    elif form == "p":
        key, kind, prep_form = "p", "demonym", ""
    out = []
    for v in d.get(key, ()):
        art, base = _fr_split(v)
        prep = _fr_prep(art, base, prep_form)
        out.append((prep + base, len(prep), len(prep) + len(base), kind, art == "les "))
    return out


def _forms_ar(d: dict, form: str) -> list[tuple]:
    prefix, _, base = form.rpartition("_")
    if base in ("w", "b", "l"):
        prefix, base = base, "nom"
    if base in ("nom", "off", "p", "k"):
        key = {"nom": "n", "off": "o", "p": "p", "k": "k"}[base]
        texts = d.get(key, [])
        kind = {"n": "name", "o": "official", "p": "demonym", "k": "anaphor"}[key]
    else:  # adjectives: m f, and indefinite im if (article dropped from every word)
        texts, kind = ([d["a"][base in ("f", "if")]] if "a" in d else []), "demonym"
        if base in ("im", "if"):
            texts = [" ".join(w.removeprefix("ال") for w in t.split()) for t in texts]
    return [(t, 0, len(t), kind, False) for t in (_ar_clitic(prefix, t) if prefix else t
                                                    for t in texts)]


_FORMS = {"en": _forms_en, "fr": _forms_fr, "ar": _forms_ar}


class _Vocab:
    """The JSON vocabulary with templates compiled and weighted draws prepared once."""

    def __init__(self, raw: dict) -> None:
        self.raw, self.rates, self.countries = raw, raw["rates"], raw["countries"]
        self.partners = _Weights([(k, c["w"]) for k, c in self.countries.items() if c["w"] > 0])
        self.langs = _Weights(list(raw["lang_shares"].items()))
        self.etypes = _Weights(list(raw["event_weights"].items()))
        self.outlets = {lang: _Weights([(o, o["w"] * o["langs"][lang]) for o in raw["outlets"]
                                        if lang in o["langs"]]) for lang in raw["lang_shares"]}
        self.templates = {lang: {k: [_compile(t) for t in ts] for k, ts in kinds.items()
                                 if k != "title"} for lang, kinds in raw["templates"].items()}
        self.titles = {lang: {k: [_compile(t) for t in ts] for k, ts in kinds["title"].items()}
                       for lang, kinds in raw["templates"].items()}
        self.orgs_of: dict[str | None, list[str]] = {}
        for key, org in raw["orgs"].items():
            self.orgs_of.setdefault(org["iso3"], []).append(key)
        self.igos = [k for k in self.orgs_of[None] if raw["orgs"][k].get("igo", True)]
        self.caps = {lang: [c[lang]["cap"] for k, c in self.countries.items()
                            if c[lang].get("cap") and k != raw["focal"]] for lang in _FORMS}
        self._pools: dict[tuple, list[_Template]] = {}
        self._forms: dict[tuple, list[tuple]] = {}

    def partner(self, rng: random.Random, exclude: Sequence[str] = ()) -> str:
        """A partner country drawn with the corpus' frequency skew (Spain, France, US...)."""
        while (iso := self.partners.draw(rng)) in exclude:
            pass
        return iso

    def pool(self, lang: str, kind: str, allowed: frozenset[str]) -> list[_Template]:
        """Templates of `kind` whose countries are all present in the article."""
        key = (lang, kind, allowed)
        if key not in self._pools:
            ts = self.templates[lang].get(kind, ())
            self._pools[key] = [t for t in ts if t.needs <= allowed]
        return self._pools[key]

    @lru_cache(maxsize=8)  # noqa: B019 - one vocabulary per process, kept for its lifetime
    def teasers(self, lang: str) -> list[str]:
        """Headlines for teaser blocks, drawn once from their own seed (cheap per page)."""
        rng, out = random.Random(f"teasers:{lang}"), []
        for _ in range(3000):
            p = self.partner(rng)
            roles = {"M": self.raw["focal"], "P": p, "Q": self.partner(rng, (p,)), "R": p}
            ctx = _Ctx(rng, self, lang, roles, LAST_DAY.year, frozenset("MPQR"))
            out.append(ctx.title(self.etypes.draw(rng), roles))
        return out

    def forms(self, iso: str, lang: str, form: str) -> list[tuple]:
        key = (iso, lang, form)
        if key not in self._forms:
            self._forms[key] = _FORMS[lang](self.countries[iso][lang], form)
        if not self._forms[key]:
            raise _Missing(form)
        return self._forms[key]


@lru_cache(maxsize=1)
def _vocab() -> _Vocab:
    """The shipped vocabulary, loaded on first use (no work at import time)."""
    raw = resources.files("ctkit").joinpath("data/sample_vocab.json").read_text("utf-8")
    return _Vocab(json.loads(raw))


class _Ctx:
    """Sentence realisation for one article: language, bound countries, templates used."""

    def __init__(self, rng: random.Random, voc: _Vocab, lang: str, roles: dict[str, str],
                 year: int, allowed: frozenset[str]) -> None:
        self.rng, self.voc, self.lang, self.roles = rng, voc, lang, roles
        self.year, self.allowed = year, allowed
        self.used: set[int] = set()
        self.plural: dict[str, bool] = {}
        self.cap = ""
        self.first = voc.rates["first_variant"]
        self.repeat = False  # set when an article runs out of fresh templates

    def pick(self, seq: Sequence[Any]) -> Any:
        """The first entry most often (canonical name), else one of the variants."""
        if len(seq) == 1:
            return seq[0]
        first, r = self.first, self.rng.random()
        return seq[0] if r < first else seq[1 + int((r - first) / (1 - first) * (len(seq) - 1))]

    def org_choice(self, cache: dict, slot: str, key: str | None) -> tuple:
        """(org key or None for an unnamed service, form, AR gender, owner), once per sentence."""
        if slot + (key or "") in cache:
            return cache[slot + (key or "")]
        voc, owner, chosen = self.voc, None, key
        if slot == "OI":
            chosen = _choice(self.rng, voc.igos)
        elif slot != "ORG":
            owner = self.roles[slot[1]]
            own = voc.orgs_of.get(owner, [])
            generic = not own or self.rng.random() < voc.rates["generic_org"]
            chosen = None if generic else _choice(self.rng, own)
        if chosen is None:
            form = self.pick(voc.raw["generic_orgs"][self.lang])
        else:
            org = voc.raw["orgs"][chosen]
            form, owner = self.pick(org[self.lang]), org["iso3"]
        text, gender = (form[0], form[1]) if isinstance(form, list) else (form, "f")
        cache[slot + (key or "")] = (chosen, text, gender, owner)
        return cache[slot + (key or "")]

    def org(self, cache: dict, slot: str, key: str | None, form: str | None) -> tuple[str, list]:
        chosen, variant, _, owner = self.org_choice(cache, slot, key)
        text, spans = self.fill(_compile(variant), {"X": owner} if owner else {}, {})
        art = ""
        if self.lang == "en" and text.startswith("the "):
            art = "the "
        elif self.lang == "fr":
            art = _fr_split(text)[0]
        base = text[len(art):]
        prep = _fr_prep(art, base, form or "nom") if self.lang == "fr" else art
        shift = len(prep) - len(art)
        spans = [(s + shift, e + shift, k, p) for s, e, k, p in spans]
        name = self.voc.raw["orgs"][chosen]["name"] if chosen else None
        start, end = len(prep), len(prep) + len(base)
        if base.endswith(")") and " (" in base:  # a long name and its acronym: two surfaces
            cut = start + base.rindex(" (")
            org = ("org", (name, owner))
            spans[:0] = [(start, cut, *org), (cut + 2, end - 1, *org)]
        else:
            spans.insert(0, (start, end, "org", (name, owner)))
        return prep + base, spans

    def slot(self, part: tuple, roles: dict, cache: dict) -> tuple[str, list]:
        name, key, form, alt_a, alt_b = part
        if alt_a is not None:  # agreement: FR singular|plural, AR masculine|feminine
            if name in roles:
                if self.lang == "ar":
                    masc = self.voc.countries[roles[name]]["ar"]["g"] == "m"
                    return (alt_a if masc else alt_b), []
                return (alt_b if self.plural.get(name) else alt_a), []
            return (alt_a if self.org_choice(cache, name, key)[2] == "m" else alt_b), []
        if name in roles:
            text, s, e, kind, plural = self.pick(self.voc.forms(roles[name], self.lang,
                                                                form or "nom"))
            if kind != "demonym":
                self.plural[name] = plural
            return text, [(s, e, "country", (roles[name], kind))]
        if name in ("OM", "OP", "OQ", "OI", "ORG"):
            return self.org(cache, name, key, form)
        if name in ("NM", "NP", "NT"):
            persons, lang = self.voc.raw["persons"], self.lang
            pool = {"NM": persons["ma"].get(lang) or persons["ma"]["en"],  # Latin script in fr
                    "NT": persons["trap"].get(lang) or persons["intl"][lang]}.get(name)
            text = _choice(self.rng, pool or persons["intl"][lang])
            return text, [(0, len(text), "person", ())]
        text = self.plain(name, form)
        if self.lang == "fr" and name != "REG" and form in ("de", "au", "loc", "dx"):
            art, base = _fr_split(text)
            text = _fr_prep(art, base, form) + base
        elif self.lang == "ar" and form in ("w", "b", "l"):
            text = _ar_clitic(form, text)
        return text, []

    def plain(self, name: str, form: str | None) -> str:
        """Slots that never enter the truth: places, regions, numbers, topics."""
        rng, lang, raw = self.rng, self.lang, self.voc.raw
        if name in _NUMBERS:
            return str(rng.randint(*_NUMBERS[name]))
        if name == "YEAR":
            return str(rng.randint(2003, max(2004, self.year - 1)))
        if name == "MCITY":
            return _choice(rng, raw["mcities"][lang])
        if name == "PCITY":
            cap = self.voc.countries[self.roles["P"]][lang].get("cap")
            if not cap:
                raise _Missing(name)
            return cap
        if name in ("CAP", "CAP2"):
            while (cap := _choice(rng, self.voc.caps[lang])) == self.cap and name == "CAP2":
                pass
            self.cap = cap
            return cap
        if name == "REG":
            return _choice(rng, raw["regions"][lang])[form if form in ("loc", "de") else "nom"]
        key = {"TOPIC": "topics", "MONEY": "money", "DAY": "weekdays"}[name]
        return _choice(rng, raw[key][lang])

    def fill(self, tpl: _Template, roles: dict, cache: dict) -> tuple[str, list]:
        """Realise a template: its text and the spans of everything that goes into the truth."""
        out: list[str] = []
        spans: list = []
        pos, opened, slot = 0, 0, self.slot
        for part in tpl.parts:
            if part.__class__ is str:
                out.append(part)
                pos += len(part)
                continue
            if len(part) == 5:
                text, sub = slot(part, roles, cache)
                if sub:
                    spans += [(pos + s, pos + e, k, p) for s, e, k, p in sub]
            elif len(part) == 2:  # {~a|b}: wording varies between pages
                text = _choice(self.rng, part[1])
            elif len(part) == 1:  # [[ ... ]]: an organisation named by its owner's demonym
                if part[0] == "[[":
                    opened = pos
                    continue
                inner = "".join(out)[opened:]
                start = opened + next((len(a) for a in _ORG_ARTICLES if inner.startswith(a)), 0)
                owner = next((p[0] for a, _, k, p in spans if k == "country" and a >= opened), None)
                spans.append((start, pos, "org", (None, owner)))
                continue
            out.append(text)
            pos += len(text)
        return "".join(out), spans

    def sentence(self, kind: str, *, connector: bool = False, event: str | None = None
                 ) -> _Sent | None:
        """One body sentence of `kind` (an event type, bg, ma, quote, trap, close) or None."""
        pool, failed = self.voc.pool(self.lang, kind, self.allowed), set()
        tpl = _choice(self.rng, pool) if pool else None  # usually fresh: no list to build
        while True:
            if tpl is None or id(tpl) in failed or (id(tpl) in self.used and not self.repeat):
                fresh = [t for t in pool if id(t) not in failed
                         and (self.repeat or id(t) not in self.used)]
                if not fresh:
                    return None
                tpl = _choice(self.rng, fresh)
            try:
                text, spans = self.fill(tpl, self.roles, {})
                break
            except _Missing:
                failed.add(id(tpl))
        self.used.add(id(tpl))
        if connector and tpl.connectable:
            lead = _choice(self.rng, self.voc.raw["connectors"][self.lang])
            text, spans = lead + text, [(s + len(lead), e + len(lead), k, p)
                                        for s, e, k, p in spans]
        else:
            text = text[:1].upper() + text[1:]
        return _Sent(text, spans, event)

    def title(self, etype: str, roles: dict) -> str:
        """A headline; its mentions are not body truth, so the spans are dropped."""
        titles = self.voc.titles[self.lang]
        for tpl in (_choice(self.rng, titles[etype]), *titles[etype], titles["meeting"][0]):
            try:
                text = self.fill(tpl, roles, {})[0]
                return text[:1].upper() + text[1:]
            except _Missing:
                continue
        raise AssertionError("the first meeting title uses names only")


def _compose(rng: random.Random, voc: _Vocab) -> _Article:
    """An article: language, outlet, date, countries, then paragraphs of sentences."""
    rates, lang = voc.rates, voc.langs.draw(rng)
    outlet, date = voc.outlets[lang].draw(rng), None
    if rng.random() >= rates["no_date"]:
        date = FIRST_DAY + dt.timedelta(days=int(rng.random() * ((LAST_DAY - FIRST_DAY).days + 1)))
    p = voc.partner(rng)
    q = voc.partner(rng, (p,))
    roles = {"M": voc.raw["focal"], "P": p, "Q": q, "R": voc.partner(rng, (p, q))}
    regional = rng.random() < rates["regional"]  # partners only, the focal country absent
    ctx = _Ctx(rng, voc, lang, roles, (date or LAST_DAY).year,
               frozenset("PQR" if regional else "MPQR"))
    etype = voc.etypes.draw(rng)
    lo, hi = voc.raw["words"]
    target = lo + int((hi - 20 - lo) * rng.random() ** 1.6)  # most articles 200-400 words
    lead = [ctx.sentence(etype, event=etype)]
    if rng.random() < rates["second_lead"]:
        lead.append(ctx.sentence(etype, event=etype, connector=True))
    paras = [[s for s in lead if s]]
    words = sum(s.words for s in paras[0])
    mix = _Weights([(k, w) for k, w in voc.raw["body_mix"].items()
                    if not (regional and k == "ma")])
    stalls = 0
    while words < target and stalls < 4:
        para: list[_Sent] = []
        for j in range(rng.randint(2, 4)):
            kind, event = mix.draw(rng), None
            if kind == "event":  # half of the later events repeat the lead's type
                event = etype if rng.random() < 0.5 else voc.etypes.draw(rng)
            s = ctx.sentence(event or kind, event=event,
                             connector=j > 0 and rng.random() < rates["connector"])
            if s and words + s.words <= hi:
                para.append(s)
                words += s.words
        stalls = 0 if para else stalls + 1
        ctx.repeat = stalls > 1 and words < lo  # short of words: allow a template twice
        if para:
            paras.append(para)
    close = ctx.sentence("close") if rng.random() < rates["closing"] else None
    if close and words + close.words <= hi:
        paras[-1].append(close)
    troles = {"M": p, "P": q} if regional else roles
    return _Article(lang, outlet, date, ctx.title(etype, troles), [x for x in paras if x], roles,
                    etype)


def _syndicate(rng: random.Random, voc: _Vocab, art: _Article) -> _Article:
    """A near-duplicate: same body under another outlet, a shifted date and light edits."""
    outlets = _Weights([(o, w) for o, w in voc.outlets[art.lang].pairs if o is not art.outlet])
    paras = [list(p) for p in art.paras]
    n_words = sum(s.words for p in paras for s in p)
    if len(paras) >= 3 and rng.random() < 0.4 and n_words - sum(s.words for s in paras[-1]) >= 160:
        paras.pop()
    ctx = _Ctx(rng, voc, art.lang, art.roles, (art.date or LAST_DAY).year, frozenset("MPQR"))
    plain = [(i, j) for i, p in enumerate(paras) for j, s in enumerate(p) if i and not s.event]
    if plain and rng.random() < 0.5:
        i, j = _choice(rng, plain)
        new = ctx.sentence(_choice(rng, ["bg", "trap", "quote"]))
        if new and sum(s.words for p in paras for s in p) - paras[i][j].words + new.words >= 150:
            paras[i][j] = new
    date = art.date and min(LAST_DAY, art.date + dt.timedelta(days=rng.randint(0, 2)))
    if rng.random() < voc.rates["no_date"]:
        date = None
    title = art.title if rng.random() < 0.7 else ctx.title(art.etype, art.roles)
    return replace(art, outlet=outlets.draw(rng), date=date, title=title, paras=paras)


def _format_date(voc: _Vocab, day: dt.date, key: str) -> str:
    """`day` in a named format of the vocabulary; a "+ind" suffix means Arabic-Indic digits."""
    key, _, ind = key.partition("+")
    m, w = day.month - 1, day.weekday()
    fields = {"d": day.day, "dd": f"{day.day:02d}", "m": day.month, "mm": f"{day.month:02d}",
              "Y": day.year, "d_fr": "1er" if day.day == 1 else day.day,
              **{k: v[m] for k, v in voc.raw["months"].items()},
              **{f"w_{k}": v[w] for k, v in voc.raw["weekdays"].items()}}
    text = voc.raw["date_formats"][key].format(**fields)
    return text.translate(_INDIC) if ind else text


@dataclass
class _Page:
    """Page-level state shared by the chrome renderers."""

    rng: random.Random
    voc: _Vocab
    art: _Article
    src: str | None
    hhmm: tuple[int, int]
    engagement: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)

    def fill(self, text: str, **extra: object) -> str:
        """Fill a chrome line's {placeholders}: outlet, dates, times, widget numbers..."""
        if "{" not in text:
            return text
        self.extra = extra
        return _CHROME_SLOT.sub(self._value, text)

    def _value(self, m: re.Match) -> str:
        key, fmt, rng, outlet = m.group(1), m.group(2), self.rng, self.art.outlet
        if key in self.extra:
            return str(self.extra[key])
        if key in ("date", "udate"):
            day = self.extra.get("day") or self.art.date
            assert day is not None, "date lines are skipped on pages without a date"
            if key == "udate":
                day = min(LAST_DAY, day + dt.timedelta(days=rng.randint(0, 3)))
            return _format_date(self.voc, day, fmt)
        if key == "time":
            h, mi = self.hhmm
            return f"{h}h{mi:02d}" if fmt == "h" else f"{h:02d}:{mi:02d}"
        if key in ("outlet", "title"):
            return outlet["name"] if key == "outlet" else self.art.title
        if key in ("section", "author"):
            pool = outlet.get("sections", ["Monde"]) if key == "section" else \
                self.voc.raw["authors"][outlet["chrome"]]
            return _choice(rng, pool)
        lo, hi = {"year": (2024, 2025), "k": (1, 60), "nc": (40, 4000), "issue": (300, 1500),
                  "hour": (6, 20)}[key]
        return f"{rng.randint(lo, hi):,}" if key == "nc" else str(rng.randint(lo, hi))

    def block(self, name: str) -> list[str]:
        spec = self.art.outlet.get("blocks", {}).get(name)
        if spec is None:
            group, _, lang = name.partition(".")
            spec = self.voc.raw["chrome"][group][lang]
        if isinstance(spec, dict):
            spec = spec.get(self.art.lang) or next(iter(spec.values()))
        return [self.fill(line) for line in _choice(self.rng, spec)]

    def pick(self, key: str) -> str | None:
        spec = self.art.outlet.get(key)
        if isinstance(spec, dict):
            spec = spec.get(self.art.lang)
        return _choice(self.rng, spec) if spec else None

    def teaser(self, lang: str) -> str:
        """A headline of another article: other countries, never part of this page's truth."""
        text, pool = self.art.title, self.voc.teasers(lang)
        while text == self.art.title:
            text = _choice(self.rng, pool)
        return text

    def counters(self) -> list[str]:
        """Engagement lines in the outlet's style; the values printed are the truth."""
        lines, rng = [], self.rng
        for group in self.art.outlet.get("counters", []):
            fmt, metric = _choice(rng, group)
            v = int(rng.expovariate(1 / _METRIC_SCALE[metric])) + (150 if metric == "views" else 0)
            extra: dict = {"v": v, "vc": f"{v:,}"}
            if "{bar}" in fmt:  # a row of reaction buttons, the metric is their sum
                bar = [int(rng.expovariate(0.5)) for _ in range(6)]
                v, extra["bar"] = sum(bar), " ".join(map(str, bar))
            if "{vk}" in fmt and v >= 1000:
                v = round(v, -2)
                extra["vk"] = f"{v / 1000:.1f}K".replace(".0K", "K")
            extra.setdefault("vk", v)
            self.engagement[metric] = v
            lines.append(self.fill(fmt, **extra))
        return lines

    def readers(self) -> list[str]:
        """Reader comments under the article: names, ages and opinions (chrome, not body)."""
        raw, lang, rng, lines = self.voc.raw, self.art.outlet["chrome"], self.rng, []
        for _ in range(min(self.engagement.get("comments", 0), rng.randint(1, 3))):
            said = raw["reader_comments"][_choice(rng, [lang, self.art.lang])]
            lines += [_choice(rng, raw["reader_names"]), _choice(rng, raw["ago"][lang]),
                      _choice(rng, said)]
        return lines

    def body(self) -> tuple[list[tuple[str, str]], list[tuple[int, _Sent]], list[str]]:
        """Body lines (dateline, in-body teasers), each sentence's offset, and the body lines."""
        rng, art, out, raw = self.rng, self.art, self.art.outlet, self.voc.raw
        prefix = ""
        if rng.random() < out["p_dateline"]:
            forms = out.get("dateline", {}).get(art.lang) or raw["datelines"][art.lang]
            forms = [f for f in forms if "{date" not in f or art.date] or ["{City} - "]
            cap = self.voc.countries[art.roles["P"]][art.lang].get("cap")
            city = cap if cap and rng.random() < 0.3 else _choice(rng, raw["mcities"][art.lang])
            prefix = self.fill(_choice(rng, forms), City=city, CITY=city.upper())
        lines: list[tuple[str, str]] = []
        body: list[str] = []
        offsets: list[tuple[int, _Sent]] = []
        pos, teasers = 0, 0
        for i, para in enumerate(art.paras):
            if i and rng.random() < out["para_gap"]:
                lines.append(("blank", ""))
            if i and teasers < 2 and rng.random() < out["p_readalso"] / 2:
                teasers += 1
                form = _choice(rng, raw["readalso"][art.lang])
                title = self.teaser(art.lang)
                lines += [("chrome", f.format(t=title)) for f in
                          (form if isinstance(form, list) else [form])]
                lines += [("blank", "")] if rng.random() < out["para_gap"] else []
            cur = pos + len(prefix if i == 0 else "")
            for s in para:
                offsets.append((cur, s))
                cur += len(s.text) + 1
            text = (prefix if i == 0 else "") + " ".join(s.text for s in para)
            lines.append(("body", text))
            body.append(text)
            pos += len(text) + 1
        return lines, offsets, body


def _render(page: _Page) -> tuple[list[tuple[str, str]], list[tuple[int, _Sent]], list[str]]:
    """All page lines as (kind, text), kind in title/body/chrome/blank, following the layout."""
    rng, art, out = page.rng, page.art, page.art.outlet
    lines: list[tuple[str, str]] = []
    offsets: list = []
    body: list[str] = []
    with_counters = rng.random() < out["p_counters"]
    for entry in out["layout"]:
        name, _, p = entry.partition(":")
        if name == "$source" and page.src:
            p = "0.8"  # syndicated copies usually credit the original outlet
        if p and rng.random() >= float(p):
            continue
        got: list[str] = []
        if name == "$body":
            body_lines, offsets, body = page.body()
            lines += body_lines
        elif name == "$title":
            style = _choice(rng, out["title"])
            if style == "suffix":  # a browser-tab title, chrome by the labelling rules
                lines.insert(0, ("chrome", f"{art.title} {_choice(rng, '|-–')} {out['name']}"))
            lines.append(("title", f"*{art.title}*" if style == "star" else art.title))
        elif name in ("$date", "$udate", "$byline", "$source"):
            fmt = page.pick(name[1:])
            if fmt and (art.date or name in ("$byline", "$source")):
                got = [page.fill(fmt, src=page.src or "AAP")]
        elif name == "$counters":
            got = page.counters() if with_counters else []
        elif name == "$readers":
            got = page.readers()
        elif name == "$related" and out.get("related"):
            rel = out["related"]
            lang = art.lang if out.get("related_lang") == "body" else out["chrome"]
            head = rel["head"][lang] if isinstance(rel["head"], dict) else rel["head"]
            got = [_choice(rng, head)]
            for _ in range(rng.randint(*rel["k"])):
                day = FIRST_DAY + dt.timedelta(days=rng.randrange(2500))
                got.append(page.fill(_choice(rng, rel["fmt"]), t=page.teaser(lang), day=day))
        elif not name.startswith("$"):
            got = page.block(name)
        if out.get("digits") == "ind":
            got = [g.translate(_INDIC) for g in got]
        lines += [("chrome", g) for g in got]
        if got or name in ("$body", "$title"):
            lines += [("blank", _choice(rng, ["", "", "", " ", "  "]))] * \
                _choice(rng, [0, 1, 1, 1, 2])
    return lines, offsets, body


def _truth_spans(voc: _Vocab, offsets: list[tuple[int, _Sent]], body: str) -> dict:
    """Mentions, organisations, persons and events with offsets into the body text."""
    mentions, orgs, persons, events = [], [], [], []
    for start, s in offsets:
        isos, owners = set(), set()
        for a, b, kind, payload in s.spans:
            rec = {"surface": body[start + a:start + b], "start": start + a, "end": start + b}
            if kind == "country":
                mentions.append({"iso3": payload[0], **rec, "kind": payload[1]})
                isos.add(payload[0])
            elif kind == "org":
                orgs.append({**rec, "name": payload[0] or rec["surface"], "iso3": payload[1]})
                owners.add(payload[1])
            else:
                persons.append(rec)
        if s.event:
            events.append({"sentence": s.text, "type": s.event,
                           "code": voc.raw["event_codes"][s.event], "countries": sorted(isos),
                           "org_countries": sorted(owners - isos - {None})})
    first_orgs = {o["surface"]: o for o in reversed(orgs)}  # each surface once, first occurrence
    return {"mentions": mentions, "orgs": sorted(first_orgs.values(), key=lambda o: o["start"]),
            "persons": list(dict.fromkeys(p["surface"] for p in persons)), "events": events}


def _name(seed: int, i: int) -> str:
    return f"{i:03d}_{hashlib.sha1(f'{seed}:{i}'.encode()).hexdigest()[:8]}.txt"


def _original(voc: _Vocab, seed: int, j: int) -> tuple[int, _Article]:
    """The root page a syndicated copy descends from, and its article as first published."""
    while True:
        rng = random.Random(f"{seed}:{j}")
        if rng.random() < voc.rates["duplicate"] and j >= 10:
            j = j - 1 - rng.randrange(min(j, 200))
            continue
        return j, _compose(rng, voc)


def _page(voc: _Vocab, seed: int, i: int) -> SamplePage:
    rng = random.Random(f"{seed}:{i}")
    rates, root, src = voc.rates, None, None
    if rng.random() < rates["duplicate"] and i >= 10:
        root, original = _original(voc, seed, i - 1 - rng.randrange(min(i, 200)))
        art, src = _syndicate(rng, voc, original), original.outlet["name"]
    else:
        art = _compose(rng, voc)
    page = _Page(rng, voc, art, src, (rng.randint(6, 23), rng.randrange(60)))
    lines, offsets, body_lines = _render(page)
    text = "\n".join(t for _, t in lines).rstrip(" \n") + "\n"
    body = "\n".join(body_lines)
    spans = _truth_spans(voc, offsets, body)
    encoding, draw = "utf-8", rng.random()
    if draw < rates["bom"]:
        encoding = "utf-8-sig"
    elif draw < rates["bom"] + rates["cp1252"] and art.lang != "ar":
        try:
            text.encode("cp1252")
            encoding = "cp1252"
        except UnicodeEncodeError:
            pass
    if rng.random() < rates["crlf"]:
        text = text.replace("\n", "\r\n")
    truth = {
        "source": _name(seed, i), "title": art.title,
        "outlet": art.outlet.get(f"name_{art.lang}", art.outlet["name"]),  # in the body's script
        "published": art.date.isoformat() if art.date else None, "language": art.lang,
        "style": art.outlet["style"], "countries": sorted({m["iso3"] for m in spans["mentions"]}),
        "countries_optional": [], **spans,
        "engagement": page.engagement, "body": body,
        "chrome": [t for k, t in lines if k == "chrome" and t.strip()],
        "duplicate_of": _name(seed, root) if root is not None else None,
        "encoding": encoding, "n_words": len(body.split()),
    }
    return SamplePage(_name(seed, i), text, truth, encoding)


def generate(*, n: int = 300, seed: int = 0, start: int = 0) -> Iterator[SamplePage]:
    """Pages start..start+n-1 of the corpus for `seed`; page i is the same whatever n/start."""
    voc = _vocab()
    for i in range(start, start + n):
        yield _page(voc, seed, i)


def write_sample(out: str | Path, *, n: int = 300, seed: int = 0) -> Path:
    """Write the pages plus `truth.jsonl` into `out` atomically; refuse a non-sample directory."""
    out = Path(out)
    if out.exists() and not (out.is_dir() and ((out / MARKER_FILE).is_file()
                                               or not any(out.iterdir()))):
        raise FileExistsError(f"{out} exists and is not a ctkit sample directory "
                              f"(no {MARKER_FILE}); refusing to overwrite it")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        os.chmod(tmp, 0o755)
        with open(tmp / TRUTH_FILE, "w", encoding="utf-8") as truth:
            for page in generate(n=n, seed=seed):
                (tmp / page.name).write_bytes(page.text.encode(page.encoding))
                truth.write(json.dumps(page.truth, ensure_ascii=False) + "\n")
        marker = {"generator": "ctkit.sample", "n": n, "seed": seed, "truth": TRUTH_FILE}
        (tmp / MARKER_FILE).write_text(json.dumps(marker) + "\n", encoding="utf-8")
        if out.exists():  # swap: the old sample is renamed away, then removed
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
            os.rename(out, old / out.name)
            os.rename(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
