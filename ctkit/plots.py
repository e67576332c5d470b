"""Plotly figures for ctkit's tables, one colour-blind-safe theme, and pages that work offline.

Builders take the DataFrames of `ctkit.analysis` (or a `Corpus` where noted) and return a
`plotly.graph_objects.Figure` themed with the plotly template "ctkit". Maps draw the country
polygons shipped in `ctkit.geo`, never plotly's CDN-hosted ISO map.

plotly.js asks a CDN for its world TopoJSON before it draws any geo subplot (a GeoJSON
choropleth included) unless ``window.PlotlyGeoAssets.topojson`` already holds it; one failed
request leaves the map blank. `offline_html` and `notebook_setup` therefore put a locally built
TopoJSON there before plotly.js runs, and `save_static` points kaleido at a local copy.
Text that comes from the data (headlines, outlet names) is HTML-escaped everywhere.
"""
from __future__ import annotations

import html
import importlib.abc
import importlib.util
import json
import re
import sys
import tempfile
import warnings
from collections.abc import Callable, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from . import geo

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from .corpus import Corpus

__all__ = [
    "OKABE_ITO",
    "TEMPLATE",
    "ArticleView",
    "article_view",
    "coverage_heatmap",
    "engagement_chart",
    "geo_assets_script",
    "notebook_setup",
    "offline_html",
    "partner_map",
    "register_template",
    "save_static",
    "share_of_voice_bars",
    "timeline",
    "use_local_topojson",
]

TEMPLATE = "ctkit"
#: Okabe & Ito (2008) qualitative palette, distinguishable with the common colour-vision
#: deficiencies; yellow and black come last (faint on white; black marks spikes).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
             "#000000")
#: ColorBrewer YlGnBu (colour-blind safe, light = low), without its two palest steps.
SEQUENTIAL = ("#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#253494", "#081d58")
NO_DATA = "#e3e3e3"
FOCAL_FILL = "#D55E00"
OTHER = "#9a9a9a"
FONT = "Helvetica Neue, Helvetica, Arial, sans-serif"

# column names of the tables from ctkit.analysis that these builders read
ISO3, COUNTRY, OUTLET, PERIOD, METRIC = "iso3", "country", "outlet", "period", "metric"
ARTICLES, MENTIONS, SHARE, EVENTS = "articles", "mentions", "share", "events"
EXAMPLE_TITLE, SPIKE, Z = "example_title", "spike", "z"
MILESTONE, MILESTONE_DATE = "milestone", "milestone_date"
WITH_COUNTERS, ANY_METRIC = "articles_with_counters", "any"

_LABELS = {
    ARTICLES: "articles", MENTIONS: "mentions", SHARE: "share", EVENTS: "events",
    "normalized_share": "share per output", "rate": "rate", "rows": "rows",
    "weighted": "weighted events", "sum": "total", "median": "median", "mean": "mean",
    ISO3: "partner", OUTLET: "outlet", PERIOD: "period", "type": "event type",
}
_PLOTLY_SCOPES = ("world", "usa", "europe", "asia", "africa", "north-america", "south-america")
_MAP_HEIGHT = 520
#: countries smaller than this (square degrees) also get a marker, or a world map loses them
_SMALL_AREA = 1.0


# -- text and theme ------------------------------------------------------------------------------
def _esc(value: Any) -> str:
    """`value` as inert text for HTML text and plotly labels (which read a little HTML).

    Quotes stay as they are: plotly.js decodes &amp; &lt; &gt; but would show &quot; as typed.
    """
    return html.escape("" if value is None or value is pd.NA else str(value), quote=False)


def _attr(value: Any) -> str:
    """`value` escaped for an HTML attribute value in double quotes."""
    return html.escape("" if value is None or value is pd.NA else str(value), quote=True)


def _short(value: Any, limit: int = 90) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _label(column: str) -> str:
    return _LABELS.get(column, column.replace("_", " "))


def _is_share(column: str) -> bool:
    return "share" in column or column == "rate"


def register_template() -> str:
    """Register the plotly template "ctkit" (idempotent) and return its name."""
    import plotly.graph_objects as go
    import plotly.io as pio

    if TEMPLATE in pio.templates:
        return TEMPLATE
    base = go.layout.Template(pio.templates["plotly_white"])
    base.layout.update(
        colorway=list(OKABE_ITO),
        colorscale={"sequential": [[i / (len(SEQUENTIAL) - 1), c]
                                   for i, c in enumerate(SEQUENTIAL)]},
        font={"family": FONT, "size": 13, "color": "#222222"},
        title={"x": 0.0, "xanchor": "left", "font": {"size": 17}},
        hoverlabel={"bgcolor": "white", "font": {"family": FONT, "size": 12}, "align": "left"},
        legend={"bgcolor": "rgba(255,255,255,0.8)"},
        margin={"l": 60, "r": 30, "t": 70, "b": 50},
        geo={"projection": {"type": "natural earth"}, "showframe": False,
             "showcoastlines": False, "showland": False, "showcountries": False,
             "showlakes": False, "showocean": False, "showrivers": False,
             "bgcolor": "rgba(0,0,0,0)"},
    )
    pio.templates[TEMPLATE] = base
    return TEMPLATE


def _figure() -> go.Figure:
    import plotly.graph_objects as go

    return go.Figure(layout={"template": register_template()})


def _note(fig: go.Figure, text: str, *, y: float = -0.02) -> None:
    """A small grey line of (already escaped) text under the plot."""
    fig.add_annotation(text=text, x=0, y=y, xref="paper", yref="paper", xanchor="left",
                       yanchor="top", showarrow=False, align="left",
                       font={"size": 11, "color": "#555555"})


def _title(title: str | None, default: str, notes: Sequence[str] = ()) -> dict[str, Any]:
    """Layout title: the user's `title` (escaped) or `default`, with notes as a smaller line."""
    text = _esc(title) if title is not None else default
    if notes:
        text += "<br><sup>" + " · ".join(notes) + "</sup>"
    return {"text": text}


