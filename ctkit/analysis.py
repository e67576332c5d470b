"""DataFrame -> DataFrame analyses for the notebooks: partners, coverage, voice, timelines, terms.

Every function takes tables of `ctkit.schema` and returns a new long DataFrame with documented
columns; inputs are never modified. The `articles` table passed in defines the scope: rows of
other tables whose `article_id` is not in it are ignored, so filtering the articles (see
`filter_articles`) filters every analysis. Periods are the start of the calendar period of
`articles.published` (D, W = Monday-Sunday weeks, M, Q); undated articles cannot be placed in a
period and are left out of per-period outputs, which say how many in ``df.attrs["undated"]``.

Partners of the focal country are the countries other than `focal` named in articles that also
name `focal` (``require_focal=True``, the default): a story about Egypt and Kenya is not evidence
of a partnership of Morocco. Coverage volume (articles, mentions) and distinct events are
separate columns; see `event_reports` for how repeated reports collapse into one event.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
import warnings
import weakref
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import schema

if TYPE_CHECKING:
    from spacy.language import Language

    from .corpus import Corpus

# -- column names: the tables' (ctkit.schema) and this module's outputs --------------------------
ARTICLE_ID = "article_id"
ISO3 = "iso3"
COUNTRY = "country"
ROLE = "role"
OUTLET = "outlet"
LANGUAGE = "language"
PUBLISHED = "published"
TITLE = "title"
TEXT = "text"
DUPLICATE_OF = "duplicate_of"
EVENT_ID = "event_id"
TYPE = "type"
METRIC = "metric"
VALUE = "value"

PERIOD = "period"
ARTICLES = "articles"
MENTIONS = "mentions"
ROWS = "rows"
SHARE = "share"
TOTAL = "total"
EVENTS = "events"
WEIGHTED = "weighted"
EXAMPLE_TITLE = "example_title"
OUTPUT = "output"
RATE = "rate"
NORMALIZED_SHARE = "normalized_share"
Z = "z"
SPIKE = "spike"
MILESTONE = "milestone"
MILESTONE_DATE = "milestone_date"
REL_PERIOD = "rel_period"
WITH_COUNTERS = "articles_with_counters"
SHARE_WITH_COUNTERS = "share_with_counters"
SUM = "sum"
MEDIAN = "median"
MEAN = "mean"
ANY_METRIC = "any"
EVENT_KEY = "event_key"
EVENT_DATE = "event_date"
PARTNERS = "partners"
REPORTS = "reports"
FIRST_ARTICLE_ID = "first_article_id"
GROUP = "group"
TERM = "term"
COUNT = "count"
LOG_ODDS = "log_odds"
ISO3_A = "iso3_a"
ISO3_B = "iso3_b"

#: period codes accepted by `freq` -> pandas period alias (weeks run Monday to Sunday)
FREQS: dict[str, str] = {"D": "D", "W": "W-SUN", "M": "M", "Q": "Q"}
_TIME = schema.TIME
_ISO3_RE = re.compile(r"^[A-Z]{3}$")
_LANG_RE = re.compile(r"^[a-z]{2}$")


# -- small checks and helpers --------------------------------------------------------------------
def _focal(focal: str | None) -> str:
    """`focal` checked, or the configured default (`Options().focal`) when None."""
    if focal is None:
        from .options import Options

        return Options().focal
    if not (isinstance(focal, str) and _ISO3_RE.match(focal)):
        raise ValueError(f"focal must be an ISO3 code in capitals like 'MAR', got {focal!r}")
    return focal


def _freq(freq: str | None, *, required: bool = False) -> str | None:
    if freq is None and not required:
        return None
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {', '.join(FREQS)}, got {freq!r}")
    return freq


def _require(df: pd.DataFrame, cols: Iterable[str], name: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; pass the table of ctkit.schema "
                         f"(load it with those columns)")


def _strings(name: str, values: str | Iterable[str] | None) -> list[str] | None:
    """A filter value as a list of strings (a lone string is one value); [] is an error."""
    if values is None:
        return None
    vals = [values] if isinstance(values, str) else list(values)
    if not vals:
        raise ValueError(f"{name} is empty; pass None to keep every value")
    bad = [v for v in vals if not isinstance(v, str)]
    if bad:
        raise ValueError(f"{name} must hold strings, got {bad[:3]}")
    return vals


def _mask(s: pd.Series) -> np.ndarray:
    """A boolean Series with missing values as False, as a numpy array."""
    return s.fillna(False).to_numpy(dtype=bool)


def _isin(s: pd.Series, values: pd.Series | Sequence[Any]) -> np.ndarray:
    """`s.isin(values)` as a boolean array, NA as False, hashed in Arrow.

    pandas' isin on Arrow strings loops in Python over `values`: seconds on 100k article ids.
    """
    try:
        arr = pa.array(s, from_pandas=True)
        vals = pc.drop_null(pa.array(values, from_pandas=True)).cast(arr.type)
        hits = pc.fill_null(pc.is_in(arr, value_set=vals), False)
        return np.asarray(hits.to_numpy(zero_copy_only=False), dtype=bool)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return _mask(s.isin(values))


#: integer encodings of Arrow-backed columns, keyed by the (immutable) Arrow arrays they were
#: computed from and dropped when those arrays are freed: the notebooks call several analyses
#: on the same tables, and hashing 15M strings is most of each call
_MEMO: dict[tuple[Any, ...], tuple[list[weakref.ref], Any]] = {}
_MEMO_SIZE = 32


def _memo(kind: str, cols: Sequence[pd.Series], compute: Callable[[], Any]) -> Any:
    """`compute()`, remembered while the Arrow arrays behind `cols` live (numpy results are
    made read-only, so a caller cannot change a remembered value)."""
    arrays, digests = [], []
    for c in cols:
        a = getattr(c.array, "_pa_array", None)
        if a is not None:
            arrays.append(a)
        else:  # numpy-backed (dates): may change in place, so keyed by content
            values = np.ascontiguousarray(c.to_numpy())
            if values.dtype == object:
                return compute()
            raw = values.view(np.uint8).tobytes()
            digests.append(hashlib.blake2b(raw, digest_size=16).digest())
    key = (kind, *(id(a) for a in arrays), *digests)
    hit = _MEMO.get(key)
    if hit is not None and all(r() is a for r, a in zip(hit[0], arrays, strict=True)):
        return hit[1]
    value = compute()
    for v in value if isinstance(value, tuple) else (value,):
        if isinstance(v, np.ndarray):
            v.flags.writeable = False
    while len(_MEMO) >= _MEMO_SIZE:
        _MEMO.pop(next(iter(_MEMO)))
    def forget(_: Any, k: tuple[Any, ...] = key) -> None:
        _MEMO.pop(k, None)

    refs = [weakref.ref(a, forget) for a in arrays]
    _MEMO[key] = (refs, value)
    return value


def _arrow(s: pd.Series | Sequence[Any]) -> pa.Array:
    """A column as one contiguous Arrow array (strings stay Arrow strings: no Python objects)."""
    arr = pa.array(s, from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _positions(s: pd.Series, values: pd.Series) -> np.ndarray:
    """Position in `values` of each value of `s` (its first occurrence); -1 when absent or NA.

    Hashed in Arrow: the integer key that replaces string merges on article_id (a merge of
    15M country rows with 1M articles on a string key takes tens of seconds in pandas).
    """
    if isinstance(s, pd.Series) and isinstance(values, pd.Series):
        return _memo("positions", [s, values], lambda: _positions_of(s, values))
    return _positions_of(s, values)


def _positions_of(s: pd.Series, values: pd.Series) -> np.ndarray:
    arr, vals = _arrow(s), _arrow(values)
    if len(arr) == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.type != vals.type:
        vals = vals.cast(arr.type)
    idx = pc.index_in(arr, value_set=vals)
    return np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes of a column (-1 for NA) and its distinct values, codes ordered like the
    values sorted (so comparing codes compares the strings)."""
    return _memo("codes", [s], lambda: _codes_of(s))  # type: ignore[no-any-return]


def _codes_of(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    arr = _arrow(s)
    if len(arr) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    enc = pc.dictionary_encode(arr)
    values = enc.dictionary
    order = np.asarray(pc.array_sort_indices(values).to_numpy(), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    idx = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False),
                     dtype=np.int64)
    codes = np.where(idx >= 0, rank[np.maximum(idx, 0)] if len(rank) else -1, -1)
    return codes, np.asarray(values.take(pa.array(order)).to_pylist(), dtype=object)


def _group_codes(s: pd.Series) -> np.ndarray:
    """Integer codes of a column's values in order of first appearance (-1 for NA): for
    grouping only, cheaper than `_codes` (no sort)."""
    return _memo("group_codes", [s], lambda: _group_codes_of(s))  # type: ignore[no-any-return]


