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

import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
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


def _focal_articles(countries: pd.DataFrame, focal: str) -> pd.Series:
    return countries.loc[_mask(countries[ISO3] == focal), ARTICLE_ID].drop_duplicates()


def _partner_mentions(countries: pd.DataFrame, articles: pd.DataFrame, *, focal: str,
                      require_focal: bool) -> pd.DataFrame:
    """Partner mention rows (article_id, iso3, country) in scope."""
    _require(countries, [ARTICLE_ID, ISO3, COUNTRY], "countries")
    cn = _in_scope(countries[[ARTICLE_ID, ISO3, COUNTRY]], articles)
    cn = cn[cn[ISO3].notna()]
    if require_focal:
        cn = cn[_isin(cn[ARTICLE_ID], _focal_articles(cn, focal))]
    return cn[_mask(cn[ISO3] != focal)].reset_index(drop=True)


def _country_names(countries: pd.DataFrame) -> pd.Series:
    """iso3 -> English short name (the first one given)."""
    cn = countries[[ISO3, COUNTRY]].dropna().drop_duplicates(ISO3)
    return pd.Series(cn[COUNTRY].to_numpy(), index=cn[ISO3].to_numpy(), dtype=schema.STR)


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
    _require(events, [EVENT_ID, ARTICLE_ID, TYPE, ISO3], "events")
    cols = [EVENT_ID, ARTICLE_ID, TYPE, ISO3, PARTNERS, EVENT_KEY, EVENT_DATE]
    ev = _in_scope(events[[EVENT_ID, ARTICLE_ID, TYPE, ISO3]], articles)
    ev = ev[_mask(ev[ISO3].notna() & (ev[ISO3] != focal))].drop_duplicates([EVENT_ID, ISO3])
    if ev.empty:
        return _empty(cols, {EVENT_DATE: _TIME})
    meta = _meta(articles, [PUBLISHED] + ([DUPLICATE_OF] if DUPLICATE_OF in articles else []))
    canon = meta[DUPLICATE_OF] if DUPLICATE_OF in meta else meta[ARTICLE_ID]
    meta["_canon"] = canon.fillna(meta[ARTICLE_ID]).astype(schema.STR)
    meta["_gdate"] = meta.groupby("_canon")[PUBLISHED].transform("min")
    ev = ev.sort_values([EVENT_ID, ISO3], kind="stable")
    per_event = (ev.groupby(EVENT_ID, sort=False)
                 .agg(**{ARTICLE_ID: (ARTICLE_ID, "first"), TYPE: (TYPE, "first")}).reset_index())
    per_event[PARTNERS] = _joined(ev).reindex(per_event[EVENT_ID]).to_numpy()
    per_event = per_event.merge(meta[[ARTICLE_ID, "_canon", "_gdate"]], on=ARTICLE_ID, how="left")
    per_event[TYPE] = per_event[TYPE].astype(schema.STR).fillna("")
    per_event[EVENT_DATE] = _anchored_runs(per_event, window_days)
    day = per_event[EVENT_DATE].dt.strftime("%Y-%m-%d").astype(object)
    tail = day.where(per_event[EVENT_DATE].notna(), per_event["_canon"].astype(object))
    per_event[EVENT_KEY] = (per_event[TYPE].astype(object) + "|" + per_event[PARTNERS] + "|"
                            + tail).astype(schema.STR)
    out = ev[[EVENT_ID, ISO3]].merge(per_event, on=EVENT_ID, how="left")
    out[PARTNERS] = out[PARTNERS].astype(schema.STR)
    return _finish(out, cols, [EVENT_DATE, EVENT_KEY, ARTICLE_ID, EVENT_ID, ISO3])


def _joined(ev: pd.DataFrame) -> pd.Series:
    """event_id -> its sorted partner codes joined by "+" (vectorised: no Python per event)."""
    rank = ev.groupby(EVENT_ID, sort=False).cumcount()
    wide = ev.assign(_r=rank.to_numpy()).pivot(index=EVENT_ID, columns="_r", values=ISO3)
    wide = wide.astype(object)
    out = wide[0].astype(str)
    for col in list(wide.columns)[1:]:
        out = out + ("+" + wide[col].astype(object)).fillna("")
    return out


