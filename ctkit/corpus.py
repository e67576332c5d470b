"""`Corpus`: the six tables in memory, and their parquet files on disk (atomic, streamed)."""
from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import __version__, schema

MANIFEST = "_ctkit.json"
_RUN_KEY = b"ctkit_run"


def _frame(table: str) -> pd.DataFrame:
    return schema.empty(table)


@dataclass
class Corpus:
    """The tables of DESIGN.md §3 as pandas DataFrames, joined on `article_id`."""

    articles: pd.DataFrame = field(default_factory=lambda: _frame("articles"))
    countries: pd.DataFrame = field(default_factory=lambda: _frame("countries"))
    entities: pd.DataFrame = field(default_factory=lambda: _frame("entities"))
    events: pd.DataFrame = field(default_factory=lambda: _frame("events"))
    engagement: pd.DataFrame = field(default_factory=lambda: _frame("engagement"))
    errors: pd.DataFrame = field(default_factory=lambda: _frame("errors"))

    def tables(self) -> dict[str, pd.DataFrame]:
        """Table name -> DataFrame, in contract order."""
        return {name: getattr(self, name) for name in schema.TABLES}

    def validate(self) -> Corpus:
        """Check every table against `ctkit.schema`; return self or raise SchemaError."""
        for name, df in self.tables().items():
            schema.validate(name, df)
        return self

    def to_parquet(self, out: str | Path, *, meta: dict | None = None) -> Path:
        """Write the tables as `<out>/<table>.parquet` atomically; return `out`."""
        with TableWriter(out, meta=meta) as writer:
            writer.write(self)
        return Path(out)

    @classmethod
    def concat(cls, parts: Iterable[Corpus]) -> Corpus:
        """One corpus from several, keeping their order."""
        parts = list(parts)
        out = {}
        for name in schema.TABLES:
            frames = [getattr(p, name) for p in parts if len(getattr(p, name))]
            out[name] = (pd.concat(frames, ignore_index=True) if frames else _frame(name))
        return cls(**out)

    def summary(self, *, top: int = 5) -> str:
        """A few lines for the terminal: counts, top partners, errors."""
        n_err = int((self.errors["severity"] == "error").sum()) if len(self.errors) else 0
        partners = self.countries[self.countries["role"] == "partner"]
        top_p = (partners.drop_duplicates(["article_id", "iso3"])["iso3"].value_counts().head(top))
        tops = ", ".join(f"{k} {v}" for k, v in top_p.items()) or "none"
        return (f"{len(self.articles)} articles, {self.countries['iso3'].nunique()} countries, "
                f"{len(self.events)} event rows, {n_err} errors\ntop partners (articles): {tops}")