def _count_axis(values: pd.Series) -> dict[str, Any]:
    """Axis settings for counts: whole-number ticks, step 1 when the counts are small."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if len(v) and (v == v.round()).all() and v.max() <= 8:
        return {"tickformat": ",d", "dtick": 1}
    return {}


def _country_label(code: Any, names: Mapping[str, str]) -> str:
    code = "" if code is None or code is pd.NA else str(code)
    return names.get(code, code)


# -- partner map ---------------------------------------------------------------------------------
def _counts_from_corpus(corpus: Corpus, *, focal: str) -> pd.DataFrame:
    """Simple per-country counts for `partner_map(corpus)`: every country named, `focal` too.

    share = articles naming the country / articles naming any country other than `focal`;
    example_title = the headline of the article naming it most often (first such article).
    `ctkit.analysis.partner_counts` is the fuller version (scope, periods, events).
    """
    c = corpus.countries[["article_id", ISO3]].dropna()
    if c.empty:
        return pd.DataFrame({ISO3: pd.Series(dtype="string")})
    per = c.groupby([ISO3, "article_id"], sort=False).size().rename(MENTIONS).reset_index()
    out = per.groupby(ISO3).agg(**{ARTICLES: ("article_id", "nunique"),
                                   MENTIONS: (MENTIONS, "sum")}).reset_index()
    n_partner_articles = c.loc[c[ISO3] != focal, "article_id"].nunique()
    out[SHARE] = out[ARTICLES] / max(n_partner_articles, 1)
    titles = corpus.articles[["article_id", "title"]].dropna().drop_duplicates("article_id")
    order = {a: i for i, a in enumerate(corpus.articles["article_id"])}
    best = (per.merge(titles, on="article_id", how="inner")
            .assign(_order=lambda d: d["article_id"].map(order))
            .sort_values([ISO3, MENTIONS, "_order"], ascending=[True, False, True], kind="stable")
            .drop_duplicates(ISO3)[[ISO3, "title"]].rename(columns={"title": EXAMPLE_TITLE}))
    return out.merge(best, on=ISO3, how="left")


def _map_table(counts: pd.DataFrame | Corpus, *, focal: str, value: str) -> pd.DataFrame:
    from .corpus import Corpus

    table = _counts_from_corpus(counts, focal=focal) if isinstance(counts, Corpus) else counts
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"counts must be a DataFrame or a Corpus, got {type(table).__name__}")
    if ISO3 not in table.columns:
        raise ValueError(f"counts needs an 'iso3' column; got {list(table.columns)}")
    if value not in table.columns and not table.empty:
        raise ValueError(f"value {value!r} is not a column of counts; pick one of "
                         f"{[c for c in table.columns if c != ISO3]}")
    table = table[table[ISO3].notna()]
    if table[ISO3].duplicated().any():
        extra = [c for c in table.columns if c in (PERIOD, OUTLET, "language", "type")]
        raise ValueError("counts must have one row per iso3"
                         + (f"; filter or aggregate its {extra} column(s) first" if extra else ""))
    return table.set_index(ISO3)


def _hover_line(row: pd.Series, column: str) -> str | None:
    if column not in row.index or pd.isna(row[column]):
        return None
    v = row[column]
    if column == SHARE:
        return f"share: {float(v):.1%}"
    if column == EXAMPLE_TITLE:
        return f"e.g. “{_esc(_short(v))}”"
    return f"{_label(column)}: {_esc(_number(v))}"


def _number(v: Any) -> str:
    """Counts as 1,234; other numbers with three significant digits; the rest as text."""
    if pd.api.types.is_number(v) and not isinstance(v, bool):
        return f"{int(v):,}" if float(v).is_integer() else f"{float(v):,.3g}"
    return str(v)


def _hover(name: str, code: str, row: pd.Series | None, *, value: str) -> str:
    head = f"<b>{_esc(name)}</b> ({_esc(code)})"
    if row is None or pd.isna(row.get(value)) or not row.get(value):
        return head + "<br>not named"
    cols = [ARTICLES, SHARE, MENTIONS, EVENTS, value, EXAMPLE_TITLE]
    lines = [_hover_line(row, c) for c in dict.fromkeys(cols)]
    return "<br>".join([head, *[x for x in lines if x]])


def _zero_grey_scale(values: pd.Series) -> tuple[list, float]:
    """A colour scale where 0 is grey ("not named") and the smallest positive value is coloured."""
    zmax = float(values.max()) if len(values) and values.max() > 0 else 1.0
    positive = values[values > 0]
    cut = min(0.5 * float(positive.min()) / zmax, 0.05) if len(positive) else 0.5
    steps = len(SEQUENTIAL) - 1
    scale = [[0.0, NO_DATA], [cut, NO_DATA]]
    scale += [[min(1.0, cut + 1e-9 + (1 - cut - 1e-9) * i / steps), c]
              for i, c in enumerate(SEQUENTIAL)]
    scale[-1][0] = 1.0  # float rounding may overshoot; plotly rejects stops above 1
    return scale, zmax


def _colorbar_ticks(z: pd.Series, zmax: float, *, share: bool) -> dict[str, Any]:
    """Percent ticks for shares; whole-number ticks (step 1 when few) for counts."""
    if share:
        return {"tickformat": ".0%"}
    if (z == z.round()).all():
        return {"tickformat": ",d", **({"dtick": 1} if zmax <= 8 else {})}
    return {}


def partner_map(counts: pd.DataFrame | Corpus, *, focal: str = "MAR", value: str = ARTICLES,
                western_sahara: str = "separate", title: str | None = None) -> go.Figure:
    """World choropleth of partner countries, the focal country outlined in its own colour.

    `counts`: one row per partner with columns iso3 and `value`, typically the output of
    ``ctkit.analysis.partner_counts`` (iso3, country, articles, mentions, share, events,
    example_title). Hover shows what is present: articles, share (fraction, shown as %),
    mentions, events and an example headline. A `Corpus` is also accepted and counted simply
    (see `_counts_from_corpus`). Countries not named are grey; rows without a shape on the map
    (e.g. Tuvalu, or ESH when `western_sahara` is not "separate") are listed under the map.
    """
    import plotly.graph_objects as go

    table = _map_table(counts, focal=focal, value=value)
    collection = geo.geojson(western_sahara=western_sahara)
    names = {f["id"]: f["properties"]["name"] for f in collection["features"]}
    focal_name = names.get(focal) or geo.names().get(focal, focal)
    codes = [c for c in names if c != focal]
    z = (pd.to_numeric(table[value], errors="coerce").reindex(codes).fillna(0.0).astype(float)
         if value in table else pd.Series(0.0, index=codes))
    codes = [c for c in codes if c != "ATA" or z[c] > 0]  # Antarctica only when named
    z = z[codes]
    scale, zmax = _zero_grey_scale(z)
    hover = [_hover(names[c], c, table.loc[c] if c in table.index else None, value=value)
             for c in codes]
    fig = _figure()
    fig.add_trace(go.Choropleth(
        geojson=collection, featureidkey="properties.iso3", locations=codes, z=z.tolist(),
        zmin=0, zmax=zmax, colorscale=scale, text=hover, hovertemplate="%{text}<extra></extra>",
        marker={"line": {"color": "white", "width": 0.4}}, name=_label(value),
        colorbar={"title": {"text": _esc(_label(value))}, "thickness": 14, "len": 0.6,
                  **_colorbar_ticks(z, zmax, share=_is_share(value))},
    ))
    points = geo.label_points(western_sahara=western_sahara)
    small = [i for i, c in enumerate(codes) if z[c] > 0 and points[c][2] < _SMALL_AREA]
    if small:
        fig.add_trace(go.Scattergeo(
            lon=[points[codes[i]][0] for i in small], lat=[points[codes[i]][1] for i in small],
            mode="markers", text=[hover[i] for i in small], showlegend=False,
            hovertemplate="%{text}<extra></extra>", name="small countries",
            marker={"color": [float(z.iloc[i]) for i in small], "colorscale": scale, "cmin": 0,
                    "cmax": zmax, "size": 8, "line": {"color": "#333333", "width": 0.8}},
        ))
    focal_feature = [f for f in collection["features"] if f["id"] == focal]
    if focal_feature:
        row = table.loc[focal] if focal in table.index else None
        text = f"<b>{_esc(focal_name)}</b> ({_esc(focal)}): focal country"
        if row is not None and ARTICLES in row.index and pd.notna(row[ARTICLES]):
            text += f"<br>named in {int(row[ARTICLES]):,} articles"
        fig.add_trace(go.Choropleth(
            geojson={"type": "FeatureCollection", "features": focal_feature},
            featureidkey="properties.iso3", locations=[focal], z=[1.0],
            colorscale=[[0, FOCAL_FILL], [1, FOCAL_FILL]], showscale=False,
            marker={"line": {"color": "black", "width": 1.6}}, text=[text],
            hovertemplate="%{text}<extra></extra>", name=_esc(f"{focal_name} (focal)"),
            showlegend=True,
        ))
        if points[focal][2] < _SMALL_AREA:
            fig.add_trace(go.Scattergeo(
                lon=[points[focal][0]], lat=[points[focal][1]], mode="markers", text=[text],
                hovertemplate="%{text}<extra></extra>", showlegend=False, name="focal",
                marker={"color": FOCAL_FILL, "size": 9, "line": {"color": "black", "width": 1}},
            ))
    drawn = set(codes) | {focal}
    off = [(c, table.loc[c, value]) for c in table.index
           if c not in drawn and value in table and pd.notna(table.loc[c, value])
           and table.loc[c, value]]
    if off:
        known = {**geo.names(), **(table[COUNTRY].dropna().astype(str).to_dict()
                                   if COUNTRY in table else {})}
        listed = ", ".join(f"{_esc(_country_label(c, known))} {_number(v)}" for c, v in off[:12])
        more = f" and {len(off) - 12} more" if len(off) > 12 else ""
        _note(fig, f"Not on the map (no shape at this scale or hidden): {listed}{more}")
    empty = ["no partner country is named in these articles"] if z.sum() == 0 else []
    fig.update_layout(
        title=_title(title, f"Partners of {_esc(focal_name)}: {_esc(_label(value))} per country",
                     empty),
        height=_MAP_HEIGHT, margin={"l": 10, "r": 10, "t": 70, "b": 40},
        geo={"lataxis": {"range": [-58, 85]}, "lonaxis": {"range": [-180, 180]}},
        legend={"x": 0.01, "y": 0.05, "xanchor": "left", "yanchor": "bottom"},
    )
    return fig


# -- heatmap, bars, timelines --------------------------------------------------------------------
def coverage_heatmap(table: pd.DataFrame, *, value: str = SHARE, rows: str = OUTLET,
                     columns: str = ISO3, top: int = 30, title: str | None = None) -> go.Figure:
    """Outlet x partner grid: colour = `value` (share shown as %), largest rows/columns first.

    `table` is long (``ctkit.analysis.coverage``: outlet, iso3, articles, total, share) or
    already wide (``ctkit.analysis.pivot``: outlets as index, partners as columns). Only the
    `top` columns with the largest totals are drawn; a note says how many were left out.
    """
    import plotly.graph_objects as go

    if {rows, columns, value} <= set(table.columns):
        wide = table.pivot_table(index=rows, columns=columns, values=value, aggfunc="sum",
                                 fill_value=0.0, dropna=False, observed=True)
    else:
        wide = table.select_dtypes("number")
        if wide.shape[1] == 0:
            raise ValueError(f"coverage_heatmap needs a long table with columns {rows}, "
                             f"{columns}, {value} or a wide numeric grid")
    wide = wide.astype("float64").fillna(0.0)
    wide = wide.loc[wide.sum(axis=1).sort_values(ascending=False, kind="stable").index]
    order = wide.sum(axis=0).sort_values(ascending=False, kind="stable").index
    left_out = max(len(order) - top, 0)
    wide = wide[order[:top]]
    names = geo.names()
    as_country = columns == ISO3 or wide.columns.name == ISO3
    xlabels = [_esc(_country_label(c, names) if as_country else c) for c in wide.columns]
    ylabels = [_esc(r) if pd.notna(r) else "(no outlet)" for r in wide.index]
    codes = [[_esc(c) for c in wide.columns] for _ in wide.index]
    pct = _is_share(value)
    fmt = ".1%" if pct else ",.0f"
    fig = _figure()
    fig.add_trace(go.Heatmap(
        z=wide.to_numpy().tolist(), x=xlabels, y=ylabels, customdata=codes, zmin=0,
        colorscale=[[i / (len(SEQUENTIAL) - 1), c] for i, c in enumerate(SEQUENTIAL)],
        xgap=1, ygap=1, colorbar={"title": {"text": _esc(_label(value))}, "thickness": 14,
                                  "tickformat": ".0%" if pct else ""},
        hovertemplate=f"<b>%{{y}}</b><br>%{{x}} (%{{customdata}})<br>{_esc(_label(value))}: "
                      f"%{{z:{fmt}}}<extra></extra>",
        texttemplate=f"%{{z:{'.0%' if pct else ',.0f'}}}" if wide.size <= 300 else None,
        textfont={"size": 10},
    ))
    notes = ([f"{left_out} more {_esc(_label(columns))} columns not shown (top={top})"]
             if left_out else [])
    fig.update_layout(
        title=_title(title, f"Coverage: {_esc(_label(value))} by {_esc(_label(rows))} and "
                            "partner", notes),
        height=max(320, 140 + 26 * len(ylabels)),
        xaxis={"side": "bottom", "tickangle": -45, "showgrid": False},
        yaxis={"autorange": "reversed", "showgrid": False},
    )
    return fig


def share_of_voice_bars(table: pd.DataFrame, *, outlet: str = OUTLET,
                        values: Sequence[str] = (SHARE, "normalized_share"),
                        title: str | None = None) -> go.Figure:
    """Horizontal bars per outlet: its share of the coverage, raw and corrected for its output.

    `table` is ``ctkit.analysis.share_of_voice`` for one period (outlet, articles, output,
    share, rate, normalized_share): one row per outlet. The raw share favours outlets that
    publish a lot; ``normalized_share`` divides by each outlet's output first.
    """
    import plotly.graph_objects as go

    if outlet not in table.columns:
        raise ValueError(f"share_of_voice_bars needs an {outlet!r} column")
    present = [v for v in values if v in table.columns]
    if not present:
        raise ValueError(f"none of the value columns {list(values)} is in the table")
    if PERIOD in table.columns and table[PERIOD].nunique() > 1:
        raise ValueError("share_of_voice_bars draws one period; filter `period` first, or use "
                         "timeline(table, y='share', color='outlet') for shares over time")
    if table[outlet].duplicated().any():
        raise ValueError(f"one row per {outlet} expected")
    data = table.sort_values(present[0], ascending=True, kind="stable")
    labels = [_esc(o) if pd.notna(o) else "(no outlet)" for o in data[outlet]]
    extra = [c for c in (ARTICLES, "output", "rate") if c in data.columns]
    custom = data[extra].astype("float64").to_numpy().tolist() if extra else None
    detail = "".join(f"<br>{_label(c)}: %{{customdata[{i}]:{'.1%' if c == 'rate' else ',.0f'}}}"
                     for i, c in enumerate(extra))
    fig = _figure()
    for v in present:
        fig.add_trace(go.Bar(
            x=data[v].astype("float64").tolist(), y=labels, orientation="h", name=_label(v),
            customdata=custom,
            hovertemplate=f"<b>%{{y}}</b><br>{_label(v)}: %{{x:.1%}}{detail}<extra></extra>",
        ))
    fig.update_layout(
        barmode="group", height=max(300, 120 + 20 * len(labels) * len(present)),
        title={"text": _esc(title) if title is not None else "Share of voice per outlet"},
        xaxis={"tickformat": ".0%", "title": {"text": "share"}},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "xanchor": "left"},
    )
    return fig


def _milestone_pairs(milestones: Any) -> list[tuple[pd.Timestamp, str]]:
    """[(date, label)] from {date: label}, a DataFrame(date, label) or pairs."""
    if milestones is None:
        return []
    if isinstance(milestones, pd.DataFrame):
        if not {"date", "label"} <= set(milestones.columns):
            raise ValueError("milestones DataFrame needs columns date and label")
        pairs = list(zip(milestones["date"], milestones["label"], strict=True))
    elif isinstance(milestones, Mapping):
        pairs = list(milestones.items())
    else:
        pairs = [tuple(p) for p in milestones]
    out = []
    for when, label in pairs:
        ts = pd.to_datetime(when, errors="coerce")
        if pd.isna(ts):
            raise ValueError(f"milestone date {when!r} is not a date like 2023-01-31")
        out.append((ts, str(label)))
    return sorted(set(out))


def _as_time(values: pd.Series) -> pd.Series:
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.to_timestamp()
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        parsed = pd.to_datetime(values, errors="coerce")
        return parsed if parsed.notna().all() else values
    return values


def timeline(table: pd.DataFrame, *, x: str = PERIOD, y: str = ARTICLES, color: str | None = None,
             spikes: str | None = SPIKE, milestones: Any = None, top: int = 6,
             title: str | None = None) -> go.Figure:
    """Lines of `y` over `x` (one per `color` group), with a range slider, spikes and milestones.

    Reads ``ctkit.analysis.timeline`` / ``cooperation_over_time`` output. `spikes` names a
    boolean column (default "spike"; ignored when absent) whose True rows get a marker.
    `milestones` ({date: label}, DataFrame(date, label) or pairs) draws dashed vertical lines;
    a table windowed by ``analysis.around_milestones`` brings its own. Only the `top` groups
    with the largest totals are drawn; a note says how many were left out.
    """
    import plotly.graph_objects as go

    for col in (x, y, color):
        if col is not None and col not in table.columns:
            raise ValueError(f"timeline: no column {col!r} in {list(table.columns)}")
    data = table.copy()
    if MILESTONE_DATE in data.columns and milestones is None:
        milestones = (data[[MILESTONE_DATE, MILESTONE]].dropna().drop_duplicates()
                      .rename(columns={MILESTONE_DATE: "date", MILESTONE: "label"}))
    keys = [x] + ([color] if color else [])
    data = data.drop_duplicates(keys).sort_values(keys, kind="stable")
    data[x] = _as_time(data[x])
    names = geo.names()
    groups: list[Any] = [None]
    left_out = 0
    if color:
        totals = data.groupby(color, dropna=False)[y].sum().sort_values(ascending=False,
                                                                         kind="stable")
        groups, left_out = list(totals.index[:top]), max(len(totals) - top, 0)
    fig = _figure()
    dense = data[x].nunique() > 80
    for g in groups:
        part = data if g is None else data[data[color] == g]
        name = _label(y) if g is None else _esc(_country_label(g, names) if color == ISO3 else g)
        fig.add_trace(go.Scatter(
            x=part[x].tolist(), y=part[y].astype("float64").tolist(), name=name,
            mode="lines" if dense else "lines+markers", line={"width": 2},
            marker={"size": 5}, meta=name, hovertemplate="%{x}<br>%{meta}: %{y:,}<extra></extra>",
        ))
    if spikes and spikes in data.columns:
        hits = data[data[spikes].fillna(False).astype(bool)]
        hits = hits if color is None else hits[hits[color].isin(groups)]
        if len(hits):
            who = ([_esc(_country_label(g, names) if color == ISO3 else g) for g in hits[color]]
                   if color else [_label(y)] * len(hits))
            zs = hits[Z].astype("float64").round(1).tolist() if Z in hits else [None] * len(hits)
            fig.add_trace(go.Scatter(
                x=hits[x].tolist(), y=hits[y].astype("float64").tolist(), mode="markers",
                name="spike", marker={"symbol": "diamond-open", "size": 12, "color": "black",
                                      "line": {"width": 2}},
                text=[f"spike: {w}" + (f" (z = {z})" if z is not None and z == z else "")
                      for w, z in zip(who, zs, strict=True)],
                hovertemplate="%{x}<br>%{text}<br>%{y:,}<extra></extra>",
            ))
    for when, label in _milestone_pairs(milestones):
        fig.add_shape(type="line", x0=when, x1=when, y0=0, y1=1, xref="x", yref="paper",
                      line={"color": "#555555", "width": 1, "dash": "dash"})
        fig.add_annotation(x=when, y=1, xref="x", yref="paper", text=_esc(_short(label, 40)),
                           showarrow=False, xanchor="left", yanchor="top", textangle=0,
                           font={"size": 11, "color": "#333333"},
                           bgcolor="rgba(255,255,255,0.75)")
    is_time = pd.api.types.is_datetime64_any_dtype(data[x])
    notes = ([f"{left_out} more {_esc(_label(color or ''))} groups not shown (top={top})"]
             if left_out else [])
    fig.update_layout(
        title=_title(title, f"{_esc(_label(y)).capitalize()} per {_esc(_label(x))}", notes),
        height=480, hovermode="closest", margin={"t": 90},
        yaxis={"title": {"text": _esc(_label(y))}, "rangemode": "tozero",
               **({"tickformat": ".0%"} if _is_share(y) else _count_axis(data[y]))},
        xaxis={"rangeslider": {"visible": True, "thickness": 0.08},
               "rangeselector": {"buttons": [
                   {"count": 3, "label": "3m", "step": "month", "stepmode": "backward"},
                   {"count": 1, "label": "1y", "step": "year", "stepmode": "backward"},
                   {"step": "all", "label": "all"}]} if is_time else None},
    )
    return fig


def engagement_chart(table: pd.DataFrame | Corpus, *, value: str = "sum",
                     title: str | None = None) -> go.Figure:
    """Audience counters per period (one panel per metric) above how many articles show any.

    Reads ``ctkit.analysis.engagement_over_time`` (period, metric, articles,
    articles_with_counters, sum, median, mean; metric "any" = any counter); a `Corpus` is run
    through it monthly. Periods where no page shows the counter are gaps, not zeros.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from .corpus import Corpus

    if isinstance(table, Corpus):
        from . import analysis

        table = analysis.engagement_over_time(table.engagement, table.articles, freq="M")
    need = [PERIOD, METRIC, value]
    if not set(need) <= set(table.columns):
        raise ValueError(f"engagement_chart needs columns {need}; got {list(table.columns)}")
    if table.duplicated([PERIOD, METRIC]).any():
        extra = [c for c in table.columns if c in (OUTLET, "language", ISO3)]
        raise ValueError("engagement_chart draws one row per period and metric"
                         + (f"; filter its {extra} column(s) first" if extra else ""))
    data = table.copy()
    data[PERIOD] = _as_time(data[PERIOD])
    metrics = [m for m in dict.fromkeys(data[METRIC].dropna()) if m != ANY_METRIC]
    fig = make_subplots(rows=1 + len(metrics), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=["articles with / without counters",
                                        *[_esc(f"{m} ({_label(value)})") for m in metrics]])
    fig.update_layout(template=register_template())
    notes = []
    if {ARTICLES, WITH_COUNTERS} <= set(data.columns):
        base = data[data[METRIC] == ANY_METRIC]
        if base.empty:
            base = data.groupby(PERIOD, as_index=False).agg(
                **{ARTICLES: (ARTICLES, "max"), WITH_COUNTERS: (WITH_COUNTERS, "max")})
        base = base.sort_values(PERIOD)
        with_c = base[WITH_COUNTERS].astype("float64")
        without = base[ARTICLES].astype("float64") - with_c
        fig.add_trace(go.Bar(x=base[PERIOD].tolist(), y=with_c.tolist(), name="with counters",
                             marker_color=OKABE_ITO[0]), row=1, col=1)
        fig.add_trace(go.Bar(x=base[PERIOD].tolist(), y=without.tolist(),
                             name="without counters", marker_color=NO_DATA), row=1, col=1)
        total, shown = int(base[ARTICLES].sum()), int(with_c.sum())
        notes.append(f"{shown:,} of {total:,} dated articles show an audience counter; "
                     "the others are unknown, not zero")
    for i, m in enumerate(metrics, start=2):
        part = data[data[METRIC] == m].sort_values(PERIOD)
        fig.add_trace(go.Scatter(
            x=part[PERIOD].tolist(), y=part[value].astype("Float64").astype("float64").tolist(),
            mode="lines+markers", name=_esc(m), connectgaps=False, showlegend=False,
            line={"color": OKABE_ITO[(i - 1) % len(OKABE_ITO)], "width": 2},
            meta=_esc(f"{m} ({_label(value)})"),
            hovertemplate="%{x}<br>%{meta}: %{y:,}<extra></extra>",
        ), row=i, col=1)
        fig.update_yaxes(rangemode="tozero", **_count_axis(part[value]), row=i, col=1)
    if not metrics:
        notes.append("no page in this selection shows audience counters")
    fig.update_yaxes(rangemode="tozero", row=1, col=1)
    fig.update_layout(
        barmode="stack", height=240 + 170 * len(metrics), margin={"t": 100},
        title=_title(title, "Audience engagement over time", notes),
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0, "xanchor": "left"},
    )
    return fig


