"""Separate an article's body from the page chrome around it (EN/FR/AR).

Each line gets a kind: `body`, `header` (before the body: title, outlet, date lines — `meta`
reads them) or a chrome kind from `data/chrome.tsv` (comment forms, counters, teasers ...).
The body runs from the first to the last prose line; inside it only lines that match a chrome
pattern are dropped, so nothing of the body is cut when in doubt. A comment form, comment
counter or copyright line after the body has started ends it; a "You might also like" header
opens a teaser block that lasts until prose resumes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from .gazetteer import data_rows

#: chrome kinds whose patterns are loose enough to hit a sentence: they only classify short
#: lines (a prose-length line matched by one is body, unless it is wholly in parentheses)
_LOOSE = {"attribution", "updated", "nav", "live", "ad", "time", "views", "likes", "recommend"}
_SENT_END = re.compile(r"([.!:;…]|[.!?؟…]\s*[\"'»”)\]])\s*$")
_WORDS = re.compile(r"\w+")
_TITLE_MARKS = re.compile(r"^\s*[*_#=]+\s*|\s*[*_#=]+\s*$")
#: symbols that lead chrome lines ("▶ Live", "🔴 مباشر", "● Breaking"): ignored when matching
_LEAD_SYMBOLS = re.compile(r"^[^\w\s(\[«\"'“‘]+\s*")


@dataclass(frozen=True)
class Line:
    """One non-blank line of the page with its classification."""

    text: str
    kind: str
    index: int


@dataclass(frozen=True)
class Cleaned:
    """The body (paragraphs joined by newlines) and every line of the page, classified."""

    body: str
    lines: tuple[Line, ...]

    def of_kind(self, *kinds: str) -> list[Line]:
        """Lines of the given kinds, in page order."""
        return [ln for ln in self.lines if ln.kind in kinds]


@dataclass(frozen=True)
class _Pattern:
    kind: str
    stop: bool
    block: bool
    regex: re.Pattern[str]
    contains: bool = False  # `.*X.*` patterns are run as a search for X (no backtracking)

    def match(self, line: str) -> bool:
        return bool(self.regex.search(line) if self.contains else self.regex.fullmatch(line))


@cache
def patterns() -> tuple[_Pattern, ...]:
    """Compiled chrome patterns from `data/chrome.tsv`."""
    out = []
    for r in data_rows("chrome.tsv"):
        pat = r["pattern"]
        contains = pat.startswith(".*") and pat.endswith(".*") and len(pat) > 4
        if contains:
            pat = pat[2:-2]
        out.append(_Pattern(r["kind"], r["stop"] == "1", r["block"] == "1",
                            re.compile(pat, re.IGNORECASE), contains))
    return tuple(out)


@lru_cache(maxsize=65536)
def chrome_kind(line: str, *, prose: bool = False) -> _Pattern | None:
    """The chrome pattern `line` matches, if any (prose-length lines: strict kinds only).

    Cached: an outlet's boilerplate lines repeat on every one of its pages."""
    s = _TITLE_MARKS.sub("", line.strip()) or line.strip()
    bare = _LEAD_SYMBOLS.sub("", s) or s
    loose_ok = not prose or (s.startswith("(") and s.endswith(")"))
    for p in patterns():
        if (loose_ok or p.kind not in _LOOSE) and (p.match(s) or (bare != s and p.match(bare))):
            return p
    return None


def is_prose(line: str) -> bool:
    """A line that reads like a paragraph of running text (a headline question does not)."""
    n = len(_WORDS.findall(line))
    if n >= 25:
        return True
    if n >= 10 and _SENT_END.search(line):
        return True
    if n >= 16 and re.search(r"[?؟]\s*$", line):
        return True
    return n >= 6 and bool(re.search(r"[.!?؟]\s+\S.*[.!?؟]\s*$", line))


def _sentence_like(line: str) -> bool:
    return len(_WORDS.findall(line)) >= 4 and bool(re.search(r"[.!?؟»\"”]\s*$", line))