def _group_codes_of(s: pd.Series) -> np.ndarray:
    arr = _arrow(s)
    if len(arr) == 0:
        return np.zeros(0, dtype=np.int64)
    idx = pc.dictionary_encode(arr).indices
    return np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def _first_rows(keys: np.ndarray) -> np.ndarray:
    """Indices of the first row of each distinct value of an int64 key, in row order."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(~pd.Series(keys, copy=False).duplicated().to_numpy())


def _nunique_by(group: np.ndarray, item: np.ndarray, n_groups: int) -> np.ndarray:
    """Per group code (0..n_groups-1), how many distinct items (int codes) it holds."""
    if len(group) == 0:
        return np.zeros(n_groups, dtype=np.int64)
    key = group.astype(np.int64) * (int(item.max()) + 1) + item
    first = _first_rows(key)
    return np.bincount(group[first], minlength=n_groups).astype(np.int64)


def _period_start(dates: pd.Series, freq: str) -> pd.Series:
    """Start of the calendar period of each date (NaT stays NaT)."""
    out = pd.to_datetime(dates).dt.to_period(FREQS[freq]).dt.start_time
    return out.astype(_TIME)


def _period_range(dates: pd.Series, freq: str) -> pd.Series:
    """Every period start from the first to the last date, as a Series."""
    d = pd.to_datetime(dates).dropna()
    if d.empty:
        return pd.Series([], dtype=_TIME, name=PERIOD)
    rng = pd.period_range(d.min(), d.max(), freq=FREQS[freq]).start_time
    return pd.Series(rng, name=PERIOD).astype(_TIME)


def _meta(articles: pd.DataFrame, cols: Iterable[str]) -> pd.DataFrame:
    """`article_id` plus `cols` of the articles, one row per article."""
    cols = [ARTICLE_ID, *dict.fromkeys(c for c in cols if c != ARTICLE_ID)]
    _require(articles, cols, "articles")
    ids = articles[ARTICLE_ID]
    unique = _memo("unique", [ids], lambda: bool(pc.count_distinct(
        _arrow(ids), mode="all").as_py() == len(ids))) if len(ids) else True
    if unique:  # the usual case: same columns, same (remembered) encodings
        return articles[cols].reset_index(drop=True)
    return articles[cols].drop_duplicates(ARTICLE_ID).reset_index(drop=True)


def _by(by: str | None, articles: pd.DataFrame) -> str | None:
    """`by` checked against the articles' columns, with a clear message."""
    if by is None:
        return None
    ok = [c for c in articles.columns if c not in (ARTICLE_ID, TEXT)]
    if by not in ok:
        raise ValueError(f"by must be one of {sorted(set(ok))} or None, got {by!r}")
    return by


def _dated(meta: pd.DataFrame, freq: str | None) -> tuple[pd.DataFrame, int]:
    """With `freq`: dated rows with a `period` column, and how many were undated."""
    if freq is None:
        return meta, 0
    undated = int(meta[PUBLISHED].isna().sum())
    out = meta[meta[PUBLISHED].notna()].copy()
    out[PERIOD] = _period_start(out[PUBLISHED], freq)
    return out, undated