# -- one article, highlighted --------------------------------------------------------------------
class ArticleView(str):
    """HTML of `article_view` (escaped, self-contained); shows itself in Jupyter."""

    def _repr_html_(self) -> str:
        return str(self)


_VIEW_CSS = """
.ctkit-av{font-family:FONT;max-width:60em;line-height:1.55;color:#222}
.ctkit-av .body{white-space:pre-wrap;border:1px solid #ddd;padding:1em;border-radius:4px}
.ctkit-av mark{background:none;padding:0 1px;color:inherit}
.ctkit-av mark.country{background:#cfe6f5;border-bottom:2px solid #0072B2}
.ctkit-av mark.focal{background:#f6d5bf;border-bottom:2px solid #D55E00}
.ctkit-av mark.org{outline:1px dashed #9b6b00;background:#fdebc4}
.ctkit-av mark.person{outline:1px dotted #555}
.ctkit-av table{border-collapse:collapse;font-size:.9em;margin-top:1em}
.ctkit-av td,.ctkit-av th{border-bottom:1px solid #eee;padding:2px 8px;text-align:left;
 vertical-align:top}
.ctkit-av .meta{color:#555;font-size:.9em}
.ctkit-av td.at{white-space:nowrap}
""".replace("FONT", FONT)


def _day(value: Any) -> str:
    """A date without a midnight time; other values as they are."""
    ts = pd.Timestamp(value) if isinstance(value, pd.Timestamp | str) else None
    if ts is not None and not pd.isna(ts) and ts == ts.normalize():
        return ts.strftime("%Y-%m-%d")
    return str(value)


