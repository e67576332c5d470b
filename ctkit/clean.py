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
import string
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, lru_cache
from itertools import chain
from typing import Any

import ahocorasick

from .gazetteer import data_rows
from .text import WORD, words

#: chrome kinds whose patterns are loose enough to hit a sentence: they only classify short
#: lines (a prose-length line matched by one is body, unless it is wholly in parentheses)
_LOOSE = {"attribution", "updated", "nav", "live", "ad", "time", "views", "likes", "recommend"}
_SENT_END = re.compile(r"([.!:;…]|[.!?؟…]\s*[\"'»”)\]])\s*$")
_QUESTION_END = re.compile(r"[?؟]\s*$")
_TWO_SENTENCES = re.compile(r"[.!?؟]\s+\S.*[.!?؟]\s*$")
_TITLE_MARKS = re.compile(r"^\s*[*_#=]+\s*|\s*[*_#=]+\s*$")
_MARKS = "*_#="
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


@dataclass(frozen=True)
class _Matcher:
    """A set of chrome patterns run in one pass over a line, not one call per pattern.

    `whole` is the fullmatch patterns as one alternation of non-capturing groups (`_bare`): it
    says whether one of them matches. Most lines match none, and without capturing groups the
    regex engine rejects an alternative at its first character, so the test costs 2.4x less
    than with a group per pattern; for the few lines it accepts, `named` (the same alternation
    with one capturing group per pattern, none inside) says which: an alternation tries its
    alternatives in order, so the group that matched is the first pattern that matches.
    The `contains` patterns are searched one by one, as `_Pattern.match` does, on the few
    lines that pass `quick` (see `_quick_search`): one automaton pass over the lowered line
    looks for all its strings at once."""

    whole: re.Pattern[str]
    named: re.Pattern[str]
    full: tuple[tuple[int, _Pattern], ...]
    contains: tuple[tuple[int, _Pattern], ...]
    quick: tuple[str, ...] | None
    _quick_finder: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.quick is not None:
            finder = ahocorasick.Automaton()
            for s in (*self.quick, *_CASE_ODD_LOWERED):  # an odd line is always tested
                finder.add_word(s, s)
            finder.make_automaton()
            object.__setattr__(self, "_quick_finder", finder)

    def first(self, line: str) -> int | None:
        """Index (in `patterns()`) of the first of these patterns that `line` matches."""
        best = None
        if self.whole.fullmatch(line):  # the bare forms match what the patterns match
            best = self.full[self.named.fullmatch(line).lastindex - 1][0]
        if self.contains and (self._quick_finder is None
                              or _holds_one(line.lower(), self._quick_finder)):
            for i, p in self.contains:
                if best is not None and i > best:
                    break
                if p.match(line):
                    return i
        return best


def _holds_one(low: str, finder: Any) -> bool:
    """True when `low` holds one of the strings of `finder` (an Aho-Corasick automaton)."""
    for _ in finder.iter(low):
        return True
    return False


@cache
def _matcher(*, strict: bool) -> _Matcher:
    """All chrome patterns, or (`strict`) those whose kind is not in `_LOOSE`."""
    chosen = [(i, p) for i, p in enumerate(patterns()) if not (strict and p.kind in _LOOSE)]
    if any(re.search(r"\\[1-9]", p.regex.pattern) for _, p in chosen):
        raise ValueError("chrome.tsv: a numbered back-reference would change meaning here")
    full = tuple((i, p) for i, p in chosen if not p.contains)
    bare = [_bare(p.regex.pattern) for _, p in full]
    whole = re.compile("|".join(bare) or "(?!)", re.IGNORECASE)  # (?!): matches nothing
    named = re.compile("|".join("(" + b.removeprefix("(?:") for b in bare) or "(?!)",
                       re.IGNORECASE)
    contains = tuple((i, p) for i, p in chosen if p.contains)
    return _Matcher(whole, named, full, contains,
                    _quick_search([p.regex.pattern for _, p in contains]))