def _in_scope(table: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """Rows of `table` whose article is in `articles`."""
    return table[_isin(table[ARTICLE_ID], articles[ARTICLE_ID])]


def _finish(df: pd.DataFrame, cols: Sequence[str], sort: Sequence[str],
            ascending: Sequence[bool] | bool = True, **attrs: Any) -> pd.DataFrame:
    out = df.sort_values(list(sort), ascending=ascending, kind="stable", na_position="last")
    out = out[list(cols)].reset_index(drop=True)
    out.attrs.update(attrs)
    return out


def _complete(counts: pd.DataFrame, periods: pd.Series, groups: Sequence[str],
              zero: Sequence[str]) -> pd.DataFrame:
    """Every (period, group) combination seen, with the `zero` columns filled by 0."""
    grid = periods.to_frame(PERIOD)
    if groups:
        grid = grid.merge(counts[list(groups)].drop_duplicates(), how="cross")
    out = grid.merge(counts, on=[PERIOD, *groups], how="left")
    for c in zero:
        out[c] = out[c].fillna(0).astype("int64")
    return out


# -- filters -------------------------------------------------------------------------------------
def _day(value: Any, name: str) -> tuple[pd.Timestamp, bool]:
    """A filter bound as a naive Timestamp, and whether it names a whole day."""
    if isinstance(value, str) and not re.match(r"^\d{4}-\d{2}-\d{2}", value):
        raise ValueError(f"{name} must be a date like 2023-01-31, got {value!r}")
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{name} must be a date like 2023-01-31, got {value!r}") from exc
    if ts is pd.NaT or pd.isna(ts):
        raise ValueError(f"{name} must be a date like 2023-01-31, got {value!r}")
    if ts.tzinfo is not None:
        ts = ts.tz_convert(None)
    plain_date = isinstance(value, date) and not isinstance(value, datetime)
    whole_day = plain_date or ts == ts.normalize()
    return ts, whole_day


def _warn_absent(name: str, wanted: list[str], present: pd.Series) -> None:
    have = set(present.dropna().unique())
    absent = [v for v in wanted if v not in have]
    if absent and have:
        warnings.warn(f"{name} {absent} do not occur in the data; present: {sorted(have)[:20]}",
                      UserWarning, stacklevel=3)


def filter_articles(articles: pd.DataFrame, *, start: Any = None, end: Any = None,
                    outlets: str | Iterable[str] | None = None,
                    languages: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Articles published in [start, end] (both inclusive) by `outlets` in `languages`.

    `start`/`end` are dates (``"2023-01-31"``, `date`, `Timestamp`); an `end` date keeps its whole
    day. With a date bound, undated articles are dropped (they cannot be shown to be in range).
    Outlets or languages absent from the data give a warning, not an error (a typo would
    otherwise silently empty the result).
    """
    lo = _day(start, "start") if start is not None else None
    hi = _day(end, "end") if end is not None else None
    if lo and hi and lo[0] > hi[0]:
        raise ValueError(f"start ({start}) is after end ({end})")
    outlets, languages = _strings("outlets", outlets), _strings("languages", languages)
    bad = [v for v in languages or [] if not _LANG_RE.match(v)]
    if bad:
        raise ValueError(f"languages must be ISO 639-1 codes like 'fr', got {bad}")
    keep = np.ones(len(articles), dtype=bool)
    if lo or hi:
        _require(articles, [PUBLISHED], "articles")
        pub = articles[PUBLISHED]
        if lo:
            keep &= _mask(pub >= lo[0])
        if hi:
            keep &= _mask(pub < hi[0] + pd.Timedelta(days=1)) if hi[1] else _mask(pub <= hi[0])
    for col, vals in ((OUTLET, outlets), (LANGUAGE, languages)):
        if vals is not None:
            _require(articles, [col], "articles")
            _warn_absent(col + "s" if col == OUTLET else "languages", vals, articles[col])
            keep &= _mask(articles[col].isin(vals))
    return articles[keep].reset_index(drop=True)


def filter_table(table: pd.DataFrame, *, articles: pd.DataFrame | None = None, start: Any = None,
                 end: Any = None, outlets: str | Iterable[str] | None = None,
                 languages: str | Iterable[str] | None = None,
                 roles: str | Iterable[str] | None = None,
                 event_types: str | Iterable[str] | None = None) -> pd.DataFrame:
    """Rows of one table that pass the filters of `filter_articles` plus `roles`/`event_types`.

    Article-level filters (dates, outlets, languages) read the table's own columns when it has
    them (the articles table), else look them up in `articles` via `article_id`. `roles` needs a
    `role` column (countries), `event_types` a `type` column (events).
    """
    roles, event_types = _strings("roles", roles), _strings("event_types", event_types)
    bad = [r for r in roles or [] if r not in schema.ROLES]
    if bad:
        raise ValueError(f"roles must be among {list(schema.ROLES)}, got {bad}")
    out = table
    article_filters = {"start": start, "end": end, "outlets": outlets, "languages": languages}
    if any(v is not None for v in article_filters.values()):
        own = {PUBLISHED, OUTLET, LANGUAGE} <= set(table.columns)
        if own:
            out = filter_articles(table, **article_filters)
        else:
            if articles is None:
                raise ValueError("date/outlet/language filters on this table need `articles=`")
            _require(table, [ARTICLE_ID], "table")
            out = _in_scope(table, filter_articles(articles, **article_filters))
    for col, vals, name in ((ROLE, roles, "roles"), (TYPE, event_types, "event_types")):
        if vals is not None:
            if col not in out.columns:
                raise ValueError(f"the {name} filter needs a {col!r} column, which this table "
                                 "lacks")
            if name == "event_types":
                _warn_absent(name, vals, table[col])
            out = out[_mask(out[col].isin(vals))]
    return out.reset_index(drop=True)


def filter_corpus(corpus: Corpus, *, start: Any = None, end: Any = None,
                  outlets: str | Iterable[str] | None = None,
                  languages: str | Iterable[str] | None = None,
                  roles: str | Iterable[str] | None = None,
                  event_types: str | Iterable[str] | None = None,
                  match_articles: bool = False) -> Corpus:
    """A new Corpus whose tables all hold only the articles that pass the filters.

    Dates, outlets and languages select articles (see `filter_articles`); every table keeps the
    rows of those articles. `roles` narrows the countries rows and `event_types` the events rows;
    with ``match_articles=True`` they also drop the articles left without any such row. The
    `errors` table describes the parse run and is kept whole.
    """
    from .corpus import Corpus

    arts = filter_articles(corpus.articles, start=start, end=end, outlets=outlets,
                           languages=languages)
    countries = filter_table(_in_scope(corpus.countries, arts), roles=roles)
    events = filter_table(_in_scope(corpus.events, arts), event_types=event_types)
    if match_articles:
        for rows, used in ((countries, roles), (events, event_types)):
            if used is not None:
                arts = _in_scope(arts, rows)
    tables = {"articles": arts.reset_index(drop=True),
              "countries": _in_scope(countries, arts).reset_index(drop=True),
              "events": _in_scope(events, arts).reset_index(drop=True),
              "entities": _in_scope(corpus.entities, arts).reset_index(drop=True),
              "engagement": _in_scope(corpus.engagement, arts).reset_index(drop=True),
              "errors": corpus.errors.copy()}
    return Corpus(**tables)


# -- events: collapsing repeated reports ---------------------------------------------------------
@dataclass
class _Reports:
    """`event_reports` as integer arrays, one entry per (reported event, partner) row.

    art: position of the article in `meta`; iso/type: codes into `iso_names`/`type_names`;
    key: code of the distinct event (into `key_names`), date: its first report (ns, NaT as
    `_NAT`). Built without a string merge or a string sort, so that a million articles
    (ten million event rows) take seconds; `event_reports` turns it into the public table.
    """

    meta: pd.DataFrame
    row: np.ndarray
    art: np.ndarray
    iso: np.ndarray
    type: np.ndarray
    key: np.ndarray
    date: np.ndarray
    iso_names: np.ndarray
    type_names: np.ndarray
    key_names: np.ndarray
    partner_names: np.ndarray
    key_partners: np.ndarray


_NAT = np.iinfo(np.int64).min


def _reports(events: pd.DataFrame, articles: pd.DataFrame, *, focal: str,
             window_days: int, scope: np.ndarray | None = None) -> _Reports:
    """The integer form of `event_reports` (see there for the rules); `scope` (a mask over
    the articles' meta) gives the result of passing only those articles. Remembered for the
    same tables (see `_memo`): a notebook asks for it several times."""
    _require(events, [EVENT_ID, ARTICLE_ID, TYPE, ISO3], "events")
    meta = _meta(articles, [PUBLISHED] + ([DUPLICATE_OF] if DUPLICATE_OF in articles else []))
    digest = "" if scope is None else hashlib.blake2b(
        np.packbits(scope).tobytes(), digest_size=16).hexdigest()
    cols = [events[c] for c in (EVENT_ID, ARTICLE_ID, TYPE, ISO3)] + [meta[c] for c in meta]
    kind = f"reports|{focal}|{window_days}|{digest}|{-1 if scope is None else len(scope)}"
    return _memo(kind, cols, lambda: _reports_of(  # type: ignore[no-any-return]
        events, meta, focal=focal, window_days=window_days, scope=scope))


def _reports_of(events: pd.DataFrame, meta: pd.DataFrame, *, focal: str, window_days: int,
                scope: np.ndarray | None) -> _Reports:
    art = _positions(events[ARTICLE_ID], meta[ARTICLE_ID])
    iso, iso_names = _codes(events[ISO3])
    keep = (art >= 0) & (iso >= 0)
    if scope is not None:
        keep &= scope[np.maximum(art, 0)]
    hit = np.flatnonzero(iso_names == focal)
    if len(hit):
        keep &= iso != hit[0]
    rows = np.flatnonzero(keep)
    eid = _group_codes(events[EVENT_ID])[rows]
    # one row per (event, partner), sorted by event then partner (codes sort like strings)
    pair = eid * (len(iso_names) + 1) + iso[rows]
    order = np.argsort(pair, kind="stable")
    first = order[np.r_[True, pair[order][1:] != pair[order][:-1]]] if len(order) else order
    rows, eid = rows[first], eid[first]
    art, iso = art[rows], iso[rows]
    typ_all, type_names = _codes(events[TYPE])
    typ = typ_all[rows]
    if (typ < 0).any():  # a missing type keys the event as ""
        typ, type_names = _codes(events[TYPE].iloc[rows].astype(schema.STR).fillna(""))
    # per event: its first row (article, type) and its partner set
    starts = np.flatnonzero(np.r_[True, eid[1:] != eid[:-1]]) if len(eid) else eid
    sizes = np.diff(np.r_[starts, len(eid)])
    ev_of_row = np.repeat(np.arange(len(starts)), sizes)
    pos = np.arange(len(eid)) - np.repeat(starts, sizes)
    base = len(iso_names) + 1
    small = sizes <= max(1, int(np.floor(62 / np.log2(base + 1))))
    pkey = np.zeros(len(starts), dtype=np.int64)
    np.add.at(pkey, ev_of_row, (iso + 1) * (base ** np.minimum(pos, 40)).astype(np.int64)
              * small[ev_of_row])
    joined = {}
    for e in np.flatnonzero(~small):  # very long partner lists: spell them out
        joined[e] = "+".join(iso_names[iso[starts[e]:starts[e] + sizes[e]]])
    pcode, pvals = pd.factorize(pd.Series(np.where(small, pkey, -1 - np.arange(len(starts)))))
    partner_names = np.empty(len(pvals), dtype=object)
    for i, (v, e) in enumerate(zip(pvals, pd.Series(np.arange(len(starts))).groupby(pcode)
                                   .first().to_numpy(), strict=True)):
        if v >= 0:
            codes = iso[starts[e]:starts[e] + sizes[e]]
            partner_names[i] = "+".join(iso_names[codes])
        else:
            partner_names[i] = joined[e]
    ev_art, ev_type = art[starts], typ[starts]
    # report date of an event: earliest copy of its article (syndicated copies count once)
    pub = meta[PUBLISHED].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    canon, canon_names = _canon_codes(meta)
    gmin = np.full(len(canon_names), np.iinfo(np.int64).max, dtype=np.int64)
    dated = pub != _NAT
    if scope is not None:
        dated &= scope
    np.minimum.at(gmin, canon[dated], pub[dated])
    gdate = gmin[canon]
    gdate[gdate == np.iinfo(np.int64).max] = _NAT
    ev_gdate = gdate[ev_art]
    # anchored runs per (type, partners): a run starts at a report more than window_days
    # after the run's first report; looped over distinct (group, day), not over events
    group = ev_type * len(partner_names) + pcode
    ev_date = np.full(len(starts), _NAT, dtype=np.int64)
    has = ev_gdate != _NAT
    if has.any():
        g, d = group[has], ev_gdate[has]
        pairs = pd.DataFrame({"g": g, "d": d}).drop_duplicates().sort_values(["g", "d"])
        window = window_days * 86_400 * 10**9
        anchors = np.empty(len(pairs), dtype=np.int64)
        prev_g, anchor = -1, 0
        for i, (gg, dd) in enumerate(zip(pairs["g"].tolist(), pairs["d"].tolist(),
                                         strict=True)):
            if gg != prev_g or dd - anchor > window:
                prev_g, anchor = gg, dd
            anchors[i] = anchor
        dcode, dvals = pd.factorize(d)
        pair_code = pairs["g"].to_numpy() * len(dvals) + pd.Index(dvals).get_indexer(
            pairs["d"].to_numpy())
        lookup = pd.Series(anchors, index=pair_code)
        ev_date[has] = lookup.reindex(g * len(dvals) + dcode).to_numpy()
    # the distinct event: (type, partners, first report day), or its article when undated
    is_dated = ev_date != _NAT
    tail = np.where(is_dated, ev_date // (86_400 * 10**9), canon[ev_art])
    tail = tail - (tail.min() if len(tail) else 0)
    kcode, _ = pd.factorize((group * 2 + is_dated) * (int(tail.max(initial=0)) + 1) + tail)
    kfirst = pd.Series(np.arange(len(starts))).groupby(kcode).first().to_numpy() \
        if len(starts) else np.zeros(0, dtype=np.int64)
    kd = ev_date[kfirst]
    day_s = pd.Series(kd.astype("datetime64[ns]")).dt.strftime("%Y-%m-%d").astype(object)
    tail_s = np.where(kd != _NAT, day_s.to_numpy(), canon_names[canon[ev_art[kfirst]]])
    key_names = (type_names[ev_type[kfirst]].astype(object) + "|"
                 + partner_names[pcode[kfirst]] + "|" + tail_s.astype(object))
    for arr in (rows, art, iso, typ):
        arr.flags.writeable = False
    return _Reports(meta=meta, row=rows, art=art, iso=iso, type=typ,
                    key=kcode[ev_of_row].astype(np.int64), date=ev_date[ev_of_row],
                    iso_names=iso_names, type_names=type_names,
                    key_names=np.asarray(key_names, dtype=object),
                    partner_names=partner_names, key_partners=pcode[kfirst])


def _canon_codes(meta: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per article, a code of its original (`duplicate_of`, else itself), and the original's
    id per code: syndicated copies share a code. Codes in order of first appearance."""
    cols = [meta[ARTICLE_ID]] + ([meta[DUPLICATE_OF]] if DUPLICATE_OF in meta else [])

    def compute() -> tuple[np.ndarray, np.ndarray]:
        canon = (meta[DUPLICATE_OF].fillna(meta[ARTICLE_ID]) if DUPLICATE_OF in meta
                 else meta[ARTICLE_ID])
        arr = _arrow(canon.astype(schema.STR))
        if len(arr) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
        enc = pc.dictionary_encode(arr)
        codes = np.asarray(pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False),
                           dtype=np.int64)
        return codes, np.asarray(enc.dictionary.to_pylist(), dtype=object)

    return _memo("canon", cols, compute)  # type: ignore[no-any-return]


def event_reports(events: pd.DataFrame, articles: pd.DataFrame, *, focal: str | None = None,
                  window_days: int = 7) -> pd.DataFrame:
    """One row per (reported event, partner) with the key of the distinct event it reports.

    Event key: (type, sorted set of partner countries in the event sentence, first report date).
    Syndicated copies (`articles.duplicate_of`) count as one report dated at the earliest copy;
    reports with the same type and partners whose dates fall within `window_days` of the first
    report of a run are one event (anchored, so weekly reports of monthly meetings do not chain).
    Undated reports are keyed by their article (each its own event). Events naming no partner
    (only `focal` or no country) are dropped: they are not partnership events.

    Columns: event_id, article_id, type, iso3 (a partner), partners ("ESP+FRA"), event_key,
    event_date (first report of the event, NaT when undated).
    """
    focal = _focal(focal)
    if window_days < 0:
        raise ValueError(f"window_days must be >= 0, got {window_days}")
    cols = [EVENT_ID, ARTICLE_ID, TYPE, ISO3, PARTNERS, EVENT_KEY, EVENT_DATE]
    r = _reports(events, articles, focal=focal, window_days=window_days)
    if len(r.row) == 0:
        return _empty(cols, {EVENT_DATE: _TIME})
    out = pd.DataFrame({
        EVENT_ID: events[EVENT_ID].iloc[r.row].astype(schema.STR).array,
        ARTICLE_ID: r.meta[ARTICLE_ID].iloc[r.art].astype(schema.STR).array,
        TYPE: pd.array(r.type_names[r.type], dtype=schema.STR),
        ISO3: pd.array(r.iso_names[r.iso], dtype=schema.STR),
        PARTNERS: pd.array(r.partner_names[r.key_partners[r.key]], dtype=schema.STR),
        EVENT_KEY: pd.array(r.key_names[r.key], dtype=schema.STR),
        EVENT_DATE: r.date.astype("datetime64[ns]"),
    })
    return _finish(out, cols, [EVENT_DATE, EVENT_KEY, ARTICLE_ID, EVENT_ID, ISO3])


def collapse_events(events: pd.DataFrame, articles: pd.DataFrame, *, focal: str | None = None,
                    window_days: int = 7) -> pd.DataFrame:
    """One row per (distinct event, partner): the events behind the `events` columns.

    Columns: event_key, type, iso3, partners, event_date, reports (distinct articles reporting
    it, syndicated copies included), first_article_id. See `event_reports` for the key.
    """
    focal = _focal(focal)
    if window_days < 0:
        raise ValueError(f"window_days must be >= 0, got {window_days}")
    cols = [EVENT_KEY, TYPE, ISO3, PARTNERS, EVENT_DATE, REPORTS, FIRST_ARTICLE_ID]
    r = _reports(events, articles, focal=focal, window_days=window_days)
    if len(r.row) == 0:
        return _empty(cols, {EVENT_DATE: _TIME, REPORTS: "int64"})
    pub = r.meta[PUBLISHED].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    id_rank = _rank(r.meta[ARTICLE_ID])
    grp, _ = pd.factorize(r.key * (len(r.iso_names) + 1) + r.iso)
    n = int(grp.max()) + 1
    # first report: earliest published (undated last), then smallest article_id
    p = pub[r.art]
    order = np.lexsort((id_rank[r.art], np.where(p == _NAT, np.iinfo(np.int64).max, p), grp))
    firsts = order[np.r_[True, grp[order][1:] != grp[order][:-1]]]
    firsts = firsts[np.argsort(grp[firsts])]
    out = pd.DataFrame({
        EVENT_KEY: pd.array(r.key_names[r.key[firsts]], dtype=schema.STR),
        TYPE: pd.array(r.type_names[r.type[firsts]], dtype=schema.STR),
        ISO3: pd.array(r.iso_names[r.iso[firsts]], dtype=schema.STR),
        PARTNERS: pd.array(r.partner_names[r.key_partners[r.key[firsts]]], dtype=schema.STR),
        EVENT_DATE: r.date[firsts].astype("datetime64[ns]"),
        REPORTS: _nunique_by(grp, r.art, n),
        FIRST_ARTICLE_ID: r.meta[ARTICLE_ID].iloc[r.art[firsts]].astype(schema.STR).array,
    })
    return _finish(out, cols, [EVENT_DATE, EVENT_KEY, ISO3])


def _rank(s: pd.Series) -> np.ndarray:
    """Rank of each value of a string column in sorted order (ties share no rank; NA last)."""
    return _memo("rank", [s], lambda: _rank_of(s))  # type: ignore[no-any-return]


def _rank_of(s: pd.Series) -> np.ndarray:
    arr = _arrow(s)
    order = np.asarray(pc.array_sort_indices(arr, null_placement="at_end").to_numpy(),
                       dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank


def _empty(cols: Sequence[str], dtypes: Mapping[str, str] | None = None) -> pd.DataFrame:
    dtypes = dtypes or {}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, schema.STR)) for c in cols})


