"""Article metadata found on the page: title, outlet, published date, language.

Values that come with the input (manifest, export fields, HTML metadata) always win; the page
is read only for what is missing. Header lines (before the body) are read first, then the
chrome after the body, then the body's dateline.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from urllib.parse import urlparse

from .clean import Cleaned, Line
from .dates import find_date, parse_date
from .text import fold_key, is_arabic, lowered_words

_WORDS = re.compile(r"\w+")
# decoration stripped from the ends of header lines; whitespace is every character `\s`
# matches (str.isspace: none is above U+3000)
_SPACE = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
_LEAD_MARKS = _SPACE + "*_#=|•·>-"
_TRAIL_MARKS = _SPACE + "*_#=|•·<-"
_OUTLET_WORDS = re.compile(
    r"\b(news|daily|times|post|journal|press|tribune|herald|radio|tv|fm|info|infos|media|médias|"
    r"hebdo|quotidien|magazine|mag|online|express|watch|today|observer|monitor|wire|agency|"
    r"agence|presse|actu|matin|soir|hespress|le360|maghreb|sahel|atlas|afrique|africa|"
    r"gazette|courrier|dépêche|nouvelle|nouvelles|expresso|analysis|review|report|notes|blog|"
    r"bulletin|brief|digest|insight|chronicle|courier|echo|écho|journal|revue|hebdo)\b|"
    r"(جريدة|صحيفة|موقع|وكالة|إذاعة|راديو|قناة|نيوز|بريس|أنباء|اليوم|الأخبار|المساء|الصباح)",
    re.IGNORECASE)
_SOURCE = re.compile(r"^(source|sources|المصدر|مصدر)\s*:\s*(?P<name>.+?)[.\s]*$", re.IGNORECASE)
_EN = frozenset("the and of to in is that for with on was by said from has its at are have "
                "it as be this were will an which their after been".split())
_FR = frozenset("le la les des du de et est une un en que qui dans pour sur au aux avec par "
                "été ont il elle sont ses cette lors selon".split())


@dataclass(frozen=True)
class Meta:
    """What `find_meta` found; None when the page does not say."""

    title: str | None
    outlet: str | None
    published: dt.date | None
    language: str | None


def strip_marks(line: str) -> str:
    """A header line without decoration (*Title*, bullets, pipes)."""
    return line.lstrip(_LEAD_MARKS).rstrip(_TRAIL_MARKS)


_SEPARATED = re.compile(r"\s[|·•]\s|^(live|breaking|urgent|flash|direct|en direct|عاجل|أخبار عاجلة"
                        r"|مباشر)\b", re.IGNORECASE)


def _headline_shaped(t: str) -> bool:
    """`t` (a stripped header line) reads like a headline, not a date line."""
    return _headline_words(t) and not find_date(t)


@lru_cache(maxsize=16384)
def _headline_words(t: str) -> bool:
    """`t` has a headline's words: not too few or many, few digits, no separators. Cached:
    outlets print the same header lines on many pages (the date test is not, as it depends
    on today)."""
    n = len(_WORDS.findall(t))
    digits = sum(map(str.isdigit, t))
    return 3 <= n <= 35 and digits < len(t) / 4 and not _SEPARATED.search(t)


_DECORATED = re.compile(r"^\s*[*_#]")


def find_title(cleaned: Cleaned) -> str | None:
    """The headline: a decorated (*Title*) or repeated header line, else the headline-shaped
    header line closest to the body."""
    header = cleaned.of_kind("header")
    shaped = [ln for ln in header if _headline_shaped(strip_marks(ln.text))]
    if len(shaped) <= 1:
        return strip_marks(shaped[0].text) if shaped else None
    bare = [strip_marks(ln.text) for ln in cleaned.lines]

    def rank(ln: Line) -> tuple[bool, bool, bool, bool, int]:
        t = strip_marks(ln.text)
        decorated = bool(_DECORATED.match(ln.text))
        repeated = bare.count(t) > 1
        n = len(_WORDS.findall(t))
        return decorated, repeated, not t.endswith("."), n >= 5, ln.index

    return strip_marks(max(shaped, key=rank).text)


@cache
def _weekdays() -> frozenset[str]:
    """Folded weekday names in en/fr/ar (CLDR), to strip from outlet+date lines."""
    from babel import Locale

    out = set()
    for loc in ("en", "fr", "ar"):
        for ctx in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                names = Locale.parse(loc).days[ctx][width].values()
                out |= {fold_key(d).rstrip(".") for d in names}
    return frozenset(out | {"اليوم", "today", "aujourd'hui"})


_NOT_OUTLET = re.compile(
    r"^(by|par|published|updated|posted|publié|mis à jour|mis en ligne|modifié|semaine du|"
    r"week of|نشر|بتاريخ|آخر تحديث|menu|search|rechercher|recherche|home|accueil|الرئيسية|بحث|"
    r"press review|revue de presse|about the author|à propos de l'auteur|عن الكاتب|live|direct|"
    r"en direct|مباشر|البث المباشر|بث مباشر|français|english|العربية|عربي|fr|en|ar|español|"
    r"deutsch|posts?|followers|abonnés|articles|about me|à propos)\b", re.IGNORECASE)
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_LEAD = re.compile(r"^[^\w(«\"']+")


@lru_cache(maxsize=65536)
def _outlet_name(raw: str) -> str | None:
    """`raw` cleaned into an outlet name, or None when it is not one (cached, as
    `_line_names`)."""
    t = _LEAD.sub("", strip_marks(raw))
    t = re.sub(r"^(by|par|source|المصدر)\s*:?\s+", "", t, flags=re.IGNORECASE)
    words = [w for w in re.split(r"\s+", t) if w]
    while words and fold_key(words[-1].strip(",.،:-–—|·")).rstrip(".") in _weekdays():
        words.pop()
    t = " ".join(words).strip(" ,.،:-–—|·")
    if not t or fold_key(t).rstrip(".") in _weekdays() or _NOT_OUTLET.match(t):
        return None
    n = len(_WORDS.findall(t))
    if not 1 <= n <= 6 or sum(c.isdigit() for c in t) > 4 or len(t) > 60:
        return None
    return t


def _looks_outlet(t: str) -> bool:
    return bool(_OUTLET_WORDS.search(t)) or bool(re.search(r"\.(com|ma|fr|net|org|info)\b", t))


def find_outlet(cleaned: Cleaned, *, title: str | None, url: str | None,
                language: str | None = None) -> str | None:
    """The outlet: a name glued to a date ("sahelwatch14 مارس 2023"), a "Title – Outlet" line,
    the masthead above the title (its long form over an acronym, in the body's script when
    it is printed in two), the URL's host, or a `Source:` line."""
    lines = [ln for ln in cleaned.lines if ln.kind not in ("body", "after_body")]
    for ln in lines[:15]:
        found = find_date(ln.text)
        if found and found[1] > 1:
            prefix = ln.text[:found[1]]
            glued = prefix[-1:].isalpha() or re.search(r"[|·•—–,-]\s*$", prefix)
            byline = re.match(r"\W*(by|par|بقلم)\b", prefix, re.IGNORECASE)
            name = _outlet_name(prefix) if glued and not byline else None
            if name:
                return name
    title_index = next((ln.index for ln in cleaned.lines
                        if title and strip_marks(ln.text) == title), None)
    masthead = [ln for ln in cleaned.lines if ln.kind in ("header", "nav")
                and strip_marks(ln.text) != title and not find_date(ln.text)]
    above = [ln for ln in masthead if title_index is None or ln.index < title_index]
    below = [ln for ln in masthead if title_index is not None and ln.index > title_index
             and _looks_outlet(ln.text)]
    names = []
    for ln in above + below:
        got = _line_names(ln.text, nav=ln.kind == "nav")
        if got:
            names.append(_best_name(got, language=language))
    strong = [n for n in names if len(n.split()) > 1 or _looks_outlet(n)]
    if strong or names:
        first = names[0] if names[0] in strong else None
        if first is None and (owner := _copyright_owner(cleaned)):
            return owner  # "© 2023 Le Détroit Info" beats a one-word menu item
        return _best_name(tuple(names[:2]), language=language)
    if owner := _copyright_owner(cleaned):
        return owner
    if title:  # a "Title – Outlet" line (the page's <title>)
        for ln in lines[:15]:
            m = re.match(rf"^\W*{re.escape(title)}\W*\s[|–—-]\s+(?P<o>.+)$", ln.text)
            if m and (name := _outlet_name(m["o"])):
                return name
    if url:
        host = urlparse(url).netloc.lower().removeprefix("www.")
        if host:
            return host
    for ln in cleaned.lines:
        m = _SOURCE.match(ln.text)
        if m and ln.kind != "body" and len(_WORDS.findall(m["name"])) <= 6:
            return m["name"].strip()
    return None