def _bare(pattern: str) -> str:
    """`pattern` as a non-capturing group with its capturing groups made non-capturing (the
    same matches: back-references are refused by `_matcher`)."""
    out, pos, in_class = [], 0, False
    while pos < len(pattern):
        c = pattern[pos]
        step = 2 if c == "\\" else 1  # an escape is copied whole
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            for lead in "^]":  # "[^]" / "[]": the "]" here is a member, not the end
                if pattern[pos + step:pos + step + 1] == lead:
                    step += 1
        elif c == "(" and pattern[pos + 1:pos + 2] != "?":
            out.append("(?:")
            pos += 1
            continue
        out.append(pattern[pos:pos + step])
        pos += step
    return "(?:" + "".join(out) + ")"


#: lowercase letters that re.IGNORECASE matches only to characters that `str.lower` turns into
#: the letter, but for the odd characters "İıſ" ("ı" matches "i", "ſ" matches "s", "İ" lowers
#: to two characters, the only one that does): checked once over every Unicode character
#: (Python 3.11). A lowered line holds one of `_CASE_ODD_LOWERED` when the line held one of them.
_LATIN_LOWER = set(string.ascii_lowercase) | {c for c in map(chr, range(0xDF, 0x100))
                                              if c.isalpha()}
_CASE_ODD_LOWERED = ("\u0307", "ı", "ſ")  # "İ" lowers to "i\u0307"


def _quick_search(contains: list[str]) -> tuple[str, ...] | None:
    """Strings of which a lowered line holds one whenever one of the `contains` regexes
    (case-insensitive searches) could match the line; None if unsure for some regex.

    Why: a case-insensitive search of `\\b(a|b)\\b` tries every position of the line in turn;
    `in` tests for a few plain strings (each alternative's longest run of plain characters,
    `_anchor`) are 4x faster, and few lines hold one. Exact on the lowered line when a regex
    is made of lowercase `_LATIN_LOWER` letters, uncased characters (spaces, Arabic), groups,
    `|`, `.` and quantifiers, and the line has no odd character ("İıſ")."""
    anchors = set()
    for x in contains:
        x = _ungroup(x.removeprefix(r"\b").removesuffix(r"\b"))
        if any(t in x for t in ("\\", "[", "(?", "^", "$")) or not all(
                c in _LATIN_LOWER or c.lower() == c.upper() == c for c in x):
            return None
        for alternative in _alternatives(x):
            anchor = _anchor(alternative)
            if len(anchor) < 3:
                return None
            anchors.add(anchor)
    # a string that holds another anchor adds nothing
    return tuple(sorted(a for a in anchors if not any(b != a and b in a for b in anchors)))


def _alternatives(x: str) -> list[str]:
    """`x` split at its top-level `|` (not those inside groups)."""
    out, depth, start = [], 0, 0
    for pos, c in enumerate(x):
        depth += (c == "(") - (c == ")")
        if c == "|" and depth == 0:
            out.append(x[start:pos])
            start = pos + 1
    return [*out, x[start:]]


def _anchor(alternative: str) -> str:
    """The longest run of plain characters outside groups in `alternative` (no top-level
    `|`): every match of it holds the run. A quantifier takes the character before it
    out of the run; a group or `.` ends the run."""
    runs, run, depth, in_braces = [], "", 0, False
    for c in alternative:
        if depth:  # inside a group
            depth += (c == "(") - (c == ")")
        elif in_braces:  # inside {m,n}
            in_braces = c != "}"
        elif c in "(.?*+{":
            runs.append(run[:-1] if c in "?*+{" else run)
            run = ""
            depth, in_braces = int(c == "("), c == "{"
        else:
            run += c
    return max([*runs, run], key=len)


def _ungroup(x: str) -> str:
    """`x` without the group around all of it ("(a|b)" -> "a|b"), if it is one."""
    depth = 0
    for pos, c in enumerate(x):
        depth += (c == "(") - (c == ")")
        if depth == 0 and pos < len(x) - 1:
            return x  # the first group closes before the end (or x does not start with one)
    return x[1:-1] if x.startswith("(") and not x.startswith("(?") else x


def _untitled(line: str) -> str:
    """`line` (stripped) without title marks ("** Title **", "## Title"): `_TITLE_MARKS.sub`,
    skipped when the line neither starts nor ends with a mark, as most lines do."""
    if line[:1] in _MARKS or line[-1:] in _MARKS:
        return _TITLE_MARKS.sub("", line)
    return line


