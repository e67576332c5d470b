"""Time each notebook in notebooks/ run by papermill on parsed tables (issue 7: < 30 s each
on 1M-article tables).

    .venv/bin/python benchmarks/notebooks.py [--quick] [--rounds 3] [--times 100] [--data DIR]

Runs on the tables of 10,000 generated articles (`ctkit sample --n 10000 --seed 0`, then
`ctkit parse --engine process`; parsed here when missing) and on 1M-article tables made by
replicating that real parse x100 with fresh ids (`replicated()`; a real 1M parse takes over an
hour here). `--times` changes the factor, `--data` runs on one folder instead. Each notebook
runs with papermill on a kernel of this interpreter, `data_dir` set, in interleaved rounds;
reported: wall time per run (kernel start-up included), the summed cell time papermill records,
medians over rounds, the slowest cell and whether the 1M wall time meets the target.
Writes benchmarks/results/notebooks.json and the `notebooks` section of docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import _common as C

NAME = "notebooks"
TARGET_S = 30.0
KERNEL = "ctkit-bench"


def parsed(n: int, seed: int) -> Path:
    """Tables of the n-article generated corpus: kept by scale.py, or parsed here."""
    kept = C.TMP / f"parsed-s{seed}-n{n}"
    if (kept / "_ctkit.json").exists():
        return kept
    C.log(f"no {n:,}-article tables from scale.py; parsing {n:,} generated articles")
    folder, _ = C.corpus(n, seed=seed, log=C.log)
    tmp = kept.with_name(kept.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    C.run([str(C.CTKIT), "parse", str(folder), "--out", str(tmp), "--engine", "process",
           "--workers", "2"]).check()
    tmp.rename(kept)
    return kept


def replicated(base: Path, times: int, *, out: Path | None = None) -> Path:
    """Tables of `times` x the articles of `base`, each replica a copy with fresh ids.

    Parsing a million generated articles takes over an hour here, so the 1M-article tables are
    a real parse of 10,000 articles (`parsed()`, i.e. `ctkit sample --n 10000 --seed 0` then
    `ctkit parse --engine process`) repeated: replica r (r = 0 .. times-1) of every table keeps
    every column as parsed except the ids, which are made fresh: `article_id` (and
    `duplicate_of`, which points at one) becomes a 16-hex-digit blake2b hash of
    "<old id>|r" (replica 0 keeps the parsed ids), `event_id` keeps its "<article_id>-NNN" form
    on the new article id. `published` is NOT shifted: the time axis stays the parse's
    (2019-2025), so every period holds `times` x the articles, as a larger crawl of the same
    outlets over the same years would. The `errors` rows are repeated as they are (a larger
    parse fails proportionally more often). Written the way `ctkit parse` writes
    (`ctkit.corpus.TableWriter`): one `<table>.parquet` per table, zstd, a row group per parse
    chunk (the parse's row groups, repeated), the run id in each file's schema metadata and
    `_ctkit.json` last, with the row counts and a `replicated` note; `ctkit.load` and the
    notebooks read it unchanged. Row counts and value distributions are those of the real
    parse, times `times`; what the replicas lack is new vocabulary, outlets or partners.
    """
    import hashlib
    import uuid

    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    base_manifest = json.loads((base / "_ctkit.json").read_text("utf-8"))
    n = base_manifest["rows"]["articles"] * times
    out = out or C.TMP / f"{base.name}-x{times}"
    if (out / "_ctkit.json").exists():  # kept, unless made from an earlier parse of `base`
        made = json.loads((out / "_ctkit.json").read_text("utf-8")).get("replicated") or {}
        if made.get("run_id") == base_manifest.get("run_id"):
            return out
        shutil.rmtree(out)
    C.log(f"replicating {base} x{times} into {out} ({n:,} articles)")
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    run_id = uuid.uuid4().hex
    ids = pq.read_table(base / "articles.parquet", columns=["article_id"])["article_id"]
    ids = ids.combine_chunks()
    id_list = ids.to_pylist()
    fresh = [ids] + [pa.array([hashlib.blake2b(f"{a}|{r}".encode(), digest_size=8).hexdigest()
                               for a in id_list], type=ids.type) for r in range(1, times)]
    rows = {}
    for name in ("articles", "countries", "entities", "events", "engagement", "errors"):
        pf = pq.ParquetFile(base / f"{name}.parquet")
        tbl = pf.read()
        md = dict(pf.schema_arrow.metadata or {})
        md[b"ctkit_run"] = run_id.encode()
        schema = tbl.schema.with_metadata(md)
        bounds = [0]
        for i in range(pf.metadata.num_row_groups):
            bounds.append(bounds[-1] + pf.metadata.row_group(i).num_rows)
        where = {c: pc.index_in(tbl[c], value_set=ids) for c in ("article_id", "duplicate_of")
                 if c in tbl.column_names}
        suffix = None
        if "event_id" in tbl.column_names:
            prefix = pc.utf8_slice_codeunits(tbl["event_id"], 0, 16)
            if not pc.all(pc.equal(prefix, tbl["article_id"])).as_py():
                raise ValueError("event_id is not '<article_id>-NNN'; update replicated()")
            suffix = pc.utf8_slice_codeunits(tbl["event_id"], 16)
        with pq.ParquetWriter(tmp / f"{name}.parquet", schema, compression="zstd") as w:
            for r in range(times):
                rep = tbl
                for c, idx in where.items():
                    rep = rep.set_column(rep.schema.get_field_index(c), c,
                                         fresh[r].take(idx).cast(tbl.schema.field(c).type))
                if suffix is not None:
                    new = pc.binary_join_element_wise(rep["article_id"], suffix,
                                                     pa.scalar("", suffix.type))
                    rep = rep.set_column(rep.schema.get_field_index("event_id"), "event_id",
                                         new.cast(tbl.schema.field("event_id").type))
                rep = rep.replace_schema_metadata(md)
                for lo, hi in zip(bounds, bounds[1:], strict=False):
                    w.write_table(rep.slice(lo, hi - lo))
        rows[name] = tbl.num_rows * times
    manifest = {**base_manifest, "run_id": run_id, "rows": rows,
                "replicated": {"from": str(base), "times": times, "run_id": base_manifest.get(
                    "run_id"), "note": "each table of a real parse repeated with fresh "
                               "article_id/event_id (benchmarks/notebooks.py replicated())"}}
    (tmp / "_ctkit.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), "utf-8")
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    return out


def tables(data: str | None, times: int, seed: int) -> list[Path]:
    """Table folders to run on: the one given, else 10k (parsed when missing) and those
    tables replicated `times` x (see `replicated`)."""
    if data:
        return [Path(data).resolve()]
    small = parsed(10_000, seed)
    return [small] + ([replicated(small, times)] if times > 1 else [])


def kernelspec(folder: Path) -> None:
    """A kernelspec running this interpreter, found first through JUPYTER_PATH."""
    spec = folder / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "ctkit benchmarks", "language": "python"}), "utf-8")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(folder)] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p])


def run_one(nb: Path, data: Path, work: Path) -> dict:
    """One papermill run: wall time, summed cell durations, slowest cell, error if any."""
    import resource

    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    out = work / f"{nb.stem}.out.ipynb"
    error = None
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(str(nb), str(out), parameters={"data_dir": str(data)},
                                   kernel_name=KERNEL, language="python", progress_bar=False,
                                   log_output=False, cwd=str(work), start_timeout=120,
                                   request_save_on_cell_execute=False)
    except PapermillExecutionError as exc:
        error = f"{exc.ename}: {' '.join(str(exc.evalue).split())[:300]}"
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the kernel, reaped at shutdown
    cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
    cells, slow, per_cell = 0.0, (0.0, ""), []
    if out.exists():
        for cell in nbformat.read(out, as_version=4).cells:
            d = (cell.get("metadata", {}).get("papermill", {}) or {}).get("duration") or 0.0
            cells += d
            first = next((ln for ln in cell.source.splitlines()
                          if ln.strip() and not ln.lstrip().startswith("#")), "")
            if cell.cell_type == "code":
                per_cell.append([round(d, 2), first[:70]])
            if d > slow[0]:
                slow = (d, first[:70])
        out.unlink()
    return {"wall_s": wall, "kernel_cpu_s": cpu, "cells_s": cells, "slowest_cell_s": slow[0],
            "slowest_cell": slow[1], "error": error, "cells": per_cell}


def markdown(res: dict, command: str) -> str:
    """The docs/performance.md section."""
    sizes = res["sizes"]
    big = sizes[-1]
    rows = []
    for name in res["notebooks"]:
        cells, errs = [], []
        for sz in sizes:
            r = sz["notebooks"][name]
            cells.append(f"{C.fmt(r['median_wall_s'])} / {C.fmt(r['median_cells_s'])}")
            errs += [f"{sz['articles']:,}: {e}" for e in r["errors"][:1]]
        b = big["notebooks"][name]
        met = b["median_wall_s"] < res["target_s"]
        worst = max(x["wall_s"] for x in b["runs"])
        rows.append([f"`{name}`", *cells, C.fmt(worst), C.fmt(b.get("median_kernel_cpu_s")),
                     f"{b['slowest_cell_s']:.1f} s: `{C.cell(b['slowest_cell'], 60)}`",
                     ("**failed** (" + C.cell("; ".join(errs), 160) + ")") if errs
                     else ("met" if met else "**not met**")])
    def facts(sz: dict) -> str:
        rep = sz.get("replicated")
        how = (f"a real parse of {rep['base_articles']:,} articles replicated x{rep['times']}"
               if rep else "a real parse")
        return (f"{sz['articles']:,} articles ({how}; {sz['rows'].get('countries', 0):,} "
                f"country rows, {sz['rows'].get('events', 0):,} event rows)")
    return "\n".join([
        "## Notebooks (papermill)", "",
        f"`{command}` — {C.machine_line(res['machine'])} Tables: "
        + "; ".join(facts(sz) for sz in sizes) + ". Each notebook run by "
        f"`papermill.execute_notebook` with `data_dir` set, {res['rounds']} interleaved "
        "round(s), medians (the 2 cores are shared with other jobs: single runs vary by "
        "±30%). 'wall' includes kernel start-up and imports; 'cells' is the sum of "
        "papermill's per-cell durations; 'kernel CPU' is the user + system time of the "
        "kernel process (close to its wall time: the notebooks are CPU-bound on about one "
        "core, which other jobs also slow down). Target (issue 7): wall < "
        f"{res['target_s']:.0f} s at {big['articles']:,} articles.", "",
        *([f"**The {big['articles']:,}-article tables are replicated, not parsed**: every "
           f"table of the real {big['replicated']['base_articles']:,}-article parse repeated "
           f"x{big['replicated']['times']} with fresh `article_id`/`event_id` and every other "
           "column kept (`replicated()` in benchmarks/notebooks.py; `published` not shifted, so "
           "each period holds that many times the articles). Row counts and value "
           "distributions are those of a real parse; the numbers of distinct outlets, partners, "
           "words and event keys are those of the small parse, which flatters steps whose cost "
           "grows with them (the per-(type, partners, day) loop of `event_reports`, the "
           "distinct words of `outlet_terms`).", ""] if big.get("replicated") else []),
        C.table(["notebook", *[f"{sz['articles']:,} articles: wall / cells s" for sz in sizes],
                 f"slowest run at {big['articles']:,}: wall s",
                 f"kernel CPU s at {big['articles']:,} (median)",
                 f"slowest cell at {big['articles']:,}", f"< {res['target_s']:.0f} s (median)"],
                rows),
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None, help="parsed tables (default: scale.py's output)")
    ap.add_argument("--times", type=int, default=100,
                    help="replicate the 10k tables this many times (1 = 10k only)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="one round")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rounds = 1 if a.quick else a.rounds
    machine = C.machine()
    datas = tables(a.data, a.times, a.seed)
    nbs = sorted((C.ROOT / "notebooks").glob("*.ipynb"))
    logging.getLogger("papermill").setLevel(logging.WARNING)
    runs: dict[tuple[Path, str], list[dict]] = {(d, nb.stem): [] for d in datas for nb in nbs}
    with tempfile.TemporaryDirectory(prefix="ctkit-bench-kernel-") as kdir, \
            C.scratch("notebooks-") as work:
        kernelspec(Path(kdir))
        for r in range(rounds):
            for data in datas:
                for nb in nbs:
                    C.log(f"round {r + 1}/{rounds}: {nb.name} on {data}")
                    one = run_one(nb, data, work)
                    runs[(data, nb.stem)].append(one)
                    C.log(f"  {one['wall_s']:.1f}s {one['error'] or ''}")
    sizes = []
    for data in datas:
        manifest = json.loads((data / "_ctkit.json").read_text("utf-8"))
        summary = {}
        for nb in nbs:
            rs = runs[(data, nb.stem)]
            slow = max(rs, key=lambda x: x["slowest_cell_s"])
            summary[nb.stem] = {"runs": rs, "median_wall_s": C.median([x["wall_s"] for x in rs]),
                                "median_cells_s": C.median([x["cells_s"] for x in rs]),
                                "median_kernel_cpu_s": C.median([x.get("kernel_cpu_s", 0.0)
                                                                 for x in rs]),
                                "slowest_cell_s": slow["slowest_cell_s"],
                                "slowest_cell": slow["slowest_cell"],
                                "errors": [x["error"] for x in rs if x["error"]]}
        rep = manifest.get("replicated")
        sizes.append({"data_dir": str(data), "articles": manifest["rows"]["articles"],
                      "rows": manifest["rows"], "notebooks": summary,
                      "replicated": {"times": rep["times"], "from": rep["from"],
                                     "base_articles": manifest["rows"]["articles"]
                                     // rep["times"]} if rep else None})
    sizes.sort(key=lambda s: s["articles"])
    command = ".venv/bin/python benchmarks/notebooks.py" + (" --quick" if a.quick else "") + (
        f" --data {a.data}" if a.data else "") + (f" --times {a.times}" if a.times != 100
                                                  else "") + (
        f" --rounds {a.rounds}" if a.rounds != 3 and not a.quick else "")
    C.finish(machine)
    res = {"machine": machine, "command": command, "rounds": rounds, "target_s": TARGET_S,
           "sizes": sizes, "notebooks": [nb.stem for nb in nbs]}
    C.publish(NAME, res, markdown(res, command))
    for s in sizes:
        for name, r in s["notebooks"].items():
            print(f"{s['articles']:,} {name}: {r['median_wall_s']:.1f}s wall, "
                  f"{r['median_cells_s']:.1f}s cells{' FAILED' if r['errors'] else ''}",
                  file=sys.stderr)


if __name__ == "__main__":
    main()
