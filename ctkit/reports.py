"""Batch reports: run ctkit's notebooks with papermill into executed notebooks and HTML.

`run_reports` checks every parameter against the types declared in each notebook's
`parameters` cell before any work, runs the notebooks with a kernel on this interpreter, and
writes ``<out>/<run>/<notebook>.ipynb`` and ``.html`` (code hidden), a manifest beside each
report (versions, data-file and input hashes, parameters, timestamps) and ``<out>/index.html``.
Every file is written to a temporary name and renamed into place, so a crash never leaves a
half-written report behind.

The notebooks call three helpers from here: `notebook_parameters` (one-sentence failures),
`scoped_corpus` (load and filter) and `record` (a table as JSON in the output, read back by
`read_records` in the tests and by anyone post-processing a run). See docs/reports.md.
"""
from __future__ import annotations

import ast
import contextlib
import difflib
import hashlib
import html
import importlib.util
import io
import json
import logging
import os
import platform
import re
import shutil
import string
import sys
import tempfile
import time
import tokenize
import types
import typing
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from importlib import metadata, resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pandas as pd

from . import __version__
from .params import ISO3, Date, Freq, ParameterError, describe, validate_parameters

if TYPE_CHECKING:
    import plotly.graph_objects as go

    from .corpus import Corpus

__all__ = [
    "MIME",
    "NotebookInfo",
    "NotebookParameterError",
    "article_counts",
    "corpus_facts",
    "counter_coverage",
    "counters_sentence",
    "errors_summary",
    "example_article",
    "find_data_dir",
    "inspect_parameters",
    "list_notebooks",
    "notebook_parameters",
    "one_article",
    "outlet_terms",
    "parse_value",
    "read_records",
    "record",
    "refresh_notebooks",
    "run_reports",
    "scoped_corpus",
    "show",
    "slim_notebook",
]

#: mimetype of the tables that `record` puts in a notebook's outputs
MIME = "application/vnd.ctkit.table+json"
#: name of the kernelspec (in a temporary folder) that runs this interpreter
KERNEL_NAME = "ctkit-current-python"
PATH_TEMPLATE = "{run}/{notebook}"
#: parameters that run_reports fills itself
_AUTOMATIC = ("data_dir", "static_dir")
#: outputs larger than this are left out of the notebooks committed to the repository
_SLIM_BYTES = 40_000
_PACKAGES = ("pandas", "pyarrow", "numpy", "plotly", "papermill", "nbconvert", "nbclient",
             "ipykernel", "spacy", "babel", "geopandas")
_TYPE_NAMESPACE = {"str": str, "int": int, "float": float, "bool": bool, "list": list,
                   "tuple": tuple, "dict": dict, "None": None, "date": date, "Any": Any,
                   "Date": Date, "ISO3": ISO3, "Freq": Freq, "Optional": typing.Optional,
                   "Union": typing.Union}
_CHROMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class NotebookParameterError(ParameterError):
    """A ParameterError that Jupyter shows as its one sentence, without a traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython uses this instead of a traceback
        return [f"ParameterError: {self}"]


# -- the notebooks and their parameters cells ----------------------------------------------------
@dataclass(frozen=True)
class NotebookInfo:
    """A notebook of the report set: its name, path, title and declared parameters."""

    name: str
    path: Path
    title: str
    #: name -> (type annotation as written, default as written, help comment)
    parameters: dict[str, tuple[str, str, str]] = field(default_factory=dict)

    def types(self) -> dict[str, Any]:
        """Declared parameter types as type objects, for `validate_parameters`."""
        return {n: _annotation(t, n) for n, (t, _, _) in self.parameters.items()}


def _annotation(text: str, name: str = "?") -> Any:
    """A type annotation written in a parameters cell ("list[str] | None") as a type object."""
    try:
        return eval(text, {"__builtins__": {}}, dict(_TYPE_NAMESPACE))  # noqa: S307 - closed
    except Exception as exc:  # noqa: BLE001 - any failure means the annotation is unsupported
        raise ParameterError(f"Parameter {name!r} is declared with the type {text!r}, which "
                             "ctkit cannot read; use str, int, float, bool, list[str] or "
                             "unions with None.") from exc


def _comment(line: str) -> str:
    """The text of a trailing `# comment` on a source line (quotes respected), or ''."""
    try:
        toks = tokenize.generate_tokens(io.StringIO(line).readline)
        return next((t.string[1:].strip() for t in toks if t.type == tokenize.COMMENT), "")
    except (SyntaxError, tokenize.TokenError):
        return ""


def inspect_parameters(source: str) -> dict[str, tuple[str, str, str]]:
    """Typed assignments of a parameters cell: name -> (annotation, default, help comment).

    Read with `ast` because papermill's own inspector skips annotations such as
    ``str | None``. Untyped assignments are listed with the annotation "Any".
    """
    tree = ast.parse(source)
    lines = source.splitlines()
    out: dict[str, tuple[str, str, str]] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            name, annotation = node.target.id, ast.unparse(node.annotation)
        elif (isinstance(node, ast.Assign) and len(node.targets) == 1
              and isinstance(node.targets[0], ast.Name)):
            name, annotation = node.targets[0].id, "Any"
        else:
            continue
        default = ast.unparse(node.value) if node.value is not None else ""
        end = (node.end_lineno or node.lineno) - 1
        out[name] = (annotation, default, _comment(lines[end]) if end < len(lines) else "")
    return out


def _title(nb: Any, fallback: str) -> str:
    """The first markdown heading of a notebook, else `fallback`."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                m = re.match(r"^#{1,3}\s+(.+?)\s*#*\s*$", line)
                if m:
                    return m.group(1).strip()
    return fallback


def _read_notebook(path: Path) -> Any:
    import nbformat

    return nbformat.read(path, as_version=4)


def _parameters_cell(nb: Any) -> Any | None:
    return next((c for c in nb.cells if c.cell_type == "code"
                 and "parameters" in c.get("metadata", {}).get("tags", [])), None)


def default_notebook_dir() -> Path:
    """The `notebooks/` folder: under the current directory, else beside the ctkit package."""
    for cand in (Path.cwd() / "notebooks", Path(__file__).resolve().parents[1] / "notebooks"):
        if cand.is_dir() and any(cand.glob("*.ipynb")):
            return cand
    raise FileNotFoundError("no notebooks/ folder with .ipynb files here or beside the ctkit "
                            "package; pass notebook_dir=")