@lru_cache(maxsize=65536)
def chrome_kind(line: str, *, prose: bool = False) -> _Pattern | None:
    """The chrome pattern `line` matches, if any (prose-length lines: strict kinds only).

    The first pattern in file order that matches the line, or the line without its leading
    symbols. Cached: an outlet's boilerplate lines repeat on every one of its pages."""
    s = _untitled(line.strip()) or line.strip()
    lead = _LEAD_SYMBOLS.match(s)  # anchored at the start: one match at most
    bare = (s[lead.end():] or s) if lead else s
    loose_ok = not prose or (s.startswith("(") and s.endswith(")"))
    matcher = _matcher(strict=not loose_ok)
    hits = [i for i in (matcher.first(s), matcher.first(bare) if bare != s else None)
            if i is not None]
    return patterns()[min(hits)] if hits else None


def is_prose(line: str) -> bool:
    """A line that reads like a paragraph of running text (a headline question does not)."""
    return _is_prose(line, len(WORD.findall(line)))


def _is_prose(line: str, n: int) -> bool:
    """`is_prose` for a line of `n` words (`clean` counts the words of each line once)."""
    if n >= 25:
        return True
    if n >= 10 and _SENT_END.search(line):
        return True
    if n >= 16 and _QUESTION_END.search(line):
        return True
    return n >= 6 and bool(_TWO_SENTENCES.search(line))


def _sentence_like(line: str) -> bool:
    return len(WORD.findall(line)) >= 4 and bool(re.search(r"[.!?؟»\"”]\s*$", line))


def split_long(text: str, *, max_chars: int) -> str:
    """Cut lines longer than `max_chars` at sentence ends (or hard) so each stays bounded."""
    if max_chars <= 0 or len(text) <= max_chars or all(
            len(ln) <= max_chars for ln in text.split("\n")):
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
    items = [(i, t) for i, ln in enumerate(raw.split("\n")) if (t := ln.strip())]
    texts = [t for _, t in items]
    line_words = [WORD.findall(t) for t in texts]  # found once, counted by every test below
    n_words = list(map(len, line_words))
    keys = [_untitled(t) for t in texts]  # a repeated line is repeated whatever its title marks
    counts = Counter(keys)
    prose = [_is_prose(t, n) and (counts[k] == 1 or n >= 25)
             for t, k, n in zip(texts, keys, n_words, strict=True)]
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
        return _no_prose(items, kinds, line_words, keep_header=keep_header)
    # a short opening sentence just above the first paragraph is body, not header
    while first > 1 and kinds[first - 1] is None and _sentence_like(texts[first - 1]) \
            and n_words[first - 1] >= 6:
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
        elif real_prose[pos] and n_words[pos] >= 15:
            in_block = False
        if kind:
            out.append(Line(t, kind, idx))
        elif in_block:
            out.append(Line(t, "teaser", idx))
        elif pos <= last or _sentence_like(t) and _only_sentences_between(items, kinds, last, pos):
            out.append(Line(t, "body", idx))
        else:
            out.append(Line(t, "footer", idx))
    return _cleaned(out, line_words)


def _cleaned(lines: list[Line], line_words: list[list[str]]) -> Cleaned:
    """The page's classified lines with their body; `words(body)` is set from the body lines'
    words (a word never spans two lines), which spares the stages a second scan."""
    body_lines = [i for i, ln in enumerate(lines) if ln.kind == "body"]
    body = "\n".join([lines[i].text for i in body_lines])
    words.keep(body, list(chain.from_iterable(line_words[i] for i in body_lines)))
    return Cleaned(body, tuple(lines))


def _only_sentences_between(items: list, kinds: list, last: int, pos: int) -> bool:
    """True when every line between the last prose line and `pos` is sentence-like body."""
    return all(kinds[j] is None and _sentence_like(items[j][1]) for j in range(last + 1, pos))


def _no_prose(items: list[tuple[int, str]], kinds: list[str | None],
              line_words: list[list[str]], *, keep_header: bool = False) -> Cleaned:
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
    return _cleaned(out, line_words)