_TICKER = re.compile(r"\W*(breaking|urgent|flash|أخبار عاجلة|عاجل|dernière minute)",
                     re.IGNORECASE)
_PARTS = re.compile(r"\s+[|·•–—-]\s+")


@lru_cache(maxsize=65536)
def _line_names(text: str, *, nav: bool) -> tuple[str, ...]:
    """Outlet names printed in one masthead (or, `nav`, menu) line. Cached: outlets print
    the same masthead and menu on every page."""
    if _TICKER.match(text):
        return ()  # a news ticker
    parts = [p for p in _PARTS.split(text) if p.strip()]
    got = [n for n in (_outlet_name(p) for p in parts) if n]
    if nav:  # a menu: only parts that read like an outlet's name
        got = [n for n in got if len(n.split()) >= 2 and (
            _looks_outlet(n) or all(w[:1].isupper() for w in n.split()))]
    return tuple(got)


def _copyright_owner(cleaned: Cleaned) -> str | None:
    """The name in a copyright line ("© 2023 Le Détroit Info. Tous droits réservés")."""
    for ln in cleaned.lines:
        if ln.kind != "copyright" and "©" not in ln.text:
            continue
        t = re.sub(r"(?i)(©|\(c\)|copyright|all rights reserved|tous droits réservés|"
                   r"جميع الحقوق محفوظة|لجريدة|لموقع|\b(19|20)\d\d\b|[-–—]\s*\d{4})", " ",
                   ln.text.translate(_DIGITS))
        parts = [p for p in re.split(r"\s*[.|·•–—-]\s+|\s*[.|]\s*$", t) if p.strip()]
        for p in parts:
            name = _outlet_name(p)
            if name:
                return name
    return None