def _tables(source: Any) -> dict[str, pd.DataFrame]:
    if isinstance(source, Mapping):
        return {k: v for k, v in source.items() if isinstance(v, pd.DataFrame)}
    if hasattr(source, "tables"):
        return dict(source.tables())
    raise TypeError("article_view needs a Corpus or a dict of tables (articles, countries, ...)")


def _spans(text: str, tables: dict[str, pd.DataFrame], article_id: str) -> tuple[list[dict], int]:
    """Mentions of the article with valid offsets, and how many rows had offsets that do not fit."""
    spans: list[dict[str, Any]] = []
    bad = 0
    for table, kind in (("countries", "country"), ("entities", "entity")):
        df = tables.get(table)
        if df is None or df.empty or "start" not in df.columns:
            continue
        rows = df[df["article_id"] == article_id]
        for r in rows.itertuples(index=False):
            start, end = r.start, r.end
            if pd.isna(start) or pd.isna(end) or not 0 <= int(start) < int(end) <= len(text):
                bad += 1
                continue
            start, end = int(start), int(end)
            surface = getattr(r, "surface", None)
            if isinstance(surface, str) and text[start:end] != surface:
                bad += 1
                continue
            code = r.iso3 if isinstance(r.iso3, str) else ""
            if kind == "country":
                role = r.role if isinstance(getattr(r, "role", None), str) else ""
                cls = "focal" if role == "focal" else "country"
                name = r.country if isinstance(r.country, str) else code
                info = f"{code} · {name}" + "".join(f" · {x}" for x in (r.kind, role)
                                                      if isinstance(x, str) and x)
            else:
                label = r.label if isinstance(r.label, str) else "ORG"
                cls = "person" if label == "PERSON" else "org"
                name = r.name if isinstance(r.name, str) else text[start:end]
                info = f"{label} · {name}" + (f" · {code}" if code else "")
            spans.append({"start": start, "end": end, "cls": cls, "info": info,
                          "kind": "country" if kind == "country" else label, "code": code,
                          "name": name})
    spans.sort(key=lambda s: (s["start"], -s["end"]))
    return spans, bad


