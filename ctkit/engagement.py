"""Audience engagement printed on the page (comments, shares, views, reactions, likes), read
from the chrome lines `clean` set aside; never inferred, never invented.
"""
from __future__ import annotations

import re

from .clean import Cleaned

_NUM = re.compile(r"(?<![\w])(\d[\d,.  ]*\d|\d)\s*([kKmM]\b|ألف)?")
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_WORD_METRIC = (
    (re.compile(r"like|j'aime|إعجاب", re.I), "likes"),
    (re.compile(r"share|partage|مشارك", re.I), "shares"),
    (re.compile(r"reaction|réaction|تفاعل", re.I), "reactions"),
    (re.compile(r"view|vue|lecture|read|hits|مشاهد|شوهد|قراء|قرئ", re.I), "views"),
    (re.compile(r"comment|réponse|تعليق", re.I), "comments"),
)
_KIND_METRIC = {"comment_count": "comments", "views": "views"}


def parse_count(s: str) -> list[int]:
    """Integers written in `s` ("1,204", "1.2K", "٥٤٠")."""
    out = []
    for m in _NUM.finditer(s.translate(_DIGITS)):
        raw, mult = m.group(1), m.group(2)
        if mult:
            val = float(raw.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
            out.append(int(round(val * (1000 if mult.lower() in ("k", "ألف") else 1_000_000))))
        else:
            out.append(int(re.sub(r"[,.  ]", "", raw)))
    return out


def find_engagement(cleaned: Cleaned) -> dict[str, int]:
    """metric -> value for the counters on the page (the largest when a counter repeats)."""
    found: dict[str, int] = {}

    def put(metric: str, value: int) -> None:
        found[metric] = max(found.get(metric, 0), value)

    for ln in cleaned.lines:
        if ln.kind not in ("comment_count", "views", "likes", "counter", "share"):
            continue
        nums = parse_count(ln.text)
        if not nums:
            continue
        if ln.kind == "counter":
            if len(nums) > 1:
                put("reactions", sum(nums))
            else:
                put("shares", nums[0])
            continue
        metric = next((m for rx, m in _WORD_METRIC if rx.search(ln.text)),
                      _KIND_METRIC.get(ln.kind, "shares"))
        put(metric, nums[0])
    return found
