"""Time each notebook in notebooks/ run by papermill on parsed tables (issue 7: < 30 s each).

    .venv/bin/python benchmarks/notebooks.py [--quick] [--rounds 2] [--size 100000 | --data DIR]

Runs on the tables of 10k generated articles (parsed here when missing) and on the 100k-article
tables kept by benchmarks/scale.py when present (`--size` picks another kept size, `--data` one
folder). Each notebook runs with papermill on a kernel of this interpreter, `data_dir` set, in
interleaved rounds; reported: wall time per run (kernel start-up included), the summed cell time
papermill records, medians over rounds, the slowest cell, and the cell time projected to 1M
articles along the line through the two sizes (issue 7's target is on the 1M tables).
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


def tables(data: str | None, size: int, seed: int) -> list[Path]:
    """Table folders to run on: the one given, else 10k (parsed when missing) and `size` if
    scale.py kept it (two sizes give the slope for a projection)."""
    if data:
        return [Path(data).resolve()]
    big = C.TMP / f"parsed-s{seed}-n{size}"
    small = parsed(10_000, seed)
    return [small] + ([big] if size != 10_000 and (big / "_ctkit.json").exists() else [])


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
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    out = work / f"{nb.stem}.out.ipynb"
    error = None
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(str(nb), str(out), parameters={"data_dir": str(data)},
                                   kernel_name=KERNEL, language="python", progress_bar=False,
                                   log_output=False, cwd=str(work), start_timeout=120,
                                   request_save_on_cell_execute=False)
    except PapermillExecutionError as exc:
        error = f"{exc.ename}: {' '.join(str(exc.evalue).split())[:300]}"
    wall = time.perf_counter() - t0
    cells, slow = 0.0, (0.0, "")
    if out.exists():
        for cell in nbformat.read(out, as_version=4).cells:
            d = (cell.get("metadata", {}).get("papermill", {}) or {}).get("duration") or 0.0
            cells += d
            if d > slow[0]:
                first = next((ln for ln in cell.source.splitlines()
                              if ln.strip() and not ln.lstrip().startswith("#")), "")
                slow = (d, first[:70])
        out.unlink()
    return {"wall_s": wall, "cells_s": cells, "slowest_cell_s": slow[0],
            "slowest_cell": slow[1], "error": error}


def project(points: list[tuple[int, float]], n: int = 1_000_000) -> float | None:
    """Cell time at n articles on the line through the two largest sizes (None with one)."""
    if len(points) < 2:
        return None
    (n1, s1), (n2, s2) = sorted(points)[-2:]
    return s2 + (s2 - s1) / (n2 - n1) * (n - n2) if n2 != n1 else None


def markdown(res: dict, command: str) -> str:
    """The docs/performance.md section."""
    sizes = res["sizes"]
    rows = []
    for name in res["notebooks"]:
        cells, errs = [], []
        for s in sizes:
            r = s["notebooks"][name]
            cells.append(f"{C.fmt(r['median_wall_s'])} / {C.fmt(r['median_cells_s'])}")
            errs += [f"{s['articles']:,}: {e}" for e in r["errors"][:1]]
        big = sizes[-1]["notebooks"][name]
        proj = res["projection_1m"].get(name)
        rows.append([f"`{name}`", *cells,
                     f"{big['slowest_cell_s']:.1f} s: `{C.cell(big['slowest_cell'], 70)}`",
                     f"{proj:,.0f} s" if proj is not None else "–",
                     "ok" if not errs else "**failed** (" + C.cell("; ".join(errs), 160) + ")"])
    facts = "; ".join(f"{s['articles']:,} articles ({s['rows'].get('countries', 0):,} country "
                      f"rows, {s['rows'].get('events', 0):,} event rows, `{s['data_dir']}`)"
                      for s in sizes)
    return "\n".join([
        "## Notebooks (papermill)", "",
        f"`{command}` — {C.machine_line(res['machine'])} Tables: {facts}. Each notebook run "
        f"by `papermill.execute_notebook` with `data_dir` set, {res['rounds']} interleaved "
        "round(s), medians. 'wall' includes kernel start-up and imports; 'cells' is the sum "
        "of papermill's per-cell durations. The issue's target (< 30 s each) is on "
        "1M-article tables, not measured here; the projection extends the cell time along "
        "the line through the two sizes measured — an estimate, not a measurement.", "",
        C.table(["notebook", *[f"{s['articles']:,} articles: wall / cells s" for s in sizes],
                 f"slowest cell at {sizes[-1]['articles']:,}", "cells at 1M (projected)",
                 "status"], rows),
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=None, help="parsed tables (default: scale.py's output)")
    ap.add_argument("--size", type=int, default=100_000, help="scale.py output size to use")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--quick", action="store_true", help="one round")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rounds = 1 if a.quick else a.rounds
    machine = C.machine()
    datas = tables(a.data, a.size, a.seed)
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
                                "slowest_cell_s": slow["slowest_cell_s"],
                                "slowest_cell": slow["slowest_cell"],
                                "errors": [x["error"] for x in rs if x["error"]]}
        sizes.append({"data_dir": str(data), "articles": manifest["rows"]["articles"],
                      "rows": manifest["rows"], "notebooks": summary})
    sizes.sort(key=lambda s: s["articles"])
    proj = {nb.stem: project([(s["articles"], s["notebooks"][nb.stem]["median_cells_s"])
                              for s in sizes]) for nb in nbs}
    command = ".venv/bin/python benchmarks/notebooks.py" + (" --quick" if a.quick else "") + (
        f" --data {a.data}" if a.data else "")
    C.finish(machine)
    res = {"machine": machine, "command": command, "rounds": rounds, "target_s": TARGET_S,
           "sizes": sizes, "notebooks": [nb.stem for nb in nbs], "projection_1m": proj}
    C.write_json(NAME, res)
    C.write_section(NAME, markdown(res, command))
    for s in sizes:
        for name, r in s["notebooks"].items():
            print(f"{s['articles']:,} {name}: {r['median_wall_s']:.1f}s wall, "
                  f"{r['median_cells_s']:.1f}s cells{' FAILED' if r['errors'] else ''}",
                  file=sys.stderr)


if __name__ == "__main__":
    main()