class TableWriter:
    """Streams table chunks into parquet files; files replace the old ones only on success.

    Each table goes to a temp file beside its target (row group per chunk, bounded memory);
    `close()` renames them into place and writes the manifest last. A killed run leaves the
    previous output untouched apart from stray `.tmp` files, which the next run removes.
    """

    def __init__(self, out: str | Path, *, meta: dict | None = None) -> None:
        self.out = Path(out)
        try:
            self.out.mkdir(parents=True, exist_ok=True)
            recover(self.out)
            for stale in self.out.glob(".*.tmp-*"):
                stale.unlink()
            probe = self.out / f".probe-{uuid.uuid4().hex}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as exc:
            raise OSError(f"output directory {self.out} is not writable: {exc.strerror}") from exc
        self.run_id = uuid.uuid4().hex
        self.meta = dict(meta or {})
        self._writers: dict[str, pq.ParquetWriter] = {}
        self._tmp: dict[str, Path] = {}
        self.rows = dict.fromkeys(schema.TABLES, 0)
        self._extra: dict[str, Path] = {}
        self._extra_writers: dict[str, pq.ParquetWriter] = {}

    def _arrow(self, name: str, df: pd.DataFrame) -> pa.Table:
        # one thread: Arrow's pool of threads for a chunk's columns costs more than it saves
        tbl = pa.Table.from_pandas(schema.validate(name, df), preserve_index=False, nthreads=1)
        md = dict(tbl.schema.metadata or {})
        md[_RUN_KEY] = self.run_id.encode()
        return tbl.replace_schema_metadata(md)

    def write(self, corpus: Corpus) -> None:
        """Append one chunk of every table."""
        for name, df in corpus.tables().items():
            if name not in self._writers:
                tmp = self.out / f".{name}.parquet.tmp-{self.run_id}"
                first = self._arrow(name, df if len(df) else schema.empty(name))
                self._writers[name] = pq.ParquetWriter(tmp, first.schema, compression="zstd")
                self._tmp[name] = tmp
            if len(df):
                self._writers[name].write_table(self._arrow(name, df))
                self.rows[name] += len(df)

    def extra(self, name: str, table: pa.Table) -> None:
        """Append `table` to a side file (e.g. the input digests of an incremental run): written
        as it comes, like the tables, and moved in on close; every part has the same schema."""
        if name not in self._extra:
            tmp = self.out / f".{name}.tmp-{self.run_id}"
            self._extra_writers[name] = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            self._extra[name] = tmp
        if len(table):
            self._extra_writers[name].write_table(table)

    def close(self) -> None:
        """Finish the files and move them into place; the manifest goes last."""
        if not self._writers:
            self.write(Corpus())
        for w in [*self._writers.values(), *self._extra_writers.values()]:
            w.close()
        # keep the previous tables reachable (hard links) until the new manifest is in place, so a
        # kill between two renames leaves a readable previous output (see `recover`)
        for name in self._tmp:
            target = self.out / f"{name}.parquet"
            if target.exists():
                prev = self.out / f".{name}.parquet.prev"
                prev.unlink(missing_ok=True)
                os.link(target, prev)
        for name, tmp in self._tmp.items():
            os.replace(tmp, self.out / f"{name}.parquet")
        for name, tmp in self._extra.items():
            os.replace(tmp, self.out / name)
        manifest = {"ctkit_version": __version__, "run_id": self.run_id, "rows": self.rows,
                    **self.meta}
        tmp = self.out / f".{MANIFEST}.tmp-{self.run_id}"
        tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str), "utf-8")
        os.replace(tmp, self.out / MANIFEST)
        for prev in self.out.glob(".*.parquet.prev"):
            prev.unlink()

    def abort(self) -> None:
        """Drop the temp files; the previous output stays as it was."""
        for w in [*self._writers.values(), *self._extra_writers.values()]:
            try:
                w.close()
            except Exception:  # noqa: BLE001 - closing a half-written file may fail; it is deleted
                pass
        for tmp in [*self._tmp.values(), *self._extra.values()]:
            tmp.unlink(missing_ok=True)

    def __enter__(self) -> TableWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:  # type: ignore[no-untyped-def]
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _run_of(file: Path) -> str | None:
    meta = pq.ParquetFile(file).schema_arrow.metadata or {}
    run = meta.get(_RUN_KEY)
    return run.decode() if run else None


def recover(out: Path) -> None:
    """Undo a write killed between its renames: put back the previous tables (kept as
    `.<table>.parquet.prev` hard links) whose run is the one the manifest names."""
    prevs = list(out.glob(".*.parquet.prev"))
    if not prevs:
        return
    manifest = out / MANIFEST
    run = json.loads(manifest.read_text("utf-8")).get("run_id") if manifest.exists() else None
    for prev in prevs:
        target = out / prev.name[1:].removesuffix(".prev")
        if run and target.exists() and _run_of(target) != run and _run_of(prev) == run:
            os.replace(prev, target)
        else:
            prev.unlink()


def open_tables(path: str | Path, tables: Sequence[str] | None = None
                ) -> dict[str, pq.ParquetFile]:
    """The table files of a parsed corpus (all, or `tables`), checked to come from one run.

    A write killed between its renames is undone first (`recover`)."""
    root = Path(path)
    if not (root / "articles.parquet").exists():
        raise FileNotFoundError(f"{root} holds no ctkit tables (no articles.parquet); "
                                f"run `ctkit parse INPUT --out {root}` first")
    if list(root.glob(".*.parquet.prev")):
        try:
            recover(root)  # a write was killed between renames: back to the previous output
        except OSError:
            pass  # read-only folder: the run-id check below still refuses a mixed set
    wanted = list(tables or schema.TABLES)
    files = {name: pq.ParquetFile(root / f"{name}.parquet")
             for name in schema.TABLES if name in wanted}
    if len({(pf.schema_arrow.metadata or {}).get(_RUN_KEY) for pf in files.values()}) > 1:
        for pf in files.values():
            pf.close()
        raise ValueError(f"{root}: tables come from different runs (an interrupted write?); "
                         "rerun `ctkit parse`")
    return files