def list_notebooks(notebooks: Sequence[str] | None = None, *,
                   notebook_dir: str | Path | None = None) -> list[NotebookInfo]:
    """The report notebooks (all in `notebook_dir`, or those named), with their parameters."""
    folder = Path(notebook_dir) if notebook_dir is not None else default_notebook_dir()
    found = {p.stem: p for p in sorted(folder.glob("*.ipynb"))
             if not p.name.startswith((".", "_")) and not p.stem.endswith("-checkpoint")}
    if not found:
        raise FileNotFoundError(f"no notebooks in {folder}")
    names = list(found)
    if notebooks:
        names = []
        for n in notebooks:
            stem = Path(n).stem if str(n).endswith(".ipynb") else str(n)
            if stem not in found:
                raise ValueError(f"no notebook {n!r} in {folder}; choose from "
                                 f"{', '.join(found)}")
            if stem not in names:
                names.append(stem)
    infos = []
    for name in names:
        nb = _read_notebook(found[name])
        cell = _parameters_cell(nb)
        params = inspect_parameters(cell.source) if cell is not None else {}
        infos.append(NotebookInfo(name, found[name], _title(nb, name), params))
    return infos


# -- parameter values ----------------------------------------------------------------------------
def _members(tp: Any) -> tuple[Any, ...]:
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        return typing.get_args(tp)
    return (tp,)


_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


def _from_text(text: str, tp: Any) -> Any:
    """`text` as type `tp` (one member of a union), or raise ValueError."""
    origin = typing.get_origin(tp)
    if tp in (list, tuple) or origin in (list, tuple):
        inner = (typing.get_args(tp) or (str,))[0]
        stripped = text.strip()
        if stripped.startswith("["):
            items = json.loads(stripped)
            if not isinstance(items, list):
                raise ValueError(text)
        else:
            items = [p.strip() for p in stripped.split(",") if p.strip()]
        return [_from_text(v, inner) if isinstance(v, str) else v for v in items]
    if tp is bool:
        low = text.strip().lower()
        if low in _TRUE | _FALSE:
            return low in _TRUE
        raise ValueError(text)
    if tp is int:
        if not re.fullmatch(r"[+-]?\d+", text.strip()):
            raise ValueError(text)
        return int(text)
    if tp is float:
        return float(text)
    if tp is dict or origin is dict:
        value = json.loads(text)
        if not isinstance(value, dict):
            raise ValueError(text)
        return value
    if tp is Any:
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text  # str, dates (YYYY-MM-DD strings, checked later), ISO3 and period codes


def parse_value(name: str, text: Any, type_name: str) -> Any:
    """A command-line string as the type declared for `name` ("list[str] | None" -> a list).

    Lists are comma-separated (``ESP,FRA``) or JSON (``["Le Matin, Rabat"]``); "None", "null"
    or "" give None where the type allows it; dates stay "YYYY-MM-DD" strings (papermill
    writes values into Python source, where only JSON types survive) and are checked by
    `validate_parameters`. Values that are not strings are returned unchanged.
    """
    if not isinstance(text, str):
        return text
    tp = _annotation(type_name, name)
    members = _members(tp)
    if type(None) in members and text.strip().lower() in ("none", "null", ""):
        return None
    for member in members:
        if member is type(None):
            continue
        try:
            return _from_text(text, member)
        except (ValueError, TypeError):
            continue
    raise ParameterError(f"Parameter {name!r} must be {describe(tp)}, got {text!r}.")