# -- partners, coverage, share of voice ----------------------------------------------------------
def partner_counts(countries: pd.DataFrame, articles: pd.DataFrame, *, focal: str | None = None,
                   by: str | None = None, freq: str | None = None,
                   events: pd.DataFrame | None = None, weights: Mapping[str, float] | None = None,
                   min_mentions: int = 1, require_focal: bool = True,
                   window_days: int = 7) -> pd.DataFrame:
    """Articles, mentions and distinct events per partner of `focal`, optionally per `by`/period.

    Columns: [by], [period], iso3, country, articles (distinct articles naming the partner,
    syndicated copies included), mentions (mention rows), share (articles / distinct articles
    naming any partner in the same by/period group; a story names several partners, so shares
    sum to 1 or more), events (distinct events involving the partner, see `event_reports`;
    NA without `events`), weighted (sum of `weights[type]` over those events, types not listed
    weigh 1), example_title (headline of the most recent such article). Per period, everything
    is counted by the publication date of the reports. Rows with fewer than `min_mentions`
    mentions are dropped. Sorted by group, then articles descending.
    """
    focal, freq = _focal(focal), _freq(freq)
    by = _by(by, articles)
    if min_mentions < 0:
        raise ValueError(f"min_mentions must be >= 0, got {min_mentions}")
    if weights is not None:
        bad = {k: v for k, v in weights.items() if not isinstance(v, int | float) or v < 0}
        if bad:
            raise ValueError(f"weights must be non-negative numbers per event type, got {bad}")
    keys = [k for k in (by, PERIOD if freq else None) if k]
    cols = [*keys, ISO3, COUNTRY, ARTICLES, MENTIONS, SHARE, EVENTS, WEIGHTED, EXAMPLE_TITLE]
    _require(articles, [PUBLISHED], "articles")
    if TITLE not in articles:  # a narrow load: no headline to show
        articles = articles.assign(**{TITLE: pd.Series(pd.NA, index=articles.index,
                                                       dtype=schema.STR)})
    meta, undated = _dated(_meta(articles, [c for c in (by, PUBLISHED, TITLE) if c]), freq)
    pm = _mention_codes(countries, meta, focal=focal, require_focal=require_focal)
    if len(pm.art) == 0:
        return _empty(cols, {PERIOD: _TIME, ARTICLES: "int64", MENTIONS: "int64",
                             SHARE: "float64", EVENTS: "Int64", WEIGHTED: "Float64"})
    # group columns as integer codes per article: by value (-1 = NA), period
    kcodes = {}
    if by:
        kcodes[by] = _codes(meta[by])
    if freq:
        kcodes[PERIOD] = _codes(meta[PERIOD])
    rows = pd.DataFrame({**{f"_{k}": c[pm.art] for k, c in
                            ((k, v[0]) for k, v in kcodes.items())},
                         "_i": pm.iso, "_a": pm.art})
    ikeys = [f"_{k}" for k in keys]
    out = (rows.groupby([*ikeys, "_i"], sort=False)
           .agg(**{ARTICLES: ("_a", "nunique"), MENTIONS: ("_a", "size")}).reset_index())
    if keys:
        denom = rows.groupby(ikeys, sort=False)["_a"].nunique().rename(TOTAL).reset_index()
        out = out.merge(denom, on=ikeys, how="left")
    else:
        out[TOTAL] = len(np.unique(pm.art))
    out[MENTIONS] = out[MENTIONS].astype("Int64")  # as counted on the string table before
    out[SHARE] = out[ARTICLES] / out[TOTAL]
    # example headline: the most recent article of the group with a title (then smallest id)
    titled = meta[TITLE].notna().to_numpy()[pm.art]
    cand = rows[titled].drop_duplicates([*ikeys, "_i", "_a"])
    pub = meta[PUBLISHED].to_numpy(dtype="datetime64[ns]").astype(np.int64)
    rank = _rank(meta[ARTICLE_ID])
    a = cand["_a"].to_numpy()
    cand = cand.assign(_t=~pub[a], _r=rank[a]).sort_values([*ikeys, "_i", "_t", "_r"])
    latest = cand.drop_duplicates([*ikeys, "_i"])
    latest = latest.assign(**{EXAMPLE_TITLE: meta[TITLE].to_numpy()[latest["_a"].to_numpy()]})
    out = out.merge(latest[[*ikeys, "_i", EXAMPLE_TITLE]], on=[*ikeys, "_i"], how="left")
    out[EXAMPLE_TITLE] = out[EXAMPLE_TITLE].astype(schema.STR)
    out[EVENTS] = pd.array([pd.NA] * len(out), dtype="Int64")
    out[WEIGHTED] = pd.array([pd.NA] * len(out), dtype="Float64")
    if events is not None:
        r = _reports(events, articles, focal=focal, window_days=window_days)
        in_pm = np.zeros(len(meta), dtype=bool)
        in_pm[pm.art] = True
        m = _positions(r.meta[ARTICLE_ID], meta[ARTICLE_ID])[r.art] if len(r.art) else r.art
        iso_map = pd.Series(np.arange(len(pm.iso_names)), index=pm.iso_names)
        iso = iso_map.reindex(r.iso_names).fillna(-1).to_numpy(dtype=np.int64)[r.iso] \
            if len(r.art) else r.iso
        ok = (m >= 0) & (iso >= 0)
        ok[ok] &= in_pm[m[ok]]
        weight = np.array([float((weights or {}).get(t, 1.0)) for t in r.type_names])
        ev = pd.DataFrame({**{f"_{k}": v[0][m[ok]] for k, v in kcodes.items()},
                           "_i": iso[ok], "_k": r.key[ok], WEIGHTED: weight[r.type[ok]]})
        ev = (ev.drop_duplicates([*ikeys, "_i", "_k"]).groupby([*ikeys, "_i"], sort=False)
              .agg(**{EVENTS: ("_k", "size"), WEIGHTED: (WEIGHTED, "sum")}).reset_index())
        out = out.drop(columns=[EVENTS, WEIGHTED]).merge(ev, on=[*ikeys, "_i"], how="left")
        out[EVENTS] = out[EVENTS].fillna(0).astype("Int64")
        out[WEIGHTED] = out[WEIGHTED].fillna(0.0).astype("Float64")
    out[ISO3] = pd.array(pm.iso_names[out["_i"].to_numpy()], dtype=schema.STR)
    for k, (_, names) in kcodes.items():
        c = out[f"_{k}"].to_numpy()
        vals = np.where(c >= 0, names[np.maximum(c, 0)] if len(names) else None, None)
        out[k] = (pd.array(vals, dtype=schema.STR) if k != PERIOD
                  else pd.to_datetime(pd.Series(vals, dtype=object)).astype(_TIME).to_numpy())
    out[COUNTRY] = out[ISO3].map(pm.country_names).astype(schema.STR)
    out = out[out[MENTIONS] >= min_mentions]
    return _finish(out, cols, [*keys, ARTICLES, MENTIONS, ISO3],
                   ascending=[True] * len(keys) + [False, False, True], undated=undated)