def split_long(text: str, *, max_chars: int) -> str:
    """Cut lines longer than `max_chars` at sentence ends (or hard) so each stays bounded."""
    if max_chars <= 0 or all(len(ln) <= max_chars for ln in text.split("\n")):
        return text
    out = []
    for ln in text.split("\n"):
        while len(ln) > max_chars:
            cut = max(ln.rfind(". ", 0, max_chars), ln.rfind(" ", 0, max_chars))
            cut = cut + 1 if cut > max_chars // 2 else max_chars
            out.append(ln[:cut])
            ln = ln[cut:]
        out.append(ln)
    return "\n".join(out)


def clean(raw: str, *, max_line_chars: int = 200_000, keep_header: bool = False) -> Cleaned:
    """Classify every line of `raw` and return the body with the classified lines.

    `keep_header`: the text is an article body already (an export's text field), so lines
    above the first paragraph are body unless they match a chrome pattern."""
    raw = split_long(raw.replace("\r\n", "\n").replace("\r", "\n"), max_chars=max_line_chars)
    items = [(i, ln.strip()) for i, ln in enumerate(raw.split("\n")) if ln.strip()]
    counts: dict[str, int] = {}
    for _, t in items:
        key = _TITLE_MARKS.sub("", t)
        counts[key] = counts.get(key, 0) + 1
    prose = [is_prose(t) and (counts[_TITLE_MARKS.sub("", t)] == 1
                              or len(_WORDS.findall(t)) >= 25) for _, t in items]
    kinds: list[str | None] = []
    stops: list[bool] = []
    blocks: list[bool] = []
    for (_, t), p in zip(items, prose, strict=True):
        pat = chrome_kind(t, prose=p)
        kinds.append(pat.kind if pat else None)
        stops.append(bool(pat and pat.stop))
        blocks.append(bool(pat and pat.block))
    real_prose = [p and k is None for p, k in zip(prose, kinds, strict=True)]
    first = next((i for i, p in enumerate(real_prose) if p), None)
    if first is None:  # no paragraph of running text: keep every unmatched line after a header
        return _no_prose(items, kinds, keep_header=keep_header)
    # a short opening sentence just above the first paragraph is body, not header
    while first > 1 and kinds[first - 1] is None and _sentence_like(items[first - 1][1]) \
            and len(_WORDS.findall(items[first - 1][1])) >= 6:
        first -= 1
        real_prose[first] = True
    # the body ends at the first stop line after it started, or after the last prose line
    stop_at = next((i for i in range(first + 1, len(items)) if stops[i]), len(items))
    last = max(i for i in range(first, stop_at) if real_prose[i])
    out: list[Line] = []
    in_block = False
    for pos, ((idx, t), kind) in enumerate(zip(items, kinds, strict=True)):
        if pos < first:
            out.append(Line(t, kind or ("body" if keep_header else "header"), idx))
            continue
        if pos >= stop_at:
            out.append(Line(t, kind or "after_body", idx))
            continue
        if blocks[pos]:
            in_block = True
        elif real_prose[pos] and len(_WORDS.findall(t)) >= 15:
            in_block = False
        if kind:
            out.append(Line(t, kind, idx))
        elif in_block:
            out.append(Line(t, "teaser", idx))
        elif pos <= last or _sentence_like(t) and _only_sentences_between(items, kinds, last, pos):
            out.append(Line(t, "body", idx))
        else:
            out.append(Line(t, "footer", idx))
    body = "\n".join(ln.text for ln in out if ln.kind == "body")
    return Cleaned(body, tuple(out))


def _only_sentences_between(items: list, kinds: list, last: int, pos: int) -> bool:
    """True when every line between the last prose line and `pos` is sentence-like body."""
    return all(kinds[j] is None and _sentence_like(items[j][1]) for j in range(last + 1, pos))


def _no_prose(items: list[tuple[int, str]], kinds: list[str | None], *,
              keep_header: bool = False) -> Cleaned:
    """Pages without a paragraph: the first unmatched line is the header, the rest the body."""
    out: list[Line] = []
    seen_header = keep_header
    for (idx, t), kind in zip(items, kinds, strict=True):
        if kind:
            out.append(Line(t, kind, idx))
        elif not seen_header:
            out.append(Line(t, "header", idx))
            seen_header = True
        else:
            out.append(Line(t, "body", idx))
    return Cleaned("\n".join(ln.text for ln in out if ln.kind == "body"), tuple(out))