def _check_parameters(infos: Sequence[NotebookInfo],
                      params: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Typed, validated parameters per notebook; raises ParameterError before any work."""
    declared = {n for info in infos for n in info.parameters}
    for name in params:
        if name in _AUTOMATIC:
            raise ParameterError(f"Parameter {name!r} is set by the report run itself "
                                 f"(data_dir is the DATA_DIR argument); leave it out.")
        if name not in declared:
            allowed = sorted(declared - set(_AUTOMATIC))
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ParameterError(f"Unknown parameter {name!r}{hint}; allowed parameters are "
                                 f"{', '.join(allowed)}.")
    out: dict[str, dict[str, Any]] = {}
    for info in infos:
        mine = {n: parse_value(n, v, info.parameters[n][0])
                for n, v in params.items() if n in info.parameters}
        out[info.name] = validate_parameters(mine, allowed=info.types()) if mine else {}
    return out


def run_name(data_dir: str | Path, params: Mapping[str, Any]) -> str:
    """A folder name for a run: the corpus folder's name, then the parameters given.

    ``sample`` without parameters, ``sample_focal-ESP_start-2023-01-01`` with some; long
    names are cut and end with a short hash so that different runs never share a folder.
    """
    parts = [Path(data_dir).name or "corpus"]
    for k in sorted(params):
        v = params[k]
        v = ",".join(map(str, v)) if isinstance(v, list | tuple) else str(v)
        parts.append(f"{k}-{v}")
    name = re.sub(r"[^A-Za-z0-9._,+-]+", "-", "_".join(parts)).strip("-.") or "run"
    if len(name) > 80:
        digest = hashlib.sha256(name.encode()).hexdigest()[:10]
        name = name[:68].rstrip("-_.,") + "_" + digest
    return name


def _expand(template: str, fields: Mapping[str, str]) -> Path:
    """`template` with `fields` filled in, as a relative path that stays inside the output."""
    names = {f for _, f, _, _ in string.Formatter().parse(template) if f}
    unknown = names - set(fields)
    if unknown:
        raise ValueError(f"path template {template!r} uses unknown field(s) "
                         f"{sorted(unknown)}; available: {sorted(fields)}")
    safe = {k: re.sub(r"[^A-Za-z0-9._,+=-]+", "-", str(v)) for k, v in fields.items()}
    rel = Path(template.format_map(safe))
    if rel.is_absolute() or ".." in rel.parts or not rel.parts:
        raise ValueError(f"path template {template!r} must give a relative path inside out")
    return rel


# -- inside a notebook ---------------------------------------------------------------------------
def find_data_dir(data_dir: str | Path, *, start: str | Path | None = None) -> Path:
    """A parsed-corpus folder: as given, else relative to a parent of `start` (default cwd).

    So ``data/processed/sample`` works from the project root (papermill, the CLI) and from
    ``notebooks/`` (JupyterLab, nbval). Raises NotebookParameterError when no folder with
    ``articles.parquet`` is found.
    """
    path = Path(data_dir).expanduser()
    here = Path(start) if start is not None else Path.cwd()
    candidates = [path] if path.is_absolute() else [here / path,
                                                      *(p / path for p in here.parents)][:5]
    for cand in candidates:
        if (cand / "articles.parquet").exists():
            return cand.resolve()
    raise NotebookParameterError(
        f"No parsed corpus at {str(data_dir)!r} (looked for articles.parquet from {here} "
        f"upwards); run `ctkit parse INPUT --out {data_dir}` or set data_dir.")


def _injected_names(namespace: Mapping[str, Any]) -> list[str]:
    """Names assigned by papermill's injected cell, when it is the cell run just before."""
    history = namespace.get("_ih")
    if not isinstance(history, list) or len(history) < 2:
        return []
    previous = history[-2]
    if not isinstance(previous, str) or previous.lstrip().split("\n", 1)[0].strip() \
            != "# Parameters":
        return []
    try:
        return list(inspect_parameters(previous))
    except SyntaxError:
        return []


def notebook_parameters(namespace: Mapping[str, Any]) -> dict[str, Any]:
    """The notebook's parameters, checked: call ``notebook_parameters(globals())`` once.

    Reads the names and types the parameters cell declared (``__annotations__``), adds names
    papermill injected that the notebook does not declare (an error: a typo must not be
    ignored), checks everything with `ctkit.params.validate_parameters` and resolves
    `data_dir` (see `find_data_dir`). Fails with one sentence (NotebookParameterError).
    """
    declared = dict(namespace.get("__annotations__") or {})
    if not declared:
        raise NotebookParameterError("This notebook declares no typed parameters; the cell "
                                     "tagged 'parameters' must run first.")
    values = {n: namespace[n] for n in declared if n in namespace}
    values.update({n: namespace[n] for n in _injected_names(namespace) if n not in declared})
    try:
        out = validate_parameters(values, allowed=declared)
    except ParameterError as exc:
        raise NotebookParameterError(str(exc)) from None
    if "data_dir" in out:
        out["data_dir"] = str(find_data_dir(out["data_dir"]))
    return out


#: the columns the notebooks' analyses read (`scoped_corpus` loads only these by default):
#: on a million articles, the other columns (sentences, surfaces, entities, text) are most of
#: the reading time and memory
NOTEBOOK_COLUMNS: dict[str, list[str]] = {
    "articles": ["article_id", "outlet", "title", "published", "language", "duplicate_of"],
    "countries": ["article_id", "iso3", "country"],
    "events": ["event_id", "article_id", "type", "iso3"],
    "engagement": ["article_id", "metric", "value"],
    "errors": ["source", "stage", "severity", "error"],
}


def scoped_corpus(params: Mapping[str, Any], *, text: bool = False,
                  columns: Mapping[str, Sequence[str]] | None = NOTEBOOK_COLUMNS,
                  tables: Sequence[str] | None = None, quiet: bool = False) -> Corpus:
    """The corpus at ``params["data_dir"]`` with only the articles the filters keep.

    Filters: start, end, outlets, languages (see `ctkit.analysis.filter_corpus`); every table
    keeps the rows of those articles. Reads only `columns` (default `NOTEBOOK_COLUMNS`: what the
    notebooks' analyses use; tables not named, e.g. entities, are left empty; ``columns=None``
    reads everything) plus `articles.text` with ``text=True``; `tables` narrows further to the
    tables a notebook uses (on a million articles each table takes seconds to read). Prints one
    line saying how many articles are in scope.
    """
    from .analysis import filter_corpus
    from .corpus import load

    if tables is not None and "articles" not in tables:
        raise ValueError(f"tables must include 'articles' (it defines the scope), got {tables}")
    if columns is None:
        corpus = load(params["data_dir"], tables=tables, text=text)
    else:
        cols = {k: list(v) for k, v in columns.items() if tables is None or k in tables}
        if text and "articles" in cols and "text" not in cols["articles"]:
            cols["articles"].append("text")
        wanted: dict[str, Sequence[str]] = dict(cols)
        corpus = load(params["data_dir"], tables=list(cols), columns=wanted, text=text)
    filters: dict[str, Any] = {k: params.get(k) for k in ("start", "end", "outlets",
                                                           "languages")}
    if all(v is None for v in filters.values()):
        scoped = corpus  # a parsed corpus has no row outside its articles (DESIGN.md §3)
    else:
        scoped = filter_corpus(corpus, start=filters["start"], end=filters["end"],
                               outlets=filters["outlets"], languages=filters["languages"])
    if not quiet:
        used = "; ".join(f"{k} {', '.join(v) if isinstance(v, list) else v}"
                         for k, v in filters.items() if v is not None)
        print(f"{len(scoped.articles):,} of {len(corpus.articles):,} articles in scope"
              + (f" ({used})" if used else " (no filter)") + ".")
        if len(scoped.articles) == 0:
            print("Nothing to show: widen the filters.")
    return scoped


def _json_value(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp | datetime):
        ts = pd.Timestamp(v)
        return ts.strftime("%Y-%m-%d") if ts == ts.normalize() else ts.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if isinstance(v, float) and v != v:
        return None
    return v


def _tidy(df: pd.DataFrame, digits: int) -> pd.DataFrame:
    """A copy for display and JSON: floats rounded, datetimes as dates, index dropped."""
    out = df.reset_index(drop=not any(n is not None for n in df.index.names)).copy()
    out.columns = [str(c) for c in out.columns]
    for c in out.columns:
        s = out[c]
        if pd.api.types.is_float_dtype(s):
            out[c] = s.astype("Float64").round(digits)
        elif pd.api.types.is_datetime64_any_dtype(s):
            midnight = s.dropna().eq(s.dropna().dt.normalize()).all()
            out[c] = s.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%dT%H:%M:%S")
    return out


def record(name: str, df: pd.DataFrame, *, digits: int = 4, show_rows: int = 20) -> None:
    """Show a key table and keep it in the notebook's output as JSON (see `read_records`).

    The output carries the whole table as ``application/vnd.ctkit.table+json`` (floats
    rounded to `digits`, dates as YYYY-MM-DD, so re-runs give identical outputs for nbval)
    plus an HTML and a text view of its first `show_rows` rows.
    """
    from IPython.display import display

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"record needs a DataFrame, got {type(df).__name__}")
    tidy = _tidy(df, digits)
    payload = {"name": name, "columns": list(tidy.columns),
               "data": [[_json_value(v) for v in row] for row in
                        tidy.astype(object).itertuples(index=False, name=None)]}
    head = tidy.head(show_rows)
    more = (f"first {show_rows} of {len(tidy):,} rows" if len(tidy) > show_rows
            else f"{len(tidy):,} rows")
    table = head.to_html(index=False, na_rep="", border=0, classes="ctkit-table")
    bundle = {
        MIME: payload,
        "text/html": (f'<div class="ctkit-record"><p><b>{html.escape(name)}</b> '
                      f'({html.escape(more)})</p>{table}</div>'),
        "text/plain": f"{name} ({more})\n{head.to_string(index=False, na_rep='')}",
    }
    display(bundle, raw=True)