@dataclass
class _Mentions:
    """Partner mention rows in scope as codes: art (position in the articles' meta), iso (code
    into iso_names); country_names maps iso3 -> English name (first given)."""

    art: np.ndarray
    iso: np.ndarray
    iso_names: np.ndarray
    country_names: pd.Series


def _mention_codes(countries: pd.DataFrame, meta: pd.DataFrame, *, focal: str,
                   require_focal: bool) -> _Mentions:
    """Partner mention rows in scope: countries other than `focal` named in articles of
    `meta` (that also name `focal` with `require_focal`), as integer codes (no string merge:
    see `_positions`)."""
    _require(countries, [ARTICLE_ID, ISO3, COUNTRY], "countries")
    art = _positions(countries[ARTICLE_ID], meta[ARTICLE_ID])
    iso, iso_names = _codes(countries[ISO3])
    named = (iso >= 0) & countries[COUNTRY].notna().to_numpy()
    first = np.flatnonzero(named)
    first = first[_first_rows(iso[first])]
    country_names = pd.Series(countries[COUNTRY].iloc[first].to_numpy(),
                              index=iso_names[iso[first]], dtype=schema.STR)
    keep = (art >= 0) & (iso >= 0)
    hit = np.flatnonzero(iso_names == focal)
    if len(hit):
        is_focal = keep & (iso == hit[0])
        if require_focal:
            names_focal = np.zeros(len(meta), dtype=bool)
            names_focal[art[is_focal]] = True
            keep &= names_focal[np.maximum(art, 0)]
        keep &= ~is_focal
    elif require_focal:
        keep[:] = False
    return _Mentions(art[keep], iso[keep], iso_names, country_names)


def coverage(countries: pd.DataFrame, articles: pd.DataFrame, *, focal: str | None = None,
             normalize: str | None = None, by: str = OUTLET,
             require_focal: bool = True) -> pd.DataFrame:
    """Outlet x partner counts and shares, long (one row per pair seen); `pivot` makes the grid.

    Columns: <by> (outlet), iso3, country, articles (distinct articles of the outlet naming the
    partner), total (the denominator), share = articles / total where total is, by `normalize`:
    None -> all (outlet, partner) article counts (shares sum to 1); "outlet" -> the outlet's
    articles naming any partner (what part of its partnership coverage names this partner;
    sums to 1 or more per outlet); "partner" -> all articles naming the partner (which outlets
    carry this partner; sums to 1 per partner). Missing outlets form their own NA group.
    """
    focal = _focal(focal)
    _by(by, articles)
    if normalize not in (None, "outlet", "partner", by):
        raise ValueError(f"normalize must be None, 'outlet' or 'partner', got {normalize!r}")
    cols = [by, ISO3, COUNTRY, ARTICLES, TOTAL, SHARE]
    meta = _meta(articles, [by])
    pm = _mention_codes(countries, meta, focal=focal, require_focal=require_focal)
    if len(pm.art) == 0:
        return _empty(cols, {ARTICLES: "int64", TOTAL: "int64", SHARE: "float64"})
    bcode, bnames = _codes(meta[by])
    rows = pd.DataFrame({"_b": bcode[pm.art], "_i": pm.iso, "_a": pm.art})
    rows = rows.drop_duplicates(["_a", "_i"])
    out = rows.groupby(["_b", "_i"]).size().rename(ARTICLES).reset_index()
    if normalize is None:
        out[TOTAL] = int(out[ARTICLES].sum())
    elif normalize == "partner":
        out[TOTAL] = out.groupby("_i")[ARTICLES].transform("sum")
    else:
        per_outlet = rows.groupby("_b")["_a"].nunique().rename(TOTAL)
        out = out.merge(per_outlet.reset_index(), on="_b", how="left")
    out[SHARE] = out[ARTICLES] / out[TOTAL]
    b = out["_b"].to_numpy()
    out[by] = pd.array(np.where(b >= 0, bnames[np.maximum(b, 0)] if len(bnames) else None, None),
                       dtype=schema.STR)
    out[ISO3] = pd.array(pm.iso_names[out["_i"].to_numpy()], dtype=schema.STR)
    out[COUNTRY] = out[ISO3].map(pm.country_names).astype(schema.STR)
    return _finish(out, cols, [by, ARTICLES, ISO3], ascending=[True, False, True])


def pivot(table: pd.DataFrame, *, index: str = OUTLET, columns: str = ISO3, values: str = SHARE,
          fill_value: float = 0) -> pd.DataFrame:
    """Wide grid of a long table (e.g. `coverage`) for a heatmap; largest rows/columns first."""
    _require(table, [index, columns, values], "table")
    wide = table.pivot_table(index=index, columns=columns, values=values, aggfunc="sum",
                             fill_value=fill_value, dropna=False, observed=True)
    rows = wide.sum(axis=1).sort_values(ascending=False, kind="stable").index
    cols = wide.sum(axis=0).sort_values(ascending=False, kind="stable").index
    return wide.loc[rows, cols]


