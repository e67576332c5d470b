"""Notebook parameters: check names, types and values, and fail with one clear sentence.

A notebook's parameters cell declares typed defaults; papermill (or a user) overrides them. The
next cell calls `validate_parameters` so that a typo in a name, a string where a list was meant
or a date in the wrong format stops the run with a sentence, not a traceback deep in pandas.
"""
from __future__ import annotations

import csv
import difflib
import numbers
import re
import types
import typing
from datetime import date, datetime
from functools import cache
from importlib import resources
from typing import Any

FREQS = ("D", "W", "M", "Q")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO3_RE = re.compile(r"^[A-Z]{3}$")
_LANG_RE = re.compile(r"^[a-z]{2}$")


class ParameterError(ValueError):
    """A notebook parameter has an unknown name, a wrong type or a bad value."""


class Date(str):
    """Marker type: a date written YYYY-MM-DD (validated; the value stays a string)."""


class ISO3(str):
    """Marker type: an ISO 3166-1 alpha-3 code such as 'MAR' (checked against ctkit's list)."""


class Freq(str):
    """Marker type: a period code, one of D (day), W (week), M (month), Q (quarter)."""


#: the parameters shared by ctkit's notebooks (DESIGN.md §4), name -> type
NOTEBOOK_PARAMETERS: dict[str, Any] = {
    "data_dir": str,
    "focal": ISO3,
    "start": Date | None,
    "end": Date | None,
    "outlets": list[str] | None,
    "languages": list[str] | None,
    "min_mentions": int,
    "freq": Freq,
}

#: parameters checked by name whatever type they are declared with (a notebook may say `str`)
_NAMED = {"focal": ISO3, "freq": Freq, "start": Date, "end": Date}

_NAMESPACE = {"str": str, "int": int, "float": float, "bool": bool, "list": list, "None": None,
              "date": date, "Date": Date, "ISO3": ISO3, "Freq": Freq, "Any": Any,
              "Optional": typing.Optional, "Union": typing.Union}


@cache
def known_iso3() -> frozenset[str] | None:
    """ISO3 codes of `ctkit/data/countries.tsv`, or None while that file is not shipped."""
    path = resources.files("ctkit").joinpath("data/countries.tsv")
    if not path.is_file():
        return None
    lines = [ln for ln in path.read_text("utf-8").splitlines() if not ln.startswith("#")]
    rows = csv.DictReader(lines, delimiter="\t")
    return frozenset(r["iso3"].strip() for r in rows if r.get("iso3"))


def _resolve(tp: Any) -> Any:
    """A type annotation given as a string ("list[str] | None") as a type object."""
    if not isinstance(tp, str):
        return tp
    try:
        return eval(tp, {"__builtins__": {}}, dict(_NAMESPACE))  # noqa: S307 - closed namespace
    except Exception as exc:  # noqa: BLE001 - any failure means the annotation is unsupported
        raise TypeError(f"unsupported parameter type annotation {tp!r}") from exc


