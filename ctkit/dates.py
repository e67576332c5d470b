"""Published dates written on pages: EN/FR/AR month names (CLDR, incl. Maghreb and Levant
variants), numeric forms, Arabic-Indic digits. Only absolute dates: a bare "Today" or
"Thursday" is never resolved against the run date.
"""
from __future__ import annotations

import datetime as dt
import re
from functools import cache, lru_cache

from babel import Locale

from .text import fold_key

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_LOCALES = ("en", "fr", "ar", "ar_MA", "ar_DZ", "ar_TN", "ar_LB", "ar_IQ", "es")
_EXTRA = {"sept": 9, "febr": 2, "juil": 7, "fev": 2, "aout": 8, "decembre": 12}
MIN_YEAR = 1990
# A four-digit 19xx/20xx year, in ASCII or Arabic-Indic digits (as after `_DIGITS`), not
# inside a longer number. Written to start with a character class, which `re` scans for fast;
# the lookbehinds then check the digit before it and which century it is.
_YEAR = re.compile(r"[12١٢۱۲](?<!\d.)(?:(?<=[1١۱])[9٩۹]|(?<=[2٢۲])[0٠۰])\d\d(?!\d)")


@cache
def month_names() -> dict[str, int]:
    """Folded month name or abbreviation -> month number, from CLDR via babel."""
    out: dict[str, int] = {}
    for loc in _LOCALES:
        months = Locale.parse(loc).months
        for ctx in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for num, name in months[ctx][width].items():
                    key = fold_key(name).rstrip(".")
                    if len(key) >= 3:
                        out.setdefault(key, num)
    for k, v in _EXTRA.items():
        out.setdefault(k, v)
    return out


@cache
def _patterns() -> tuple[re.Pattern[str], ...]:
    names = "|".join(sorted((re.escape(k) for k in month_names()), key=len, reverse=True))
    month = rf"(?P<month>{names})\.?"
    day = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|er)?"
    year = r"(?P<year>(?:19|20)\d\d)"
    return (
        re.compile(r"(?<!\d)(?P<iy>(?:19|20)\d\d)[-/.](?P<im>[01]?\d)[-/.](?P<id>[0-3]?\d)(?!\d)"),
        re.compile(rf"(?<!\d){day}\s*(?:de\s+)?{month}\s*(?:\(\w+\)\s*)?,?\s*(?:de\s+)?{year}"
                   r"(?!\d)"),
        re.compile(rf"{month}\s+{day}\s*,?\s*{year}(?!\d)"),
        re.compile(r"(?<!\d)(?P<nd>[0-3]?\d)[/.-](?P<nm>[01]?\d)[/.-](?P<ny>(?:19|20)\d\d)(?!\d)"),
    )


def find_date(text: str, *, today: dt.date | None = None, month_first: bool = False
              ) -> tuple[dt.date, int, int] | None:
    """The first absolute date in `text` as (date, start, end), or None."""
    if not _YEAR.search(text):
        return None  # every pattern needs a four-digit year: skip the costly ones
    return _find_date(text, month_first, (today or dt.date.today()).year + 1)


@lru_cache(maxsize=16384)
def _find_date(text: str, month_first: bool, limit: int) -> tuple[dt.date, int, int] | None:
    """`find_date` for years up to `limit`. Cached: a page's date lines are read by several
    stages, and an outlet prints the same dated lines on many pages."""
    digits = text.translate(_DIGITS)
    norm = fold_key(digits)
    if len(norm) != len(text):  # folding dropped characters: search the digit-mapped text
        norm = digits.lower()
    best: tuple[dt.date, int, int] | None = None
    for pat in _patterns():
        for m in pat.finditer(norm):
            d = _to_date(m, month_first=month_first)
            if d and MIN_YEAR <= d.year <= limit and (best is None or m.start() < best[1]):
                best = (d, m.start(), m.end())
                break
    return best


def _to_date(m: re.Match[str], *, month_first: bool) -> dt.date | None:
    g = m.groupdict()
    try:
        if g.get("iy"):
            return dt.date(int(g["iy"]), int(g["im"]), int(g["id"]))
        if g.get("ny"):
            a, b = int(g["nd"]), int(g["nm"])
            day, month = (b, a) if (month_first and b <= 31 and a <= 12) or a > 31 else (a, b)
            if month > 12 and day <= 12:
                day, month = month, day
            return dt.date(int(g["ny"]), month, day)
        return dt.date(int(g["year"]), month_names()[g["month"].rstrip(".")], int(g["day"]))
    except (ValueError, KeyError):
        return None


def parse_date(value: str | None) -> dt.date | None:
    """A date given with the input (ISO string, export field, manifest) or None."""
    if not value:
        return None
    s = str(value).strip()
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", s)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    found = find_date(s)
    return found[0] if found else None
