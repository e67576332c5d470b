"""Article metadata found on the page: title, outlet, published date, language.

Values that come with the input (manifest, export fields, HTML metadata) always win; the page
is read only for what is missing. Header lines (before the body) are read first, then the
chrome after the body, then the body's dateline.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from urllib.parse import urlparse

from .clean import Cleaned, Line
from .dates import find_date, parse_date
from .text import is_arabic

_WORDS = re.compile(r"\w+")
_MARKS = re.compile(r"^[\s*_#=|•·>-]+|[\s*_#=|•·<-]+$")
_OUTLET_WORDS = re.compile(
    r"\b(news|daily|times|post|journal|press|tribune|herald|radio|tv|fm|info|infos|media|médias|"
    r"hebdo|quotidien|magazine|mag|online|express|watch|today|observer|monitor|wire|agency|"
    r"agence|presse|actu|matin|soir|hespress|le360|maghreb|sahel|atlas|afrique|africa|"
    r"gazette|courrier|dépêche|nouvelle|nouvelles|expresso)\b|"
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
    return _MARKS.sub("", line).strip()


def find_title(cleaned: Cleaned) -> str | None:
    """The headline: the best-scoring header line (decorated, repeated, headline-shaped)."""
    header = cleaned.of_kind("header")
    if not header:
        return None
    texts = [ln.text for ln in cleaned.lines]
    last = header[-1].index

    def score(ln: Line) -> float:
        t = strip_marks(ln.text)
        n = len(_WORDS.findall(t))
        s = 0.0
        if re.match(r"^\s*[*_#]", ln.text):
            s += 4
        if texts.count(ln.text) > 1 or sum(strip_marks(x) == t for x in texts) > 1:
            s += 2
        s += 3 if 4 <= n <= 30 else (1 if n == 3 else -3)
        if find_date(t):
            s -= 4
        if _looks_outlet(t) and n <= 4:
            s -= 2
        if re.search(r"[.]\s*$", t):
            s -= 1
        s += 0.5 if ln.index == last else 0
        return s + min(n, 15) / 15

    best = max(header, key=score)
    return strip_marks(best.text) if score(best) > 2 else None


def _looks_outlet(t: str) -> bool:
    return bool(_OUTLET_WORDS.search(t)) or bool(re.search(r"\.(com|ma|fr|net|org|info)\b", t))


def find_outlet(cleaned: Cleaned, *, title: str | None, url: str | None) -> str | None:
    """The outlet: a name glued to a date, an outlet-like header line, the URL, `Source:`."""
    lines = [ln for ln in cleaned.lines if ln.kind != "body"]
    for ln in lines[:12]:
        found = find_date(ln.text)
        if found and found[1] > 1:
            name = strip_marks(ln.text[:found[1]])
            name = re.sub(r"[\s,|•·-]*(le|on|published|publié|نشر|في)?\s*$", "", name,
                          flags=re.IGNORECASE)
            if 2 <= len(name) <= 40 and len(_WORDS.findall(name)) <= 4 and not re.search(
                    r"(updated|publié|mis à jour|posted|تحديث|نشر|\d)", name, re.IGNORECASE):
                return name
    for ln in cleaned.of_kind("header", "live", "nav"):
        t = strip_marks(ln.text)
        n = len(_WORDS.findall(t))
        if t and t != title and 1 <= n <= 5 and not find_date(t) and _looks_outlet(t):
            return t
    if url:
        host = urlparse(url).netloc.lower().removeprefix("www.")
        if host:
            return host
    for ln in cleaned.lines:
        m = _SOURCE.match(ln.text)
        if m and ln.kind != "body" and len(_WORDS.findall(m["name"])) <= 6:
            return m["name"].strip()
    return None


def find_published(cleaned: Cleaned, *, language: str | None = None) -> dt.date | None:
    """The publication date: header lines first, then chrome after the body, then dateline."""
    month_first = False
    order = ([ln for ln in cleaned.lines if ln.kind not in ("body", "footer", "teaser")]
             + cleaned.of_kind("footer"))
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
    words = [w.lower() for w in _WORDS.findall(sample)]
    en = sum(w in _EN for w in words)
    fr = sum(w in _FR for w in words)
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
    outlet = given.get("outlet") or find_outlet(cleaned, title=title, url=given.get("url"))
    published = parse_date(given.get("published")) or find_published(cleaned, language=language)
    return Meta(title, outlet, published, language)