def _marked(text: str, spans: list[dict], prefix: str) -> str:
    """`text` escaped, each stretch covered by mentions wrapped in <mark> with their details."""
    cuts = sorted({0, len(text), *[s["start"] for s in spans], *[s["end"] for s in spans]})
    starts: dict[int, list[int]] = {}
    for i, s in enumerate(spans):
        starts.setdefault(s["start"], []).append(i)
    out: list[str] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        out.extend(f'<span id="{prefix}-m{i}"></span>' for i in starts.get(a, []))
        piece = html.escape(text[a:b], quote=False)
        cover = [s for s in spans if s["start"] <= a and s["end"] >= b]
        if cover:
            classes = " ".join(dict.fromkeys(s["cls"] for s in cover))
            tip = _attr(" | ".join(s["info"] for s in cover))
            piece = f'<mark class="{classes}" title="{tip}">{piece}</mark>'
        out.append(piece)
    return "".join(out)


def article_view(corpus_or_tables: Corpus | Mapping[str, pd.DataFrame], article_id: str, *,
                 context: int = 60) -> ArticleView:
    """One article as HTML with every country and organisation mention highlighted in place.

    Hovering a highlight shows its ISO3/name (and kind, role, owning country); the table under
    the text lists each mention with offsets and `context` characters around it, then the
    cooperation events of the article, so every count can be traced back to its sentence.
    Needs the article text: ``ctkit.load(path, text=True)``.
    """
    tables = _tables(corpus_or_tables)
    articles = tables.get("articles")
    if articles is None or "text" not in articles.columns:
        raise ValueError("article_view needs articles.text; load with ctkit.load(path, text=True)")
    match = articles[articles["article_id"] == article_id]
    if match.empty:
        raise KeyError(f"no article {article_id!r} in articles")
    art = match.iloc[0]
    text = art["text"] if isinstance(art["text"], str) else ""
    spans, bad = _spans(text, tables, article_id)
    prefix = "ctkit-" + re.sub(r"[^A-Za-z0-9_-]", "_", str(article_id))[:40]
    meta = [f"{_esc(k)}: {_esc(_day(art[k]) if k == 'published' else art[k])}"
            for k in ("outlet", "published", "language") if k in art.index and pd.notna(art[k])]
    url = art.get("url")
    if isinstance(url, str) and re.match(r"https?://", url):
        meta.append(f'<a href="{_attr(url)}" rel="noopener noreferrer">{_esc(_short(url, 80))}</a>')
    n_c = sum(s["kind"] == "country" for s in spans)
    codes = {s["code"] for s in spans if s["kind"] == "country"}
    summary = (f"{n_c} country mentions ({len(codes)} countries), "
               f"{len(spans) - n_c} organisation/person mentions")
    if bad:
        summary += f"; {bad} mention rows whose offsets do not fit this text were skipped"
    rows = []
    for i, s in enumerate(spans):
        lo, hi = max(0, s["start"] - context), min(len(text), s["end"] + context)
        ctx = (html.escape(text[lo:s["start"]]) + "<b>" + html.escape(text[s["start"]:s["end"]])
               + "</b>" + html.escape(text[s["end"]:hi]))
        ctx = ("…" if lo > 0 else "") + ctx + ("…" if hi < len(text) else "")
        rows.append(f'<tr><td><a href="#{prefix}-m{i}">{i + 1}</a></td><td>{_esc(s["kind"])}</td>'
                    f'<td>{_esc(s["code"])}</td><td>{_esc(s["name"])}</td>'
                    f'<td class="at">{s["start"]}–{s["end"]}</td><td>{ctx}</td></tr>')
    events = tables.get("events")
    ev_html = ""
    if events is not None and not events.empty:
        ev = events[events["article_id"] == article_id]
        if len(ev):
            ev_rows = "".join(
                f"<tr><td>{_esc(r.type)}</td><td>{_esc(r.code)}</td><td>{_esc(r.iso3)}</td>"
                f"<td>{_esc(r.trigger)}</td><td>{_esc(r.sentence)}</td></tr>"
                for r in ev.itertuples(index=False))
            ev_html = ("<h4>Cooperation events</h4><table><tr><th>type</th><th>code</th>"
                       "<th>iso3</th><th>trigger</th><th>sentence</th></tr>" + ev_rows + "</table>")
    title = art.get("title")
    page = (
        f"<div class=\"ctkit-av\" id=\"{prefix}\"><style>{_VIEW_CSS}</style>"
        f"<h3>{_esc(title) if isinstance(title, str) else '(no title)'}</h3>"
        f"<p class=\"meta\">{' · '.join(meta)}<br>{_esc(summary)}</p>"
        f"<div class=\"body\">{_marked(text, spans, prefix)}</div>"
        "<table><tr><th>#</th><th>kind</th><th>code</th><th>name</th><th>offsets</th>"
        f"<th>context</th></tr>{''.join(rows)}</table>{ev_html}</div>"
    )
    return ArticleView(page)