def read_records(notebook: Any) -> dict[str, pd.DataFrame]:
    """Tables kept by `record` in an executed notebook (path or NotebookNode), by name."""
    nb = _read_notebook(Path(notebook)) if isinstance(notebook, str | Path) else notebook
    out: dict[str, pd.DataFrame] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            payload = output.get("data", {}).get(MIME)
            if isinstance(payload, str):
                payload = json.loads(payload)
            if payload:
                out[payload["name"]] = pd.DataFrame(payload["data"],
                                                    columns=payload["columns"])
    return out


def show(fig: go.Figure, *, name: str, params: Mapping[str, Any] | None = None) -> None:
    """Display `fig`; with ``params["static_dir"]`` also save it as <name>.png and .svg there.

    Static export needs kaleido and a Chrome/Chromium; when one is missing this prints why
    and carries on (the interactive figure is still shown).
    """
    from IPython.display import display

    display(fig)
    folder = (params or {}).get("static_dir")
    if not folder:
        return
    from .plots import save_static

    Path(folder).mkdir(parents=True, exist_ok=True)
    try:
        for suffix in ("png", "svg"):
            save_static(fig, Path(folder) / f"{name}.{suffix}")
        print(f"Static copies: {name}.png and {name}.svg in {Path(folder).name}/")
    except RuntimeError as exc:
        print(f"No static copy of {name}: {exc}")


# -- overview tables (small enough to live here; the notebooks call them) ------------------------
def article_counts(articles: pd.DataFrame, *, by: str) -> pd.DataFrame:
    """Articles per value of `by` (outlet, language, ...): columns <by>, articles, share.

    Missing values form their own row (NA); sorted by articles descending, then value.
    """
    if by not in articles.columns:
        raise ValueError(f"by must be a column of articles, got {by!r}")
    if articles.empty:
        return pd.DataFrame({by: pd.Series(dtype="string"),
                             "articles": pd.Series(dtype="int64"),
                             "share": pd.Series(dtype="float64")})
    counts = articles.groupby(by, dropna=False).size().rename("articles").reset_index()
    counts["share"] = counts["articles"] / len(articles)
    return counts.sort_values(["articles", by], ascending=[False, True], kind="stable",
                              na_position="last").reset_index(drop=True)


def errors_summary(errors: pd.DataFrame, *, width: int = 100) -> pd.DataFrame:
    """Rows of `errors` per stage and severity, with one example message (cut to `width`)."""
    cols = ["stage", "severity", "rows", "example"]
    if errors.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "rows" else "string")
                             for c in cols})
    grouped = (errors.groupby(["stage", "severity"], dropna=False)
               .agg(rows=("source", "size"), example=("error", "first")).reset_index())
    grouped["example"] = grouped["example"].map(
        lambda s: s if not isinstance(s, str) or len(s) <= width else s[: width - 1] + "…")
    order = grouped["severity"].map({"error": 0, "warning": 1}).fillna(2)
    return (grouped.assign(_o=order)
            .sort_values(["_o", "rows", "stage"], ascending=[True, False, True], kind="stable")
            [cols].reset_index(drop=True))


