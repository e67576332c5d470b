"""Audience engagement printed on the page (comments, shares, views, reactions, likes), read
from the lines `clean` set aside as chrome; never inferred, never invented.

A counter is a number next to a metric word in EN/FR/AR ("1.2K views", "تعليقات (4)",
"شوهد 540 مرة"), or next to a metric symbol (👁 760, 💬 4, ❤ 27). A row of bare numbers
("0 0 3 0 1 0") is a reaction bar; a single bare number after a bullet ("• 31") is a share
count. Dates and times are never counters.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .clean import Cleaned
from .dates import find_date

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٬٫", "01234567890123456789,.")
_NUMBER = (r"(?<![\w.,/:])(?P<num>\d{1,3}(?:[,.\u00a0\u202f ]\d{3})+(?![\d/:])|\d+(?:[.,]\d+)?)"
           r"(?![\d/:])\s*(?P<mult>[kKmM](?![a-zA-Z])|ألف)?")
_NUM = re.compile(_NUMBER)
_METRICS = {
    "comments": r"comments?|commentaires?|réponses?|responses?|replies|تعليق\w*|ردود|💬",
    "views": r"views?|reads?|vues?|lectures?|affichages?|consultations?|hits|مشاهد\w*|قراء\w*"
             r"|شوهد|قرئ|👁\ufe0f?|👀",
    "shares": r"shares?|partages?|partager|مشاركات|مشاركة|شارك|🔁|↗",
    "likes": r"likes?|(?:bloggers?|people) like this|personnes aiment|j'aime|إعجاب\w*|❤\ufe0f?"
             r"|♥|👍",
    "reactions": r"reactions?|réactions?|تفاعل\w*",
}
_WORD = "|".join(f"(?P<{k}>{v})" for k, v in _METRICS.items())
_AFTER = re.compile(rf"{_NUMBER}\s*(?:{_WORD})", re.IGNORECASE)
_BEFORE = re.compile(rf"(?:{_WORD})(?:\s+[^\W\d]+)?\s*[:(]?\s*{_NUMBER}", re.IGNORECASE)
#: dates, times and reading times are not counters
_NOT_COUNTS = re.compile(r"\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}|\d{1,2}:\d{2}"
                         r"|\d+\s*(?:min\b|mn\b|minutes?|دقائق|دقيقة)", re.IGNORECASE)
_SKIP = {"body", "read_also", "recommend", "widget", "after_body"}
_ONE_COMMENT = re.compile(r"\W*(one comment|one response|one reply|un commentaire|une réponse"
                          r"|un seul commentaire|تعليق واحد|رد واحد)\W*", re.IGNORECASE)


def parse_count(s: str) -> list[int]:
    """Integers written in `s` ("1,204", "1.2K", "٥٤٠", "3.4 ألف")."""
    return [_value(m["num"], m["mult"]) for m in _NUM.finditer(s.translate(_DIGITS))]


def _value(raw: str, mult: str | None) -> int:
    if mult:
        val = float(re.sub(r"[\s\u00a0\u202f]", "", raw).replace(",", "."))
        return int(round(val * (1000 if mult.lower() in ("k", "ألف") else 1_000_000)))
    return int(re.sub(r"\D", "", raw))


def line_counters(text: str) -> dict[str, int]:
    """metric -> value for the counters written on one line."""
    return dict(_line_counters(text))


@lru_cache(maxsize=65536)
def _line_counters(text: str) -> tuple[tuple[str, int], ...]:
    """`line_counters` as pairs. Cached: an outlet prints the same copyright and slogan lines,
    which hold digits, on every page."""
    return tuple(_counted(text).items())


def _counted(text: str) -> dict[str, int]:
    s = _NOT_COUNTS.sub(" ", text.translate(_DIGITS))
    date = find_date(s)
    if date:
        s = s[:date[1]] + " " + s[date[2]:]
    found: dict[str, int] = {}
    used: set[int] = set()
    # "Vues : 845", "تعليقات (4)", "👁 845" first, then "845 vues", then "Vues 845"
    before = list(_BEFORE.finditer(s))  # searched once, used by the first and third pass
    for matches, want in ((before, "sep"), (_AFTER.finditer(s), None), (before, None)):
        for m in matches:
            if m.start("num") in used:
                continue
            metric = next(k for k in _METRICS if m.group(k))
            if want == "sep" and not (re.search(r"[:(]\s*$", s[m.end(metric):m.start("num")])
                                      or not m.group(metric)[0].isalpha()):
                continue
            if metric not in found:
                found[metric] = _value(m["num"], m["mult"])
                used.add(m.start("num"))
    nums = [n for n in _NUM.finditer(s) if not re.fullmatch(r"0\d+", n["num"])]
    if len(nums) >= 3 and len(found) <= 1 and not re.search(r"[^\W\d_]{3,}", s):
        return {"reactions": sum(_value(n["num"], n["mult"]) for n in nums)}
    if found:
        return found
    if re.search(r"[^\W\d_]", s):  # words, but no metric word: not a counter line
        return {}
    if len(nums) > 1:
        return {"reactions": sum(_value(n["num"], n["mult"]) for n in nums)}
    if len(nums) == 1 and re.match(r"^\s*[•·*|▪◦►»-]", s):
        return {"shares": _value(nums[0]["num"], nums[0]["mult"])}
    return {}


def find_engagement(cleaned: Cleaned) -> dict[str, int]:
    """metric -> value for the counters on the page (the largest when a counter repeats)."""
    found: dict[str, int] = {}
    for ln in cleaned.lines:
        if ln.kind in _SKIP or len(ln.text) > 160:
            continue
        if _ONE_COMMENT.fullmatch(ln.text):
            found["comments"] = max(found.get("comments", 0), 1)
            continue
        if not any(map(str.isdigit, ln.text)):  # (`_DIGITS` maps digits to digits: not needed)
            continue
        if ln.kind in ("header", "footer", "teaser") and len(ln.text.split()) > 8 \
                and not re.search(r"\s[|·•]\s", ln.text):
            continue  # a headline that happens to hold a number ("... with 18 countries")
        for metric, value in line_counters(ln.text).items():
            found[metric] = max(found.get(metric, 0), value)
    return found