# -- offline pages -------------------------------------------------------------------------------
def _script_json(value: Any) -> str:
    """JSON that is safe inside a <script> element."""
    text = json.dumps(value, separators=(",", ":"))
    for raw, safe in (("<", "\\u003c"), (">", "\\u003e"), ("/", "\\u002f"),
                      ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, safe)
    return text


@cache
def geo_assets_script() -> str:
    """A <script> that gives plotly.js its base-map TopoJSON locally (before or after it loads).

    plotly.js looks up ``window.PlotlyGeoAssets.topojson["<scope>_<resolution>m"]`` (e.g.
    "world_110m") and fetches it from a CDN when absent; this fills every scope and both
    resolutions with the shipped Natural Earth topology, without replacing ones already there.
    """
    keys = [f"{s}_{r}m" for s in _PLOTLY_SCOPES for r in (110, 50)]
    return (
        "<script>(function(){var a=window.PlotlyGeoAssets=window.PlotlyGeoAssets||{};"
        "var t=a.topojson=a.topojson||{};var topo=" + _script_json(geo.basemap_topojson())
        + ";var k=" + _script_json(keys) + ";for(var i=0;i<k.length;i++){if(!t[k[i]])"
        "{t[k[i]]=topo;}}})();</script>"
    )


def _plotlyjs_script() -> str:
    from plotly.offline import get_plotlyjs

    return ("<script>window.PlotlyConfig = {MathJaxConfig: 'local'};</script>\n"
            f"<script charset=\"utf-8\">{get_plotlyjs()}</script>")