def counter_coverage(engagement: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    """How many articles show each audience counter: metric, articles, with_counter, share.

    Metric "any" counts articles showing at least one counter. Articles without a counter are
    unknown, not zero: this table is what says how far the engagement figures reach.
    """
    from .analysis import _isin

    scope = engagement[_isin(engagement["article_id"], articles["article_id"])]
    scope = scope[scope["value"].notna()]
    total = len(articles)
    seen = scope.groupby("metric", sort=False)["article_id"].nunique()
    rows = [(str(m), int(n)) for m, n in seen.items() if not pd.isna(m)]
    rows.sort(key=lambda r: (-r[1], r[0]))
    rows.append(("any", int(scope["article_id"].nunique())))
    out = pd.DataFrame(rows, columns=["metric", "with_counter"])
    out.insert(1, "articles", total)
    out["share"] = out["with_counter"] / total if total else float("nan")
    return out


def counters_sentence(coverage: pd.DataFrame) -> str:
    """One plain sentence from `counter_coverage`: how many articles carry any counter."""
    row = coverage[coverage["metric"] == "any"]
    if row.empty or not int(row["articles"].iloc[0]):
        return "No article is in scope, so nothing can be said about audience engagement."
    n, total = int(row["with_counter"].iloc[0]), int(row["articles"].iloc[0])
    if n == 0:
        return (f"None of the {total:,} articles shows an audience counter (comments, shares, "
                "views...): audience engagement cannot be measured on this selection.")
    metrics = coverage[coverage["metric"] != "any"]
    detail = ", ".join(f"{m} on {int(k):,}" for m, k in zip(metrics["metric"],
                                                            metrics["with_counter"], strict=True))
    return (f"{n:,} of {total:,} articles ({n / total:.0%}) show at least one audience counter "
            f"({detail}); the other {total - n:,} are unknown, not zero, and are left out of "
            "the engagement figures.")


def example_article(corpus: Corpus, *, iso3: str, focal: str = "MAR") -> str | None:
    """The most recent article naming both `iso3` and `focal` (first in input order on ties)."""
    from .analysis import _isin

    c = corpus.countries
    named = c.loc[_isin(c["iso3"], [iso3]), "article_id"]
    both = named[_isin(named, c.loc[_isin(c["iso3"], [focal]), "article_id"])]
    arts = corpus.articles[_isin(corpus.articles["article_id"], both)]
    if arts.empty:
        return None
    order = arts.assign(_i=range(len(arts))).sort_values(
        ["published", "_i"], ascending=[False, True], na_position="last", kind="stable")
    return str(order["article_id"].iloc[0])


def one_article(data_dir: str | Path, article_id: str) -> dict[str, pd.DataFrame]:
    """Every table's rows for one article, text included, reading only the row groups that
    hold it.

    For `ctkit.plots.article_view` without loading every article's text. `ctkit parse` writes
    one row group per chunk in every table, so the article's row group in articles.parquet is
    tried first in the other tables; the article_id column is scanned when that misses.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from . import schema
    from .corpus import row_group_starts

    def groups_holding(pf: pq.ParquetFile, only: list[int] | None) -> list[int]:
        """Row groups (among `only`, else all) whose article_id column holds the article."""
        candidates = only if only is not None else list(range(pf.metadata.num_row_groups))
        found = []
        if only is None:
            ids = pf.read(columns=["article_id"])["article_id"]
            hits = np.flatnonzero(pc.equal(ids, pa.scalar(article_id)).to_numpy(
                zero_copy_only=False))
            starts = row_group_starts(pf)
            return sorted({int(i) - 1 for i in np.searchsorted(starts, hits, side="right")})
        for i in candidates:
            ids = pf.read_row_group(i, columns=["article_id"])["article_id"]
            if pc.any(pc.equal(ids, pa.scalar(article_id))).as_py():
                found.append(i)
        return found

    out = {}
    home: list[int] | None = None
    for name in ("articles", "countries", "entities", "events"):
        path = Path(data_dir) / f"{name}.parquet"
        if not path.exists():
            out[name] = schema.empty(name)
            continue
        pf = pq.ParquetFile(path)
        groups = []
        if home is not None:
            guess = [i for i in home if i < pf.metadata.num_row_groups]
            groups = groups_holding(pf, guess)
        if not groups:
            groups = groups_holding(pf, None)
        if name == "articles":
            home = groups
        if groups:
            tbl = pf.read_row_groups(groups)
            tbl = tbl.filter(pc.equal(tbl["article_id"], pa.scalar(article_id)))
            df = tbl.to_pandas()
        else:
            df = schema.empty(name)
        out[name] = schema.conform(name, df)
    return out


def outlet_terms(articles: pd.DataFrame, *, top: int = 10, min_count: int = 3,
                 per_outlet: int | None = 1000, seed: int = 0,
                 data_dir: str | Path | None = None) -> pd.DataFrame:
    """The words most distinctive of each outlet (`ctkit.analysis.distinctive_terms`).

    Needs `articles.text`: loaded (text=True), or read from `data_dir` for the sampled
    articles only (the same result, without holding every text in memory: gigabytes on a
    million articles; see `_article_texts`). Outlets with more than `per_outlet` articles
    are represented by a seeded random sample of `per_outlet` of them (tokenizing a million
    texts takes minutes; word frequencies of a thousand articles per outlet are stable); with
    ``per_outlet=None`` or when no outlet has more, every article counts and the result is
    exact. Prints how many articles the words come from. With fewer than two outlets there is
    nothing to contrast: prints so and returns an empty table.
    """
    import numpy as np

    from .analysis import distinctive_terms

    lazy = "text" not in articles
    if lazy:
        if data_dir is None:
            raise ValueError("outlet_terms needs articles.text: load with text=True or pass "
                             "data_dir")
        if _missing_texts_possible(data_dir):  # rare: decide on the texts themselves
            articles = articles.assign(text=_article_texts(data_dir, articles["article_id"]))
            lazy = False
    texts = articles.dropna(subset=["outlet"] if lazy else ["outlet", "text"])
    if texts["outlet"].nunique() < 2:
        print("Distinctive terms need articles from at least two outlets; this selection has "
              f"{texts['outlet'].nunique()}.")
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in
                             (("group", "string"), ("term", "string"), ("count", "int64"),
                              ("log_odds", "float64"), ("z", "float64"))})
    if per_outlet is not None and per_outlet < 1:
        raise ValueError(f"per_outlet must be >= 1 or None, got {per_outlet}")
    total = len(texts)
    if per_outlet is not None and texts.groupby("outlet").size().max() > per_outlet:
        order = np.random.default_rng(seed).permutation(total)
        shuffled = texts["outlet"].iloc[order]
        pick = order[shuffled.groupby(shuffled, sort=False).cumcount().to_numpy() < per_outlet]
        texts = texts.iloc[np.sort(pick)]
        print(f"Words from a random sample of {len(texts):,} of the {total:,} articles: at most "
              f"{per_outlet:,} per outlet (seed {seed}); counts are within the sample.")
    else:
        print(f"Words from all {total:,} articles.")
    if lazy:  # spaCy loads (seconds of Python) while Arrow reads the texts (off the GIL)
        from concurrent.futures import ThreadPoolExecutor

        from .analysis import load_tokenizers

        assert data_dir is not None  # checked above
        with ThreadPoolExecutor(1) as pool:
            ready = pool.submit(load_tokenizers, texts["language"].unique())
            texts = texts.assign(text=_article_texts(data_dir, texts["article_id"]))
            ready.result()
    frame = texts.rename(columns={"outlet": "group"})[["group", "text", "language"]]
    return distinctive_terms(frame, top=top, min_count=min_count)


def _missing_texts_possible(data_dir: str | Path) -> bool:
    """False when the parquet statistics of articles.text show no missing text at all."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(Path(data_dir) / "articles.parquet").metadata
    names = [meta.schema.column(i).name for i in range(meta.num_columns)]
    if "text" not in names:
        return True
    col = names.index("text")
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(col).statistics
        if stats is None or not stats.has_null_count or stats.null_count:
            return True
    return False


def _article_texts(data_dir: str | Path, ids: pd.Series, *, batch: int = 256) -> pd.Series:
    """`articles.text` of the articles `ids` (index kept), read from ``data_dir``.

    Only the row groups holding one of them are read, `batch` row groups at a time, and only
    their rows kept (article_id is unique in a parsed corpus); an id absent from the file
    gets NA.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from . import schema
    from .corpus import row_group_starts

    pf = pq.ParquetFile(Path(data_dir) / "articles.parquet")
    file_ids = pf.read(columns=["article_id"])["article_id"]
    wanted = pa.array(ids, from_pandas=True).cast(file_ids.type)
    slot = pc.fill_null(pc.index_in(file_ids, value_set=wanted), -1)  # file row -> ids row
    slot = np.asarray(slot.to_numpy(zero_copy_only=False), dtype=np.int64)
    bounds = row_group_starts(pf)
    groups = [g for g in range(len(bounds) - 1) if (slot[bounds[g]:bounds[g + 1]] >= 0).any()]
    out = np.full(len(ids), None, dtype=object)
    for lo in range(0, len(groups), batch):
        chunk = groups[lo:lo + batch]
        rows = np.concatenate([np.arange(bounds[g], bounds[g + 1]) for g in chunk])
        hit = np.flatnonzero(slot[rows] >= 0)
        texts = pf.read_row_groups(chunk, columns=["text"])["text"].take(pa.array(hit))
        out[slot[rows[hit]]] = texts.to_pylist()
    return pd.Series(out, index=ids.index, name="text",
                     dtype=schema.TABLES["articles"]["text"])


def _distinct(s: pd.Series) -> int:
    """Distinct non-missing values (hashed in Arrow: pandas' nunique is slow on 10M strings)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return int(pc.count_distinct(pa.array(s, from_pandas=True), mode="only_valid").as_py())


def corpus_facts(corpus: Corpus, *, focal: str = "MAR") -> pd.DataFrame:
    """A few headline numbers about a (filtered) corpus as a two-column table: fact, value."""
    import numpy as np

    arts, countries = corpus.articles, corpus.countries
    dated = arts["published"].dropna()
    from .analysis import _codes, _isin

    iso, iso_names = _codes(countries["iso3"])  # remembered: the analyses that follow reuse it
    hit = np.flatnonzero(iso_names == focal)
    is_focal = iso == hit[0] if len(hit) else np.zeros(len(iso), dtype=bool)
    names_focal = _distinct(countries.loc[is_focal, "article_id"])
    partner = _distinct(countries.loc[(iso >= 0) & ~is_focal, "article_id"])
    n_errors = int((corpus.errors["severity"] == "error").sum()) if len(corpus.errors) else 0
    eng = corpus.engagement
    with_counter = _distinct(eng.loc[_isin(eng["article_id"], arts["article_id"]), "article_id"])
    facts = [
        ("articles", len(arts)),
        ("outlets", int(arts["outlet"].nunique())),
        ("languages", int(arts["language"].nunique())),
        ("first date", dated.min().strftime("%Y-%m-%d") if len(dated) else None),
        ("last date", dated.max().strftime("%Y-%m-%d") if len(dated) else None),
        ("undated articles", int(arts["published"].isna().sum())),
        ("syndicated copies", int(arts["duplicate_of"].notna().sum())
         if "duplicate_of" in arts else None),
        (f"articles naming {focal}", int(names_focal)),
        (f"articles naming a country other than {focal}", int(partner)),
        ("articles with an audience counter", int(with_counter)),
        ("documents that failed to parse", n_errors),
    ]
    return pd.DataFrame({"fact": [f for f, _ in facts],
                         "value": pd.array([v for _, v in facts], dtype=object)})


# -- files: atomic writes, hashes, manifest ------------------------------------------------------
def _write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` to a temp file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    try:
        if isinstance(data, str):
            tmp.write_text(data, "utf-8")
        else:
            tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _input_hashes(data_dir: Path) -> dict[str, Any]:
    """sha256 and size of every parquet file of the corpus, and its parse manifest."""
    files = {}
    for p in sorted(data_dir.rglob("*.parquet")):
        if p.is_file() and not p.name.startswith("."):
            files[p.relative_to(data_dir).as_posix()] = {"sha256": _sha256(p),
                                                         "bytes": p.stat().st_size}
    parse_manifest = None
    mpath = data_dir / "_ctkit.json"
    if mpath.exists():
        try:
            parse_manifest = json.loads(mpath.read_text("utf-8"))
        except ValueError:
            parse_manifest = {"unreadable": True}
    return {"path": str(data_dir), "files": files, "parse_manifest": parse_manifest}


def _data_file_hashes() -> dict[str, Any]:
    """sha256 and size of each file ctkit ships in ctkit/data (gazetteers, patterns, maps)."""
    out = {}
    root = resources.files("ctkit").joinpath("data")
    for entry in sorted(root.iterdir(), key=lambda e: e.name):
        if entry.is_file() and not entry.name.startswith("."):
            data = entry.read_bytes()
            out[entry.name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
    return out


def _versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {"ctkit": __version__, "python": platform.python_version()}
    for pkg in _PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, date | Path):
        return str(value)
    return value


def _reproduce_command(data_dir: Path, out: Path, name: str, given: Mapping[str, Any]) -> str:
    import shlex

    args = ["ctkit", "report", str(data_dir), "--out", str(out), "--notebook", name]
    for k, v in given.items():
        v = json.dumps(v) if isinstance(v, list) else ("None" if v is None else str(v))
        args += ["-p", k, v]
    return shlex.join(args)


# -- running -------------------------------------------------------------------------------------
@contextlib.contextmanager
def _current_python_kernel() -> Iterator[type]:
    """A kernel manager class whose kernel runs this very interpreter (sys.executable).

    The kernelspec lives in a temporary folder for the duration of the run, so batch runs
    need no ``ipykernel install --user`` and work the same in .venv, conda or CI.
    """
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from traitlets import default

    with tempfile.TemporaryDirectory(prefix="ctkit-kernel-") as tmp:
        spec = Path(tmp) / KERNEL_NAME
        spec.mkdir()
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                     "--IPKernelApp.log_level=ERROR"],
            "display_name": f"Python {platform.python_version()} ({sys.prefix})",
            "language": "python", "metadata": {"debugger": False},
        }), "utf-8")

        class CurrentPythonKernelManager(AsyncKernelManager):
            """Finds its kernelspec only in the temporary folder."""

            @default("kernel_spec_manager")
            def _kernel_spec_manager_default(self) -> KernelSpecManager:
                return KernelSpecManager(kernel_dirs=[tmp], ensure_native_kernel=False)

        yield CurrentPythonKernelManager


@contextlib.contextmanager
def _quiet_papermill() -> Iterator[None]:
    """Silence papermill's "Passed unknown parameter" warnings: it cannot read `str | None`."""
    log = logging.getLogger("papermill")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _short_error(ename: str, evalue: str, *, limit: int = 240) -> str:
    """An error as one line for manifests and messages (the notebook keeps the full text)."""
    text = " ".join(str(evalue).split())
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
    return f"{ename}: {text}" if text else str(ename)


def _execute(info: NotebookInfo, target: Path, parameters: Mapping[str, Any], *,
             kernel_class: type, cwd: Path, timeout: int) -> tuple[Any, str | None]:
    """Run one notebook with papermill into `target` (atomically); the node and any error."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    tmp = target.with_name(f".{target.stem}.tmp-{uuid.uuid4().hex[:8]}.ipynb")
    error = None
    try:
        try:
            with _quiet_papermill():
                papermill.execute_notebook(
                    str(info.path), str(tmp), parameters=dict(parameters),
                    kernel_name=KERNEL_NAME, language="python", progress_bar=False,
                    log_output=False, cwd=str(cwd), start_timeout=120,
                    execution_timeout=timeout, request_save_on_cell_execute=False,
                    kernel_manager_class=kernel_class)
        except PapermillExecutionError as exc:
            error = _short_error(exc.ename, exc.evalue)
        if not tmp.exists():  # failed before anything was written
            return None, error or "the notebook did not run"
        nb = _read_notebook(tmp)
        os.replace(tmp, target)
        return nb, error
    finally:
        tmp.unlink(missing_ok=True)


_HTML_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block extra_css %}<style>
body { max-width: 1180px; margin: 0 auto; }
.ctkit-record p { margin: .2em 0; color: #555; font-size: .9em; }
table.ctkit-table { border-collapse: collapse; font-size: .85em; }
table.ctkit-table td, table.ctkit-table th { padding: 2px 8px; border-bottom: 1px solid #eee; }
.ctkit-run { color: #444; font-size: .9em; border-bottom: 1px solid #ddd; padding-bottom: .5em; }
</style>{% endblock extra_css %}
"""


def to_html(nb: Any, *, show_code: bool = False, header: str | None = None) -> str:
    """A standalone HTML page of an executed notebook, loading nothing from the network.

    nbconvert's "lab" template without its CDN scripts (require.js, MathJax, mermaid); code
    cells hidden unless `show_code`; `header` (trusted HTML) goes above the first cell.
    """
    import copy

    import nbformat
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter

    nb = copy.deepcopy(nb)
    if header:
        nb.cells.insert(0, nbformat.v4.new_raw_cell(
            header, metadata={"raw_mimetype": "text/html"}))
    exporter = HTMLExporter(
        template_name="lab", extra_loaders=[DictLoader({"ctkit_report.html.j2": _HTML_TEMPLATE})],
        template_file="ctkit_report.html.j2", exclude_input=not show_code,
        exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    return body


def _header_html(title: str, run: str, params: Mapping[str, Any], manifest_name: str,
                 finished: str) -> str:
    shown = "; ".join(f"{k} = {v}" for k, v in params.items()
                      if k not in _AUTOMATIC and v is not None) or "defaults"
    return (f'<div class="ctkit-run">{html.escape(title)} · run <b>{html.escape(run)}</b> · '
            f'parameters: {html.escape(shown)} · finished {html.escape(finished)} · '
            f'<a href="{quote(manifest_name)}">manifest</a></div>')


def _static_problem() -> str | None:
    """Why figures cannot be exported as PNG/SVG here, or None when they can."""
    if importlib.util.find_spec("kaleido") is None:
        return "kaleido is not installed (pip install 'kaleido>=1')"
    if os.environ.get("BROWSER_PATH") or any(shutil.which(c) for c in _CHROMES):
        return None
    return "no Chrome/Chromium found (install one or set BROWSER_PATH)"


def run_reports(data_dir: str | Path, *, out: str | Path = "reports",
                params: Mapping[str, Any] | None = None,
                notebooks: Sequence[str] | None = None,
                notebook_dir: str | Path | None = None, run: str | None = None,
                path_template: str = PATH_TEMPLATE, show_code: bool = False,
                static: bool | None = None, timeout: int = 1800,
                quiet: bool = False, force: bool = True) -> Path:
    """Run the report notebooks on a parsed corpus; return the path of ``<out>/index.html``.

    `params` maps names to values, typed or as command-line strings (converted to the type
    each notebook declares; see `parse_value`); everything is checked before any notebook
    runs. Each notebook goes to ``<out>/<path_template>.ipynb`` and ``.html`` (fields {run},
    {notebook}; run defaults to `run_name`) with a ``.manifest.json`` beside it. `static`:
    True exports PNG/SVG figures (error when impossible), None does so when kaleido and a
    Chrome are available and says why not otherwise, False never. Notebooks that fail are
    still written (with the error in place); a RuntimeError names them at the end.
    `force=False` keeps a report whose manifest shows the same notebook, parameters, input
    tables, gazetteers and ctkit version (what `ctkit demo` does on a second run).
    """
    data = Path(data_dir).expanduser().resolve()
    if not (data / "articles.parquet").exists():
        raise FileNotFoundError(f"{data_dir} holds no ctkit tables (no articles.parquet); "
                                f"run `ctkit parse INPUT --out {data_dir}` first")
    given = dict(params or {})
    infos = list_notebooks(notebooks, notebook_dir=notebook_dir)
    typed = _check_parameters(infos, given)
    out_dir = Path(out).expanduser().resolve()
    run = run or run_name(data, {k: v for t in typed.values() for k, v in t.items()})
    targets = {i.name: _expand(path_template, {"run": run, "notebook": i.name}) for i in infos}
    problem = _static_problem() if static is not False else None
    if static and problem:
        raise RuntimeError(f"static figure export impossible: {problem}")
    if static is None and problem and not quiet:
        print(f"ctkit report: no PNG/SVG copies of the figures: {problem}. The HTML reports "
              "are complete without them.", file=sys.stderr)
    common = {"ctkit_version": __version__, "versions": _versions(),
              "data_files": _data_file_hashes(), "input": _input_hashes(data)}
    failures = []
    with _current_python_kernel() as kernel_class:
        for info in infos:
            rel = targets[info.name]
            ipynb = out_dir / rel.with_name(rel.name + ".ipynb")
            page = ipynb.with_suffix(".html")
            manifest_path = ipynb.with_name(rel.name + ".manifest.json")
            ipynb.parent.mkdir(parents=True, exist_ok=True)
            run_params = dict(typed[info.name])
            if "data_dir" in info.parameters:
                run_params["data_dir"] = str(data)
            if "static_dir" in info.parameters and static is not False and not problem:
                run_params["static_dir"] = str(ipynb.parent / "figures")
            if not force and _still_current(manifest_path, page, info, run_params, common):
                if not quiet:
                    print(f"ctkit report: {info.name} is up to date (same notebook, parameters, "
                          "tables and ctkit); kept", file=sys.stderr)
                continue
            started, t0 = _now(), time.monotonic()
            if not quiet:
                print(f"ctkit report: running {info.name} ...", file=sys.stderr)
            nb, error = _execute(info, ipynb, run_params, kernel_class=kernel_class,
                                 cwd=ipynb.parent, timeout=timeout)
            finished = _now()
            manifest = {
                "notebook": info.name, "title": info.title, "run": run,
                "status": "failed" if error else "ok", "error": error,
                "source": {"path": str(info.path), "sha256": _sha256(info.path)},
                "outputs": {"notebook": ipynb.name, "html": page.name if nb else None},
                "parameters": {"given": _jsonable(typed[info.name]),
                               "effective": _jsonable(_effective(info, run_params))},
                "started": started, "finished": finished,
                "seconds": round(time.monotonic() - t0, 1),
                "reproduce": _reproduce_command(data, out_dir, info.name,
                                                _jsonable(typed[info.name])),
                **common,
            }
            if nb is not None:
                header = _header_html(info.title, run, run_params, manifest_path.name, finished)
                _write_atomic(page, to_html(nb, show_code=show_code, header=header))
            _write_atomic(manifest_path, json.dumps(manifest, indent=2, sort_keys=False))
            if error:
                failures.append(f"{info.name} ({error})")
            if not quiet:
                state = f"failed: {error}" if error else "done"
                print(f"ctkit report: {info.name} {state} in {manifest['seconds']}s",
                      file=sys.stderr)
    index = write_index(out_dir)
    if failures:
        raise RuntimeError(f"{len(failures)} of {len(infos)} notebooks failed: "
                           f"{'; '.join(failures)}; see {index}")
    return index


def _still_current(manifest_path: Path, page: Path, info: NotebookInfo,
                   run_params: Mapping[str, Any], common: Mapping[str, Any]) -> bool:
    """True when the report on disk was made from the same notebook, parameters and inputs."""
    try:
        old = json.loads(manifest_path.read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return (page.exists() and old.get("status") == "ok"
            and old.get("source", {}).get("sha256") == _sha256(info.path)
            and old.get("parameters", {}).get("effective") == _jsonable(_effective(info,
                                                                                  run_params))
            and all(old.get(k) == _jsonable(v) for k, v in common.items()))


def _effective(info: NotebookInfo, run_params: Mapping[str, Any]) -> dict[str, Any]:
    """Every declared parameter with the value the run used (defaults as written)."""
    out: dict[str, Any] = {}
    for name, (_, default, _) in info.parameters.items():
        if name in run_params:
            out[name] = run_params[name]
        else:
            try:
                out[name] = ast.literal_eval(default)
            except (ValueError, SyntaxError):
                out[name] = default
    return out


def write_index(out: str | Path) -> Path:
    """(Re)write ``<out>/index.html`` linking every report found under `out`."""
    out_dir = Path(out)
    rows = []
    for mpath in sorted(out_dir.rglob("*.manifest.json")):
        try:
            m = json.loads(mpath.read_text("utf-8"))
        except ValueError:
            continue
        rel = mpath.parent.relative_to(out_dir).as_posix()
        prefix = "" if rel == "." else rel + "/"
        rows.append((m.get("run", rel), m.get("title") or m.get("notebook", "?"), prefix, m))
    rows.sort(key=lambda r: (str(r[0]), str(r[3].get("notebook"))))
    body = []
    for run, title, prefix, m in rows:
        outputs = m.get("outputs") or {}
        link = (f'<a href="{quote(prefix + outputs["html"])}">{html.escape(str(title))}</a>'
                if outputs.get("html") else html.escape(str(title)))
        given = (m.get("parameters") or {}).get("given") or {}
        shown = "; ".join(f"{k} = {v}" for k, v in given.items()) or "defaults"
        status = m.get("status", "?")
        cls = "ok" if status == "ok" else "failed"
        body.append(
            f"<tr><td>{html.escape(str(run))}</td><td>{link}</td>"
            f"<td><code>{html.escape(str(m.get('notebook', '')))}</code></td>"
            f"<td>{html.escape(shown)}</td><td class=\"{cls}\">{html.escape(str(status))}"
            + (f"<br><small>{html.escape(str(m.get('error')))}</small>" if m.get("error")
               else "")
            + f"</td><td>{html.escape(str(m.get('finished', '')))}</td>"
            f'<td><a href="{quote(prefix + outputs.get("notebook", ""))}">ipynb</a> · '
            f'<a href="{quote(prefix + mpath.name)}">manifest</a></td></tr>')
    page = (
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<title>ctkit reports</title>\n<style>body{font-family:Helvetica,Arial,sans-serif;"
        "max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:"
        "collapse;width:100%}td,th{text-align:left;padding:4px 8px;border-bottom:1px solid "
        "#ddd;vertical-align:top}.failed{color:#b00020}.ok{color:#1b7f3b}</style>\n</head>\n"
        "<body>\n<h1>ctkit reports</h1>\n<p>Each report is a notebook run on a parsed corpus; "
        "its manifest lists the versions, input hashes and parameters that reproduce it.</p>\n"
        "<table>\n<tr><th>run</th><th>report</th><th>notebook</th><th>parameters</th>"
        "<th>status</th><th>finished (UTC)</th><th>files</th></tr>\n"
        + "\n".join(body) + "\n</table>\n</body>\n</html>\n")
    index = out_dir / "index.html"
    _write_atomic(index, page)
    return index


# -- the notebooks committed to the repository ---------------------------------------------------
def slim_notebook(nb: Any, *, max_bytes: int = _SLIM_BYTES) -> Any:
    """A copy for the repository: large outputs (plotly.js, figures) and run metadata removed.

    Figures and outputs over `max_bytes` become one line saying to run the notebook (the
    figures need plotly.js, which is left out); papermill's
    metadata and timings go (they change on every run); recorded tables stay, because nbval
    compares them (``# NBVAL_CHECK_OUTPUT``).
    """
    import copy

    import nbformat

    nb = copy.deepcopy(nb)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        outputs = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            figure = "plotly-graph-div" in str(data.get("text/html", ""))
            big = len(json.dumps(output)) > max_bytes and MIME not in data
            if figure or big:
                output = nbformat.v4.new_output(
                    "display_data", data={"text/plain": "[figure or script left out of the "
                                          "committed notebook: run the notebook to see it]"})
            outputs.append(output)
        if cell.cell_type == "code":
            cell.outputs = outputs
    return nb


def refresh_notebooks(*, notebook_dir: str | Path | None = None,
                      notebooks: Sequence[str] | None = None, timeout: int = 1800) -> list[Path]:
    """Re-run the notebooks in place on the sample corpus and slim them for committing.

    Run after a change to the parser or the sample, so that nbval's output checks compare
    against current results. Parameters keep their defaults, so `data_dir` is found from
    the notebooks' folder upwards (see `find_data_dir`). Returns the notebooks written.
    """
    infos = list_notebooks(notebooks, notebook_dir=notebook_dir)
    written = []
    with _current_python_kernel() as kernel_class, tempfile.TemporaryDirectory() as tmp:
        for info in infos:
            target = Path(tmp) / info.path.name
            nb, error = _execute(info, target, {}, kernel_class=kernel_class,
                                 cwd=info.path.parent, timeout=timeout)
            if error or nb is None:
                raise RuntimeError(f"{info.name} failed: {error}")
            slim = slim_notebook(nb)
            source = _read_notebook(info.path)
            slim.metadata = source.metadata  # keep the kernelspec the repository declares
            import nbformat

            _write_atomic(info.path, nbformat.writes(slim) + "\n")
            written.append(info.path)
    return written


def _main(argv: Iterable[str] | None = None) -> int:
    """``python -m ctkit.reports refresh [NOTEBOOK...]``: re-run the committed notebooks."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] != "refresh":
        print("usage: python -m ctkit.reports refresh [NOTEBOOK ...]", file=sys.stderr)
        return 2
    for path in refresh_notebooks(notebooks=args[1:] or None):
        print(f"refreshed {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