def row_group_starts(pf: pq.ParquetFile) -> np.ndarray:
    """The first row of each row group of parquet file `pf`, then its number of rows."""
    meta = pf.metadata
    return np.cumsum([0] + [meta.row_group(i).num_rows for i in range(meta.num_row_groups)],
                     dtype=np.int64)


def typed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """`df`, read from table `name`'s file, with the contract's dtypes (in place)."""
    for c, t in schema.TABLES[name].items():
        if c in df:
            df[c] = df[c].astype(t)
    return df


def load(path: str | Path, *, tables: Sequence[str] | None = None,
         columns: dict[str, Sequence[str]] | None = None, text: bool = False) -> Corpus:
    """Read a parsed corpus from `path` (output of `ctkit parse` or `Corpus.to_parquet`).

    Only the columns needed are read: `articles.text` (the large one) is skipped unless
    `text=True`; `columns` narrows any table further, e.g. ``{"articles": ["article_id"]}``.
    """
    out: dict[str, pd.DataFrame] = {}
    for name, pf in open_tables(path, tables).items():
        cols = list((columns or {}).get(name) or schema.TABLES[name])
        if name == "articles" and not text and not (columns or {}).get(name):
            cols = [c for c in cols if c != "text"]
        with pf:
            out[name] = typed(name, pf.read(columns=cols).to_pandas())
    return Corpus(**out)


class RowReader:
    """Rows of one parquet file by position, reading only the row groups that hold them.

    Made for callers that take rows in about file order (an incremental run walks the previous
    output chunk by chunk). A `take` reads `window` row groups from the one of its first row
    (or more, to its last row) into one typed DataFrame, and the next takes are served from it
    while they fall inside: each group is read and converted about once, in few conversions
    rather than one per call, and memory stays at one window (a row group is one chunk of the
    run that wrote the file) whatever the file's size. `table` names the contract table whose
    dtypes the rows get (None: Arrow's own, for side files).
    """

    def __init__(self, file: str | Path | pq.ParquetFile, *, table: str | None = None,
                 columns: Sequence[str] | None = None, window: int = 8) -> None:
        self.file = file if isinstance(file, pq.ParquetFile) else pq.ParquetFile(file)
        self.table = table
        self.columns = list(columns) if columns is not None else None
        self.starts = row_group_starts(self.file)
        self.window = window
        self._held: tuple[int, int, pd.DataFrame | None] = (0, 0, None)  # groups [lo, hi)

    def __len__(self) -> int:
        return int(self.starts[-1])

    def column(self, name: str, *, batch: int = 1 << 20) -> Iterator[pa.Array]:
        """One column, in batches of about `batch` rows (the whole file is never held)."""
        for b in self.file.iter_batches(batch_size=batch, columns=[name]):
            yield b.column(0)

    def _frame(self, tbl: pa.Table) -> pd.DataFrame:
        df = tbl.to_pandas()
        return typed(self.table, df) if self.table else df

    def take(self, positions: np.ndarray) -> pd.DataFrame:
        """The rows at `positions` (in that order), typed like `ctkit.load` types them."""
        positions = np.asarray(positions, dtype=np.int64)
        if not len(positions):
            schema_ = self.file.schema_arrow
            if self.columns is not None:
                schema_ = pa.schema([schema_.field(c) for c in self.columns],
                                    metadata=schema_.metadata)
            return self._frame(schema_.empty_table())
        first = int(np.searchsorted(self.starts, positions.min(), "right")) - 1
        last = int(np.searchsorted(self.starts, positions.max(), "right"))  # one past
        lo, hi, df = self._held
        if df is None or first < lo or last > hi:
            lo, hi = first, min(max(first + self.window, last), len(self.starts) - 1)
            self._held = (0, 0, None)  # the last window goes before the next is read
            df = self._frame(self.file.read_row_groups(range(lo, hi), self.columns))
            release_memory()  # the Arrow copy is in pandas now; the last window is freed
            self._held = (lo, hi, df)
        return df.iloc[positions - self.starts[lo]].reset_index(drop=True)

    def close(self) -> None:
        self._held = (0, 0, None)
        self.file.close()


@cache
def _libc() -> Any:
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def release_memory() -> None:
    """Hand freed memory back to the system: Arrow's pool, and the C heap where glibc can trim
    it (`malloc_trim`, as Dask's workers do). Without it the freed buffers of many short-lived
    frames stay in the process's RSS."""
    pa.default_memory_pool().release_unused()
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim(0)