_PAGE_CSS = ("body{font-family:FONT;margin:1.5em auto;max-width:1100px;padding:0 1em;"
             "color:#222}section{margin:1.5em 0}").replace("FONT", FONT)


def _figure_div(fig: Any, div_id: str, config: Mapping[str, Any] | None) -> str:
    import plotly.io as pio

    layout = fig.layout if hasattr(fig, "layout") else fig.get("layout", {})
    height = layout["height"] if "height" in layout and layout["height"] else 480
    return pio.to_html(fig, full_html=False, include_plotlyjs=False, include_mathjax=False,
                       div_id=div_id, default_height=f"{int(height)}px", default_width="100%",
                       config={"displaylogo": False, **(config or {})})


def offline_html(fig_or_figs: Any, path: str | Path | None = None, *, title: str = "ctkit",
                 config: Mapping[str, Any] | None = None) -> str:
    """A standalone HTML page (no network needed) with plotly.js embedded once; returns it.

    Items may be figures, `ArticleView`s (kept as HTML) or plain strings (escaped as
    paragraphs). The geo assets script comes before plotly.js, so maps draw offline. Written
    to `path` (UTF-8) when given.
    """
    items = (list(fig_or_figs) if isinstance(fig_or_figs, list | tuple) else [fig_or_figs])
    parts = []
    for i, item in enumerate(items, start=1):
        if isinstance(item, ArticleView):
            parts.append(f"<section>{item}</section>")
        elif isinstance(item, str):
            parts.append(f"<section><p>{_esc(item)}</p></section>")
        else:
            parts.append(f"<section>{_figure_div(item, f'ctkit-fig-{i}', config)}</section>")
    page = (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{_esc(title)}</title>\n<style>{_PAGE_CSS}</style>\n"
        f"{geo_assets_script()}\n{_plotlyjs_script()}\n</head>\n<body>\n"
        f"<h1>{_esc(title)}</h1>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )
    if path is not None:
        Path(path).write_text(page, "utf-8")
    return page


def _notebook_renderer() -> Any:
    from plotly.io.base_renderers import MimetypeRenderer

    class OfflineNotebookRenderer(MimetypeRenderer):
        """text/html figures that expect plotly.js and the geo assets already on the page."""

        def to_mimebundle(self, fig_dict: dict) -> dict:
            return {"text/html": _figure_div(fig_dict, _new_div_id(), None)}

    return OfflineNotebookRenderer()


def _new_div_id() -> str:
    import uuid

    return f"ctkit-{uuid.uuid4()}"


def notebook_setup(*, renderer: str = "ctkit") -> None:
    """Make plotly figures in this notebook draw offline: call once, in the first cell.

    Displays one output holding the geo assets and then plotly.js (embedded once per
    notebook, not per figure), and makes `renderer` (a text/html renderer that loads nothing
    from a CDN, MathJax included) the default, so JupyterLab, the classic notebook and
    nbconvert's HTML export all draw maps with the network off. Also registers the theme.

    plotly's renderer registry imports nbformat and so jsonschema, which takes 1.5-2 s in a
    fresh kernel; a notebook that only displays figures never needs it. So figures that
    IPython displays (a cell ending in `fig`, `display(fig)`, `ctkit.reports.show`) are drawn
    by a display formatter registered with IPython, and `renderer` becomes plotly's default
    when that registry is first imported (by ``fig.show()``, say), or at once if it already is.
    """
    from IPython import get_ipython
    from IPython.display import HTML, display

    register_template()
    shell = get_ipython()
    if shell is not None:  # by name: plotly.basedatatypes need not be imported yet
        shell.display_formatter.ipython_display_formatter.for_type_by_name(
            "plotly.basedatatypes", "BaseFigure", _display_figure)
    _after_import("plotly.io._renderers", lambda: _make_default_renderer(renderer))
    display(HTML(geo_assets_script() + "\n" + _plotlyjs_script()))


def _display_figure(fig: go.Figure) -> None:
    """Display `fig` as the ctkit renderer would (IPython's formatter for plotly figures)."""
    from IPython.display import display

    # the figure's dict, as plotly hands it to a renderer: the same HTML as `fig.show()`
    display({"text/html": _figure_div(fig.to_dict(), _new_div_id(), None)}, raw=True)


def _make_default_renderer(name: str) -> None:
    import plotly.io as pio

    pio.renderers[name] = _notebook_renderer()
    pio.renderers.default = name


class _AfterImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """A post-import hook: runs `then()` right after module `name` is first executed.

    Sits first on `sys.meta_path` until `name` is imported, finds the module's real spec with
    the other finders, and loads it through its own loader, then calls `then()`.
    """

    def __init__(self, name: str, then: Callable[[], None]) -> None:
        self.name, self.then = name, then
        self.loader: Any = None

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)  # once only, and so that find_spec below skips this finder
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        self.loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        module.__loader__ = self.loader
        self.loader.exec_module(module)
        self.then()