def _args(tp: Any) -> tuple[Any, ...]:
    """Members of a union type, else ()."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        return typing.get_args(tp)
    return ()


def describe(tp: Any) -> str:
    """A type as words for messages: 'a list of strings or None'."""
    tp = _resolve(tp)
    members = _args(tp)
    if members:
        words = [describe(m) for m in members if m is not type(None)]
        return " or ".join(words + (["None"] if type(None) in members else []))
    if typing.get_origin(tp) in (list, tuple):
        inner = typing.get_args(tp)
        return "a list of " + (describe(inner[0]).split(" ", 1)[-1] + "s" if inner else "values")
    return {str: "a string", int: "an integer", float: "a number", bool: "True or False",
            Date: "a date YYYY-MM-DD", date: "a date YYYY-MM-DD", ISO3: "an ISO3 code",
            Freq: "a period code (D, W, M or Q)", Any: "any value",
            type(None): "None"}.get(tp, f"a {getattr(tp, '__name__', tp)}")


class _Mismatch(Exception):
    pass


def _coerce(value: Any, tp: Any) -> Any:
    """`value` as type `tp` (no guessing: '3' is not an integer), or raise _Mismatch."""
    members = _args(tp)
    if members:
        if value is None:
            if type(None) in members:
                return None
            raise _Mismatch
        for m in members:
            if m is type(None):
                continue
            try:
                return _coerce(value, m)
            except _Mismatch:
                continue
        raise _Mismatch
    if tp is Any:
        return value
    if tp is type(None) or tp is None:
        if value is None:
            return None
        raise _Mismatch
    origin = typing.get_origin(tp)
    if origin in (list, tuple) or tp in (list, tuple):
        if not isinstance(value, list | tuple):
            raise _Mismatch
        inner = typing.get_args(tp)
        return [_coerce(v, inner[0]) if inner else v for v in value]
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise _Mismatch
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise _Mismatch
        return int(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise _Mismatch
        return float(value)
    if tp is Date:
        if isinstance(value, date):  # datetime and pandas Timestamp included
            return value.strftime("%Y-%m-%d")
        if isinstance(value, str):
            return value
        raise _Mismatch
    if tp is date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str) and _DATE_RE.match(value):
            try:
                return date.fromisoformat(value)
            except ValueError:
                return value  # the date check below gives the sentence
        raise _Mismatch
    if tp in (str, ISO3, Freq):
        if isinstance(value, str):
            return str(value)
        raise _Mismatch
    if isinstance(tp, type) and isinstance(value, tp):
        return value
    raise _Mismatch


def _shown(value: Any) -> str:
    text = repr(value)
    return (text[:60] + "...") if len(text) > 63 else text


def _check_value(name: str, value: Any, tp: Any) -> str | None:
    """A sentence saying what is wrong with a well-typed value, or None."""
    kind = _NAMED.get(name) or next((m for m in (_args(tp) or (tp,)) if m in (Date, ISO3, Freq)),
                                    None)
    if kind is None and (tp is date or date in _args(tp)):
        kind = Date
    if kind is Date and isinstance(value, str):
        try:
            ok = bool(_DATE_RE.match(value)) and date.fromisoformat(value) is not None
        except ValueError:
            ok = False
        if not ok:
            return f"Parameter {name!r} must be a date written YYYY-MM-DD, got {_shown(value)}."
    if kind is ISO3 and isinstance(value, str):
        if not _ISO3_RE.match(value):
            return (f"Parameter {name!r} must be an ISO3 country code in capitals such as "
                    f"'MAR', got {_shown(value)}.")
        known = known_iso3()
        if known is not None and value not in known:
            return f"Parameter {name!r} is {value!r}, which is not an ISO3 code ctkit knows."
    if kind is Freq and value not in FREQS:
        return (f"Parameter {name!r} must be one of D, W, M or Q (day, week, month, quarter), "
                f"got {_shown(value)}.")
    if name == "languages" and isinstance(value, list):
        bad = [v for v in value if not _LANG_RE.match(v)]
        if bad:
            return (f"Parameter 'languages' must hold two-letter ISO 639-1 codes such as 'fr', "
                    f"got {_shown(bad)}.")
    if name.startswith("min_") and isinstance(value, int | float) and value < 0:
        return f"Parameter {name!r} must be zero or more, got {value}."
    if isinstance(value, list) and not value:
        return f"Parameter {name!r} is an empty list; use None to keep every value."
    return None


def validate_parameters(params: dict[str, Any], *, allowed: dict[str, Any]) -> dict[str, Any]:
    """`params` checked against `allowed` (name -> type); returns the values, or raises.

    Types: str, int, float, bool, list[str], date, the markers `Date`, `ISO3`, `Freq`, unions
    with None (``list[str] | None``) and the same written as strings (a notebook's
    ``__annotations__`` works as `allowed`). Whatever their declared type, `focal` must be a known
    ISO3 code, `freq` one of D/W/M/Q, `start`/`end` dates YYYY-MM-DD with start <= end. Unknown
    names are an error that lists the allowed ones. Raises ParameterError with one sentence.
    """
    unknown = [k for k in params if k not in allowed]
    if unknown:
        name = unknown[0]
        close = difflib.get_close_matches(name, list(allowed), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ParameterError(f"Unknown parameter {name!r}{hint}; allowed parameters are "
                             f"{', '.join(sorted(allowed))}.")
    out: dict[str, Any] = {}
    for name, value in params.items():
        tp = _resolve(allowed[name])
        if _NAMED.get(name) is Date and isinstance(value, date):  # papermill passes dates typed
            value = value.strftime("%Y-%m-%d")
        try:
            out[name] = _coerce(value, tp)
        except _Mismatch:
            raise ParameterError(f"Parameter {name!r} must be {describe(tp)}, got {_shown(value)} "
                                 f"({type(value).__name__}).") from None
        problem = _check_value(name, out[name], tp)
        if problem:
            raise ParameterError(problem)
    start, end = out.get("start"), out.get("end")
    if start is not None and end is not None and str(start) > str(end):
        raise ParameterError(f"Parameter 'start' ({start}) is after 'end' ({end}).")
    return out