def _anchored_runs(per_event: pd.DataFrame, window_days: int) -> pd.Series:
    """Per event, the first report date of its run of same (type, partners) reports."""
    result = pd.Series(pd.NaT, index=per_event.index, dtype=_TIME)
    dated = per_event[per_event["_gdate"].notna()]
    if dated.empty:
        return result
    code = dated.groupby([TYPE, PARTNERS], sort=False).ngroup().to_numpy()
    days = dated["_gdate"].to_numpy(dtype="datetime64[ns]").astype("int64")
    order = np.lexsort((days, code))
    window = window_days * 86_400 * 10**9
    anchors = np.empty(len(order), dtype="int64")
    prev_code, anchor = -1, 0
    for pos, (c, d) in enumerate(zip(code[order].tolist(), days[order].tolist(), strict=True)):
        if c != prev_code or d - anchor > window:
            prev_code, anchor = c, d
        anchors[pos] = anchor
    values = np.empty(len(order), dtype="int64")
    values[order] = anchors
    result.loc[dated.index] = values.astype("datetime64[ns]")
    return result


def collapse_events(events: pd.DataFrame, articles: pd.DataFrame, *, focal: str | None = None,
                    window_days: int = 7) -> pd.DataFrame:
    """One row per (distinct event, partner): the events behind the `events` columns.

    Columns: event_key, type, iso3, partners, event_date, reports (distinct articles reporting
    it, syndicated copies included), first_article_id. See `event_reports` for the key.
    """
    rep = event_reports(events, articles, focal=focal, window_days=window_days)
    cols = [EVENT_KEY, TYPE, ISO3, PARTNERS, EVENT_DATE, REPORTS, FIRST_ARTICLE_ID]
    if rep.empty:
        return _empty(cols, {EVENT_DATE: _TIME, REPORTS: "int64"})
    meta = _meta(articles, [PUBLISHED])
    rep = rep.merge(meta, on=ARTICLE_ID, how="left").sort_values(
        [PUBLISHED, ARTICLE_ID], na_position="last", kind="stable")
    out = (rep.groupby([EVENT_KEY, ISO3], sort=False)
           .agg(**{TYPE: (TYPE, "first"), PARTNERS: (PARTNERS, "first"),
                   EVENT_DATE: (EVENT_DATE, "first"), REPORTS: (ARTICLE_ID, "nunique"),
                   FIRST_ARTICLE_ID: (ARTICLE_ID, "first")}).reset_index())
    return _finish(out, cols, [EVENT_DATE, EVENT_KEY, ISO3])


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
    pm = _partner_mentions(countries, meta, focal=focal, require_focal=require_focal)
    pm = pm.merge(meta, on=ARTICLE_ID, how="inner")
    if pm.empty:
        return _empty(cols, {PERIOD: _TIME, ARTICLES: "int64", MENTIONS: "int64",
                             SHARE: "float64", EVENTS: "Int64", WEIGHTED: "Float64"})
    gkeys = [*keys, ISO3]
    out = (pm.groupby(gkeys, dropna=False, sort=False)
           .agg(**{ARTICLES: (ARTICLE_ID, "nunique"), MENTIONS: (ARTICLE_ID, "size")})
           .reset_index())
    if keys:
        denom = pm.groupby(keys, dropna=False)[ARTICLE_ID].nunique().rename(TOTAL).reset_index()
        out = out.merge(denom, on=keys, how="left")
    else:
        out[TOTAL] = pm[ARTICLE_ID].nunique()
    out[SHARE] = out[ARTICLES] / out[TOTAL]
    out[COUNTRY] = out[ISO3].map(_country_names(countries)).astype(schema.STR)
    latest = (pm.drop_duplicates([*gkeys, ARTICLE_ID]).dropna(subset=[TITLE])
              .sort_values([PUBLISHED, ARTICLE_ID], ascending=[False, True], na_position="last",
                           kind="stable")
              .drop_duplicates(gkeys)[[*gkeys, TITLE]].rename(columns={TITLE: EXAMPLE_TITLE}))
    out = out.merge(latest, on=gkeys, how="left")
    out[EXAMPLE_TITLE] = out[EXAMPLE_TITLE].astype(schema.STR)
    out[EVENTS] = pd.array([pd.NA] * len(out), dtype="Int64")
    out[WEIGHTED] = pd.array([pd.NA] * len(out), dtype="Float64")
    if events is not None:
        scope = meta[_isin(meta[ARTICLE_ID], pm[ARTICLE_ID])]
        rep = event_reports(events, articles, focal=focal, window_days=window_days)
        rep = rep.merge(scope, on=ARTICLE_ID, how="inner").drop_duplicates([*gkeys, EVENT_KEY])
        rep[WEIGHTED] = rep[TYPE].map(lambda t: float((weights or {}).get(t, 1.0)))
        ev = (rep.groupby(gkeys, dropna=False)
              .agg(**{EVENTS: (EVENT_KEY, "size"), WEIGHTED: (WEIGHTED, "sum")}).reset_index())
        out = out.drop(columns=[EVENTS, WEIGHTED]).merge(ev, on=gkeys, how="left")
        out[EVENTS] = out[EVENTS].fillna(0).astype("Int64")
        out[WEIGHTED] = out[WEIGHTED].fillna(0.0).astype("Float64")
    out = out[out[MENTIONS] >= min_mentions]
    return _finish(out, cols, [*keys, ARTICLES, MENTIONS, ISO3],
                   ascending=[True] * len(keys) + [False, False, True], undated=undated)


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
    pm = _partner_mentions(countries, meta, focal=focal, require_focal=require_focal)
    pm = pm.drop_duplicates([ARTICLE_ID, ISO3]).merge(meta, on=ARTICLE_ID, how="inner")
    if pm.empty:
        return _empty(cols, {ARTICLES: "int64", TOTAL: "int64", SHARE: "float64"})
    out = pm.groupby([by, ISO3], dropna=False).size().rename(ARTICLES).reset_index()
    if normalize is None:
        out[TOTAL] = int(out[ARTICLES].sum())
    elif normalize == "partner":
        out[TOTAL] = out.groupby(ISO3)[ARTICLES].transform("sum")
    else:
        per_outlet = pm.groupby(by, dropna=False)[ARTICLE_ID].nunique().rename(TOTAL)
        out = out.merge(per_outlet.reset_index(), on=by, how="left")
    out[SHARE] = out[ARTICLES] / out[TOTAL]
    out[COUNTRY] = out[ISO3].map(_country_names(countries)).astype(schema.STR)
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
    pm = _partner_mentions(countries, meta, focal=focal, require_focal=require_focal)
    meta = meta.assign(_on=_isin(meta[ARTICLE_ID], pm[ARTICLE_ID]).astype("int64"))
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
    cn = countries[[ARTICLE_ID, ISO3]].dropna().drop_duplicates()
    if require_focal:
        cn = cn[_isin(cn[ARTICLE_ID], _focal_articles(cn, focal))]
    cn = cn[_mask(cn[ISO3] != focal)]
    pairs = cn.merge(cn, on=ARTICLE_ID, suffixes=("_a", "_b"))
    pairs = pairs[_mask(pairs[ISO3_A] < pairs[ISO3_B])]
    if pairs.empty:
        return _empty(cols, {ARTICLES: "int64"})
    out = pairs.groupby([ISO3_A, ISO3_B]).size().rename(ARTICLES).reset_index()
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
    scope = articles
    if countries is not None:
        _require(countries, [ARTICLE_ID, ISO3], "countries")
        scope = articles[_isin(articles[ARTICLE_ID], _focal_articles(countries, focal))]
    rep = event_reports(events, scope, focal=focal, window_days=window_days)
    rep = rep.merge(meta[[ARTICLE_ID, PERIOD]], on=ARTICLE_ID, how="inner")
    if rep.empty:
        return _empty(cols, {PERIOD: _TIME, EVENTS: "int64", ARTICLES: "int64",
                             MENTIONS: "int64"})
    rep[EVENT_DATE] = _period_start(rep[EVENT_DATE], freq)
    by_event = (rep.drop_duplicates([EVENT_KEY, by])
                .groupby([EVENT_DATE, by]).size().rename(EVENTS).reset_index()
                .rename(columns={EVENT_DATE: PERIOD}))
    by_report = (rep.groupby([PERIOD, by])
                 .agg(**{ARTICLES: (ARTICLE_ID, "nunique"), MENTIONS: (ARTICLE_ID, "size")})
                 .reset_index())
    counts = by_event.merge(by_report, on=[PERIOD, by], how="outer")
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
        if not tok.is_alpha:
            continue
        word = tok.lower_
        if _ARABIC.search(word):
            if word in ar_stops:
                continue
        elif word in latin_stops:
            continue
        if len(word) >= 2:
            out.append(word)
    return out


@cache
def _stop_words_ar() -> frozenset[str]:
    return frozenset(_ARABIC_MARKS.sub("", w) for w in _blank("ar").Defaults.stop_words)


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
    by_group: dict[Any, Counter[str]] = {}
    for g, text, lang in zip(df[group], df[TEXT], langs, strict=True):
        by_group.setdefault(g, Counter()).update(tokens(str(text), language=lang))
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