def share_of_voice(countries: pd.DataFrame, articles: pd.DataFrame, *, focal: str | None = None,
                   freq: str | None = None, by: str = OUTLET,
                   require_focal: bool = True) -> pd.DataFrame:
    """Per outlet (and period): coverage of the focal country's partnerships, raw and per output.

    Columns: [period], <by> (outlet), articles (its articles naming a partner of `focal`),
    output (all its articles in the period), share (articles / all outlets' articles; sums to 1),
    rate (articles / output: how much of its output is about these partnerships),
    normalized_share (rate / sum of rates; sums to 1): the share of voice corrected for volume,
    so an outlet that publishes ten times more is not ten times more interested. Outlets with
    output but no such article appear with 0.
    """
    focal, freq = _focal(focal), _freq(freq)
    _by(by, articles)
    keys = [PERIOD] if freq else []
    cols = [*keys, by, ARTICLES, OUTPUT, SHARE, RATE, NORMALIZED_SHARE]
    meta, undated = _dated(_meta(articles, [by, PUBLISHED] if freq else [by]), freq)
    if meta.empty:
        return _empty(cols, {PERIOD: _TIME, ARTICLES: "int64", OUTPUT: "int64", SHARE: "float64",
                             RATE: "float64", NORMALIZED_SHARE: "float64"})
    pm = _mention_codes(countries, meta, focal=focal, require_focal=require_focal)
    on = np.zeros(len(meta), dtype="int64")
    on[pm.art] = 1
    meta = meta.assign(_on=on)
    out = (meta.groupby([*keys, by], dropna=False)
           .agg(**{ARTICLES: ("_on", "sum"), OUTPUT: (ARTICLE_ID, "size")}).reset_index())
    group = out.groupby(keys)[ARTICLES] if keys else out[ARTICLES]
    out[SHARE] = out[ARTICLES] / (group.transform("sum") if keys else group.sum())
    out[RATE] = out[ARTICLES] / out[OUTPUT]
    rates = out.groupby(keys)[RATE].transform("sum") if keys else out[RATE].sum()
    out[NORMALIZED_SHARE] = out[RATE] / rates
    for c in (SHARE, NORMALIZED_SHARE):  # 0/0: no coverage at all in the period
        out[c] = out[c].astype("float64")
    return _finish(out, cols, [*keys, ARTICLES, by], ascending=[True] * len(keys) + [False, True],
                   undated=undated)