@lru_cache(maxsize=65536)
def _best_name(names: tuple[str, ...], *, language: str | None) -> str:
    """The outlet among names printed together: the long form over its acronym ("AAP" /
    "Agence Atlas Presse"), and the name in the body's script when it is printed in two
    ("Anbaa Al Maghrib" / "أنباء المغرب"); else the first. Cached, as `_line_names`."""
    first = names[0]
    for other in names[1:]:
        initials = "".join(w[0] for w in _WORDS.findall(other)).upper()
        if first.isupper() and len(first) <= 6 and initials == first.replace(".", ""):
            first = other
    if language and is_arabic(first) != (language == "ar"):
        same_script = [n for n in names if is_arabic(n) == (language == "ar")
                       and not (n.isupper() and len(n) <= 6)]
        if same_script:
            return same_script[0]
    return first


def find_published(cleaned: Cleaned, *, language: str | None = None) -> dt.date | None:
    """The publication date: header lines first, then chrome after the body, then dateline."""
    month_first = False
    order = ([ln for ln in cleaned.lines
              if ln.kind not in ("body", "footer", "teaser", "after_body")]
             + [ln for ln in cleaned.of_kind("footer") if len(_WORDS.findall(ln.text)) <= 8])
    for ln in order:
        if ln.kind in ("read_also", "recommend"):
            continue
        found = find_date(ln.text, month_first=month_first)
        if found:
            return found[0]
    body_start = cleaned.body[:160]
    found = find_date(body_start, month_first=month_first)
    return found[0] if found and found[1] < 80 else None


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of `text`: Arabic script share, then EN/FR function words, then langid."""
    sample = text[:4000]
    if not sample.strip():
        return None
    if is_arabic(sample):
        return "ar"
    if len(text) <= len(sample):  # the body's words, shared with the other stages
        words = lowered_words(text).split()
    elif "\u0130" in sample:  # "İ" lowers to "i" + a combining dot, which splits a word
        words = [w.lower() for w in _WORDS.findall(sample)]
    else:  # lower case once: the same words as lowering each word
        words = _WORDS.findall(sample.lower())
    en = sum(map(_EN.__contains__, words))
    fr = sum(map(_FR.__contains__, words))
    if max(en, fr) >= 5 and max(en, fr) >= 2 * min(en, fr):
        return "en" if en > fr else "fr"
    import py3langid  # only for text that is clearly neither en, fr nor ar

    lang, _ = py3langid.classify(sample)
    return str(lang)


def find_meta(cleaned: Cleaned, *, given: dict[str, str | None]) -> Meta:
    """Metadata for one article; `given` values (from the input) win over the page."""
    title = given.get("title") or find_title(cleaned)
    language = given.get("language") or detect_language(cleaned.body)
    if language:
        language = language.lower()[:2]
    outlet = given.get("outlet") or find_outlet(cleaned, title=title, url=given.get("url"),
                                                language=language)
    published = parse_date(given.get("published")) or find_published(cleaned, language=language)
    return Meta(title, outlet, published, language)