def _after_import(name: str, then: Callable[[], None]) -> None:
    """Call `then()` now if module `name` is imported, else right after its first import
    (replacing a hook already waiting for it)."""
    if name in sys.modules:
        then()
        return
    sys.meta_path[:] = [f for f in sys.meta_path
                        if not (isinstance(f, _AfterImport) and f.name == name)]
    sys.meta_path.insert(0, _AfterImport(name, then))


# -- static export -------------------------------------------------------------------------------
@cache
def _topojson_dir() -> Path:
    """A directory holding the base map under the names plotly.js asks for (scope_res m.json).

    Made once per process and removed when the process exits (1.5 MB each)."""
    import atexit
    import shutil

    out = Path(tempfile.mkdtemp(prefix="ctkit-topojson-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    text = json.dumps(geo.basemap_topojson(), separators=(",", ":"))
    for scope in _PLOTLY_SCOPES:
        for res in (110, 50):
            (out / f"{scope}_{res}m.json").write_text(text, "utf-8")
    return out


def use_local_topojson() -> str:
    """Point kaleido (``plotly.io.defaults.topojson``) at the shipped base map; return its URL."""
    import plotly.io as pio

    url = _topojson_dir().as_uri() + "/"
    pio.defaults.topojson = url
    scope = getattr(getattr(pio, "kaleido", None), "scope", None)  # plotly 5 with kaleido 0.2
    if scope is not None and hasattr(scope, "topojson"):
        scope.topojson = url
    return url


_STATIC = ("png", "svg", "pdf", "jpg", "jpeg", "webp")


def save_static(fig: go.Figure, path: str | Path, *, width: int | None = None,
                height: int | None = None, scale: float = 2.0) -> Path:
    """Write `fig` as PNG/SVG/PDF (by suffix) with kaleido, using the local base map.

    Needs the ``kaleido`` package (>= 1) and a Chrome/Chromium; raises RuntimeError saying
    which is missing. The interactive `offline_html` needs neither.
    """
    import importlib.util

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in _STATIC:
        raise ValueError(f"save_static writes {', '.join(_STATIC)} (from the file suffix), "
                         f"got {path.name!r}")
    if importlib.util.find_spec("kaleido") is None:
        raise RuntimeError("static export needs kaleido: pip install 'kaleido>=1' (and a "
                           "Chrome/Chromium); offline_html() needs neither")
    use_local_topojson()
    if _STATIC_DONE:  # a browser works here: keep one for this export and those that follow
        _keep_browser()
    try:
        with warnings.catch_warnings():  # the kept browser has plotly's options already
            warnings.filterwarnings("ignore", "The kopts argument is ignored", UserWarning)
            fig.write_image(str(path), format=fmt, width=width, height=height, scale=scale)
    except Exception as exc:
        if "chrome" in str(exc).lower() or type(exc).__name__ == "ChromeNotFoundError":
            raise RuntimeError(
                "static export found no Chrome/Chromium for kaleido: install one (Debian: "
                "apt-get install chromium; or `plotly_get_chrome`) or set BROWSER_PATH to its "
                "executable; offline_html() needs no browser") from exc
        raise
    _STATIC_DONE.append(path)
    return path


#: exports done by this process (see `_keep_browser`)
_STATIC_DONE: list[Path] = []


@cache
def _keep_browser() -> None:
    """Start kaleido's sync server: the exports that follow share its Chromium (~0.3 s each)
    instead of starting one each (~2.2 s). Done from a process's second export on, once a
    first one has shown that kaleido finds a browser: the server would wait forever for a
    browser that cannot start, and a process that exports once need not keep one. It stops
    at exit (kaleido registers that)."""
    import kaleido
    import plotly.io as pio

    start = getattr(kaleido, "start_sync_server", None)  # kaleido >= 1.0
    if start is not None:
        d = pio.defaults  # what plotly would pass with each export (its `kopts`)
        start(plotlyjs=getattr(d, "plotlyjs", None), mathjax=getattr(d, "mathjax", None),
              headers=getattr(d, "headers", None), silence_warnings=True)