def comention_pairs(countries: pd.DataFrame, *, focal: str | None = None, min_articles: int = 1,
                    require_focal: bool = True) -> pd.DataFrame:
    """Pairs of partners named in the same article (edges of a co-mention network).

    Columns: iso3_a, iso3_b (iso3_a < iso3_b, neither is `focal`), articles (distinct articles
    naming both). Scope as in `partner_counts`; pass countries of filtered articles to filter.
    """
    focal = _focal(focal)
    cols = [ISO3_A, ISO3_B, ARTICLES]
    _require(countries, [ARTICLE_ID, ISO3], "countries")
    art = _group_codes(countries[ARTICLE_ID])  # grouping only: any order of articles will do
    iso, iso_names = _codes(countries[ISO3])
    keep = (art >= 0) & (iso >= 0)
    hit = np.flatnonzero(iso_names == focal)
    if len(hit):
        is_focal = keep & (iso == hit[0])
        if require_focal:
            names_focal = np.zeros(int(art.max()) + 1 if len(art) else 0, dtype=bool)
            names_focal[art[is_focal]] = True
            keep &= names_focal[np.maximum(art, 0)] if len(art) else keep
        keep &= ~is_focal
    elif require_focal:
        keep[:] = False
    n_iso = len(iso_names)
    pair = np.unique(art[keep] * (n_iso + 1) + iso[keep])  # distinct (article, partner), sorted
    a, i = pair // (n_iso + 1), pair % (n_iso + 1)
    codes = []
    for d in range(1, len(a)):  # partners d apart in an article's sorted list
        same = a[d:] == a[:-d]
        if not same.any():
            break
        codes.append(i[:-d][same] * n_iso + i[d:][same])
    if not codes:
        return _empty(cols, {ARTICLES: "int64"})
    counts = np.bincount(np.concatenate(codes), minlength=n_iso * n_iso)
    hits = np.flatnonzero(counts)
    out = pd.DataFrame({ISO3_A: pd.array(iso_names[hits // n_iso], dtype=schema.STR),
                        ISO3_B: pd.array(iso_names[hits % n_iso], dtype=schema.STR),
                        ARTICLES: counts[hits].astype("int64")})
    out = out[out[ARTICLES] >= min_articles]
    return _finish(out, cols, [ARTICLES, ISO3_A, ISO3_B], ascending=[False, True, True])


# -- time ----------------------------------------------------------------------------------------
def timeline(table: pd.DataFrame, articles: pd.DataFrame, *, freq: str = "W",
             by: str | None = ISO3, spikes: str | None = "zscore", window: int = 8,
             threshold: float = 2.0, min_count: int = 3,
             milestones: Mapping[Any, str] | pd.DataFrame | None = None,
             around: int | None = None) -> pd.DataFrame:
    """Counts per period of any table (articles, countries, events), per `by`, with spike flags.

    Columns: period, [by], articles (distinct articles), rows (rows of `table`: mentions for
    countries, (event, country) rows for events), z, spike. Every period from the first to the
    last dated article appears for every group (0 when nothing), because silent weeks matter.
    Spikes (``spikes="zscore"``): z = (count - mean) / sd of the `window` previous periods (the
    current one excluded, so a burst cannot hide itself; trailing, so a flag only uses the
    past), sd floored at 1 article so a flat series does not make one extra story infinite;
    NA until `window` // 2 previous periods exist; spike = z >= `threshold` and at least
    `min_count` articles (two stories after a silent month are not a burst).
    `milestones` ({date: label} or a DataFrame with columns date, label) windows the result:
    rows within `around` periods of each milestone (all rows when None), with columns milestone,
    milestone_date and rel_period (periods after the milestone's period; may repeat rows when
    windows overlap). `by` may name a column of `table` or of `articles` (e.g. outlet).
    """
    _freq(freq, required=True)
    if spikes not in ("zscore", None):
        raise ValueError(f"spikes must be 'zscore' or None, got {spikes!r}")
    if window < 2 or threshold <= 0 or min_count < 0:
        raise ValueError(f"window must be >= 2, threshold > 0 and min_count >= 0, got {window}, "
                         f"{threshold}, {min_count}")
    _require(table, [ARTICLE_ID], "table")
    if by is not None and by not in table.columns:
        by = _by(by, articles)
    own = [by] if by is not None and by in table.columns else []
    meta, undated = _dated(_meta(articles, [PUBLISHED] + ([by] if by and not own else [])), freq)
    groups = [by] if by else []
    rows = table[[ARTICLE_ID, *own]].merge(meta, on=ARTICLE_ID, how="inner")
    counts = (rows.groupby([PERIOD, *groups], dropna=False)
              .agg(**{ARTICLES: (ARTICLE_ID, "nunique"), ROWS: (ARTICLE_ID, "size")})
              .reset_index())
    out = _complete(counts, _period_range(meta[PUBLISHED], freq), groups, [ARTICLES, ROWS])
    out = out.sort_values([*groups, PERIOD], kind="stable").reset_index(drop=True)
    out[Z] = _rolling_z(out, groups, window) if spikes else pd.Series(np.nan, index=out.index)
    out[SPIKE] = _mask((out[Z] >= threshold) & (out[ARTICLES] >= min_count))
    cols = [PERIOD, *groups, ARTICLES, ROWS, Z, SPIKE]
    out = _finish(out, cols, [PERIOD, *groups], undated=undated)
    if milestones is not None:
        out = around_milestones(out, milestones, freq=freq, around=around)
    return out


def _rolling_z(df: pd.DataFrame, groups: list[str], window: int) -> pd.Series:
    """Trailing z-score of `articles` per group (see `timeline`)."""
    def z(s: pd.Series) -> pd.Series:
        prev = s.shift(1).rolling(window, min_periods=max(2, window // 2))
        sd = prev.std().clip(lower=1.0)
        return (s - prev.mean()) / sd

    x = df[ARTICLES].astype("float64")
    if not groups:
        return z(x)
    codes = df.groupby(groups, dropna=False, sort=False).ngroup()  # NA groups: pandas trips
    return x.groupby(codes.to_numpy(), sort=False).transform(z)


def _milestone_frame(milestones: Mapping[Any, str] | pd.DataFrame) -> pd.DataFrame:
    if isinstance(milestones, pd.DataFrame):
        _require(milestones, ["date", "label"], "milestones")
        ms = milestones[["date", "label"]].copy()
    elif isinstance(milestones, Mapping):
        ms = pd.DataFrame({"date": list(milestones), "label": list(milestones.values())})
    else:
        raise ValueError("milestones must be a {date: label} dict or a DataFrame(date, label)")
    dates = pd.to_datetime(ms["date"], errors="coerce")
    if dates.isna().any():
        raise ValueError(f"milestone dates must be dates like 2023-01-31, got "
                         f"{ms.loc[dates.isna(), 'date'].tolist()}")
    return pd.DataFrame({MILESTONE: ms["label"].astype(schema.STR),
                         MILESTONE_DATE: dates.astype(_TIME)})


def around_milestones(table: pd.DataFrame, milestones: Mapping[Any, str] | pd.DataFrame, *,
                      freq: str, around: int | None = None) -> pd.DataFrame:
    """Rows of a per-period table within `around` periods of each milestone (all when None).

    Adds milestone (label), milestone_date and rel_period (whole periods from the milestone's
    period to the row's: -1 is the period before). A row near two milestones appears twice.
    """
    _freq(freq, required=True)
    if around is not None and around < 0:
        raise ValueError(f"around must be >= 0 or None, got {around}")
    _require(table, [PERIOD], "table")
    ms = _milestone_frame(milestones)
    alias = FREQS[freq]
    row_ord = pd.PeriodIndex(table[PERIOD], freq=alias).asi8
    parts = []
    for label, when in zip(ms[MILESTONE], ms[MILESTONE_DATE], strict=True):
        rel = row_ord - pd.Period(when, freq=alias).ordinal
        keep = np.ones(len(table), dtype=bool) if around is None else np.abs(rel) <= around
        part = table[keep].copy()
        part[MILESTONE], part[MILESTONE_DATE] = label, when
        part[REL_PERIOD] = rel[keep].astype("int64")
        parts.append(part)
    if not parts:
        return table.iloc[0:0].assign(**{MILESTONE: pd.Series(dtype=schema.STR),
                                         MILESTONE_DATE: pd.Series(dtype=_TIME),
                                         REL_PERIOD: pd.Series(dtype="int64")})
    out = pd.concat(parts, ignore_index=True)
    out[MILESTONE] = out[MILESTONE].astype(schema.STR)
    out[MILESTONE_DATE] = out[MILESTONE_DATE].astype(_TIME)
    out.attrs.update(table.attrs)
    return out


def engagement_over_time(engagement: pd.DataFrame, articles: pd.DataFrame, *, freq: str = "M",
                         metric: str | Iterable[str] | None = None,
                         by: str | None = None) -> pd.DataFrame:
    """Audience counters per period and metric, saying how many articles carry them at all.

    Columns: period, [by], metric, articles (dated articles in the period), articles_with_counters
    (articles showing that counter), share_with_counters, sum, median, mean (over the articles
    with counters only: a page without a counter is unknown, not 0; NA when none has one).
    With ``metric=None`` every metric present is listed, plus metric "any" (articles with at
    least one counter; sum/median/mean NA there). A counter printed twice on one page counts
    once (its largest value).
    """
    _freq(freq, required=True)
    by = _by(by, articles)
    metrics = _strings("metric", metric)
    bad = [m for m in metrics or [] if m not in schema.METRICS]
    if bad:
        raise ValueError(f"metric must be among {list(schema.METRICS)}, got {bad}")
    _require(engagement, [ARTICLE_ID, METRIC, VALUE], "engagement")
    groups = [by] if by else []
    cols = [PERIOD, *groups, METRIC, ARTICLES, WITH_COUNTERS, SHARE_WITH_COUNTERS, SUM, MEDIAN,
            MEAN]
    meta, undated = _dated(_meta(articles, [PUBLISHED, *groups]), freq)
    eng = _in_scope(engagement[[ARTICLE_ID, METRIC, VALUE]], meta).dropna(subset=[VALUE])
    eng = eng.groupby([ARTICLE_ID, METRIC], as_index=False)[VALUE].max()
    if metrics is None:
        present = set(eng[METRIC].dropna())
        metrics = [m for m in schema.METRICS if m in present] + sorted(
            present - set(schema.METRICS)) + [ANY_METRIC]
    else:
        eng = eng[_mask(eng[METRIC].isin(metrics))]
    if meta.empty:
        return _empty(cols, {PERIOD: _TIME, ARTICLES: "int64", WITH_COUNTERS: "int64",
                             SHARE_WITH_COUNTERS: "float64", SUM: "Int64", MEDIAN: "Float64",
                             MEAN: "Float64"})
    if ANY_METRIC in metrics:
        anyrows = eng.drop_duplicates(ARTICLE_ID).assign(**{METRIC: ANY_METRIC, VALUE: pd.NA})
        eng = pd.concat([eng, anyrows], ignore_index=True)
    eng = eng.merge(meta, on=ARTICLE_ID, how="inner")
    eng[VALUE] = eng[VALUE].astype("Float64")
    stats = (eng.groupby([PERIOD, *groups, METRIC], dropna=False)
             .agg(**{WITH_COUNTERS: (ARTICLE_ID, "nunique"), SUM: (VALUE, "sum"),
                     MEDIAN: (VALUE, "median"), MEAN: (VALUE, "mean")}).reset_index())
    totals = meta.groupby([PERIOD, *groups], dropna=False).size().rename(ARTICLES).reset_index()
    grid = _complete(totals, _period_range(meta[PUBLISHED], freq), groups, [ARTICLES])
    grid = grid.merge(pd.DataFrame({METRIC: pd.array(metrics, dtype=schema.STR)}), how="cross")
    stats[METRIC] = stats[METRIC].astype(schema.STR)
    out = grid.merge(stats, on=[PERIOD, *groups, METRIC], how="left")
    out[WITH_COUNTERS] = out[WITH_COUNTERS].fillna(0).astype("int64")
    has = out[WITH_COUNTERS] > 0
    real = has & (out[METRIC] != ANY_METRIC).to_numpy(dtype=bool)
    out[SUM] = out[SUM].astype("Float64").where(real).round().astype("Int64")
    for c in (MEDIAN, MEAN):
        out[c] = out[c].astype("Float64").where(real)
    out[SHARE_WITH_COUNTERS] = (out[WITH_COUNTERS] / out[ARTICLES]).astype("float64")
    order = {m: i for i, m in enumerate(metrics)}
    out["_m"] = out[METRIC].map(order)
    return _finish(out, cols, [PERIOD, *groups, "_m"], undated=undated)


def cooperation_over_time(events: pd.DataFrame, articles: pd.DataFrame, *,
                          focal: str | None = None, freq: str = "M", by: str = ISO3,
                          countries: pd.DataFrame | None = None,
                          window_days: int = 7) -> pd.DataFrame:
    """The focal country's engagement with partners per period: distinct events and mentions.

    Columns: period, <by> (iso3 = partner, or type = event type), events (distinct events, see
    `event_reports`, dated by their first report), articles (distinct articles reporting such
    events, by publication date), mentions ((event, partner) rows: partners named in
    cooperation sentences, by publication date). An event with two partners counts for each
    partner but once per type. Every period from the first to the last dated article appears
    for every group (0 when nothing). With `countries`, only articles that name `focal` count.
    """
    focal = _focal(focal)
    _freq(freq, required=True)
    if by not in (ISO3, TYPE):
        raise ValueError(f"by must be 'iso3' or 'type', got {by!r}")
    cols = [PERIOD, by, EVENTS, ARTICLES, MENTIONS]
    meta, undated = _dated(_meta(articles, [PUBLISHED]), freq)
    scope = None
    if countries is not None:
        _require(countries, [ARTICLE_ID, ISO3], "countries")
        ids = _meta(articles, [])[ARTICLE_ID]
        where = _positions(countries[ARTICLE_ID], ids)
        iso, iso_names = _codes(countries[ISO3])
        hit = np.flatnonzero(iso_names == focal)
        scope = np.zeros(len(ids), dtype=bool)
        if len(hit):
            scope[where[(iso == hit[0]) & (where >= 0)]] = True
    r = _reports(events, articles, focal=focal, window_days=window_days, scope=scope)
    pub = r.meta[PUBLISHED].to_numpy(dtype="datetime64[ns]")
    keep = ~np.isnat(pub[r.art])
    if not keep.any():
        return _empty(cols, {PERIOD: _TIME, EVENTS: "int64", ARTICLES: "int64",
                             MENTIONS: "int64"})
    art, key, date = r.art[keep], r.key[keep], r.date[keep]
    grp, names = (r.iso[keep], r.iso_names) if by == ISO3 else (r.type[keep], r.type_names)
    period = _period_start(pd.Series(pub), freq).to_numpy()[art]
    first = _first_rows(key * (len(names) + 1) + grp)
    ev = pd.DataFrame({PERIOD: _period_start(pd.Series(date[first].astype("datetime64[ns]")),
                                             freq).to_numpy(), "_g": grp[first]})
    by_event = ev.dropna(subset=[PERIOD]).groupby([PERIOD, "_g"]).size().rename(EVENTS)
    rows = pd.DataFrame({PERIOD: period, "_g": grp, "_a": art})
    by_report = rows.groupby([PERIOD, "_g"]).agg(**{ARTICLES: ("_a", "nunique"),
                                                    MENTIONS: ("_a", "size")})
    counts = pd.concat([by_event, by_report], axis=1).reset_index()
    counts[by] = pd.array(names[counts["_g"].to_numpy()], dtype=schema.STR)
    counts = counts.drop(columns="_g")
    out = _complete(counts, _period_range(meta[PUBLISHED], freq), [by],
                    [EVENTS, ARTICLES, MENTIONS])
    return _finish(out, cols, [PERIOD, by], undated=undated)


# -- distinctive terms ---------------------------------------------------------------------------
_ARABIC = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")
_ARABIC_MARKS = re.compile(r"[\u064B-\u0652\u0670\u0640]")  # harakat, dagger alif, tatweel


@cache
def _blank(lang: str) -> Language:
    """A blank spaCy pipeline (tokenizer + stop words) for `lang`, 'xx' when spaCy lacks it."""
    import spacy

    try:
        spacy.util.get_lang_class(lang)
    except (ImportError, KeyError):
        lang = "xx"
    return spacy.blank(lang)


@cache
def _stop_words(lang: str) -> frozenset[str]:
    if lang in ("ar", "xx"):  # Latin-script words in an Arabic page: English or French chrome
        return frozenset(_blank("en").Defaults.stop_words | _blank("fr").Defaults.stop_words)
    return frozenset(_blank(lang).Defaults.stop_words)


def tokens(text: str, *, language: str | None = None) -> list[str]:
    """Lower-cased word tokens of `text` without stop words, numbers or punctuation.

    spaCy's tokenizer and stop words for `language` (en/fr/ar; others fall back to spaCy's
    multilingual tokenizer with English+French stop words for Latin script). Arabic-script
    tokens are checked against Arabic stop words whatever the language (pages mix scripts) and
    lose diacritics and tatweel.
    """
    lang = language if isinstance(language, str) and _LANG_RE.match(language) else "xx"
    nlp = _blank(lang)
    latin_stops, ar_stops = _stop_words(nlp.lang), _stop_words_ar()
    out = []
    for tok in nlp.tokenizer(_ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text))):
        word = _term(tok, latin_stops, ar_stops)
        if word:
            out.append(word)
    return out


def load_tokenizers(languages: Iterable[Any]) -> None:
    """Load the spaCy tokenizers and stop words `tokens` uses for these languages, so that a
    caller can pay spaCy's start-up (seconds: French alone compiles large patterns) early."""
    for lang in languages:
        code = lang if isinstance(lang, str) and _LANG_RE.match(lang) else "xx"
        _stop_words(_blank(code).lang)
    _stop_words_ar()


def _term(tok: Any, latin_stops: frozenset[str], ar_stops: frozenset[str]) -> str | None:
    """A token's word for term counts: lower case, alphabetic, 2+ letters, not a stop word
    (Arabic-script words against Arabic stop words, others against the language's)."""
    if not tok.is_alpha:
        return None
    word = tok.lower_
    if word in (ar_stops if _ARABIC.search(word) else latin_stops) or len(word) < 2:
        return None
    return word


@cache
def _stop_words_ar() -> frozenset[str]:
    return frozenset(_ARABIC_MARKS.sub("", w) for w in _blank("ar").Defaults.stop_words)


def _group_tokens(groups: Iterable[Any], texts: Iterable[Any],
                  langs: Iterable[Any]) -> dict[Any, Counter[str]]:
    """Per group, the counts of `tokens` over its texts, computed fast but identically.

    spaCy tokenizes each whitespace-separated chunk on its own (its cache is per chunk), so
    the texts are counted as chunks first and each distinct (language, chunk) is tokenized
    once: the same counts as calling `tokens` on every text, about 30 times faster.
    """
    joined: dict[tuple[Any, str], list[str]] = {}
    for g, text, lang in zip(groups, texts, langs, strict=True):
        code = lang if isinstance(lang, str) and _LANG_RE.match(lang) else "xx"
        joined.setdefault((g, code), []).append(str(text))
    chunks: dict[tuple[Any, str], Counter[str]] = {}
    for gc, parts in joined.items():  # one pass per group: "\n" joins no chunks, composes nothing
        clean = _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", "\n".join(parts)))
        chunks[gc] = Counter(clean.split())
    distinct: dict[str, dict[str, None]] = {}
    for (_, code), counter in chunks.items():
        distinct.setdefault(code, {}).update(dict.fromkeys(counter))
    words = {code: _chunk_words(list(cs), code) for code, cs in distinct.items()}
    out: dict[Any, Counter[str]] = {}
    for (g, code), counter in chunks.items():
        acc = out.setdefault(g, Counter())
        table = words[code]
        for chunk, n in counter.items():
            for w in table.get(chunk, ()):
                acc[w] += n
    return out


def _chunk_words(chunks: list[str], lang: str, batch: int = 20_000) -> dict[str, list[str]]:
    """`tokens` of each whitespace-free chunk, tokenized many at a time (one spaCy call per
    `batch` chunks joined by spaces; each token is mapped back to its chunk by offset)."""
    nlp = _blank(lang)
    latin_stops, ar_stops = _stop_words(nlp.lang), _stop_words_ar()
    out: dict[str, list[str]] = {}
    for lo in range(0, len(chunks), batch):
        part = chunks[lo:lo + batch]
        starts = np.cumsum([0] + [len(c) + 1 for c in part[:-1]])
        found: list[list[str]] = [[] for _ in part]
        for tok in nlp.tokenizer(" ".join(part)):
            word = _term(tok, latin_stops, ar_stops)
            if word:
                found[int(np.searchsorted(starts, tok.idx, side="right")) - 1].append(word)
        out.update(zip(part, found, strict=True))
    return out


def distinctive_terms(texts_by_group: pd.DataFrame, *, top: int = 20,
                      prior: float | Mapping[str, float] = 0.1, min_count: int = 2,
                      group: str = GROUP) -> pd.DataFrame:
    """Words most distinctive of each group (e.g. outlet) against all other groups.

    Weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi & Quinn 2008,
    "Fightin' Words", eq. 16-22), each group against the rest: log_odds is the difference in
    log-odds of the word, z that difference over its approximate standard deviation, so
    frequent words are not drowned by rare ones. `prior` as a number scales the pooled counts
    into pseudo-counts (alpha_w = prior * count_w; 1.0 uses the corpus itself as the prior);
    as a mapping it gives pseudo-counts per term from a background corpus (0.01 for terms it
    lacks). Input columns: group (or the column named by `group`, e.g. the articles table
    loaded with ``text=True`` and ``group="outlet"``), text, and optional language (ISO 639-1,
    tokenization and stop words, see `tokens`). Columns: group, term, count (in the group),
    log_odds, z; the `top` terms by z per group among those counted at least `min_count` times.
    """
    _require(texts_by_group, [group, TEXT], "texts_by_group")
    if top < 1 or min_count < 1:
        raise ValueError(f"top and min_count must be >= 1, got {top}, {min_count}")
    if not isinstance(prior, Mapping) and not (isinstance(prior, int | float) and prior > 0):
        raise ValueError(f"prior must be a positive number or a term -> pseudo-count mapping, "
                         f"got {prior!r}")
    cols = [GROUP, TERM, COUNT, LOG_ODDS, Z]
    df = texts_by_group.dropna(subset=[group, TEXT])
    langs = (df[LANGUAGE] if LANGUAGE in df else pd.Series(pd.NA, index=df.index))
    by_group = _group_tokens(df[group], df[TEXT], langs)
    if len(by_group) < 2:
        raise ValueError(f"distinctive_terms needs texts of at least two groups, got "
                         f"{len(by_group)}")
    vocab = sorted(set().union(*by_group.values()))
    if not vocab:
        return _empty(cols, {COUNT: "int64", LOG_ODDS: "float64", Z: "float64"})
    index = {w: i for i, w in enumerate(vocab)}
    counts = np.zeros((len(by_group), len(vocab)))
    for row, c in enumerate(by_group.values()):
        for w, n in c.items():
            counts[row, index[w]] = n
    pooled = counts.sum(axis=0)
    if isinstance(prior, Mapping):
        alpha = np.array([max(float(prior.get(w, 0.0)), 0.01) for w in vocab])
    else:
        alpha = prior * pooled
    a0 = alpha.sum()
    parts = []
    for row, g in enumerate(by_group):
        y_i, y_j = counts[row], pooled - counts[row]
        n_i, n_j = y_i.sum(), y_j.sum()
        delta = (np.log((y_i + alpha) / (n_i + a0 - y_i - alpha))
                 - np.log((y_j + alpha) / (n_j + a0 - y_j - alpha)))
        z = delta / np.sqrt(1.0 / (y_i + alpha) + 1.0 / (y_j + alpha))
        keep = np.flatnonzero(y_i >= min_count)
        best = keep[np.lexsort((keep, -z[keep]))][:top]  # ties: vocab is sorted
        parts.append(pd.DataFrame({GROUP: g, TERM: [vocab[i] for i in best],
                                   COUNT: y_i[best].astype("int64"), LOG_ODDS: delta[best],
                                   Z: z[best]}))
    out = pd.concat(parts, ignore_index=True)
    out[TERM] = out[TERM].astype(schema.STR)
    return out[cols]
