"""The `dask` engine (LocalCluster, 2 workers) vs the `process` engine: time and identical tables.

    .venv/bin/python benchmarks/dask_engine.py [--full] [--rounds 2] [--quick]

Parses the same generated corpus (10k articles; `--full` adds 100k; `--quick` 1,000) with
`ctkit parse --engine process --workers 2` and `--engine dask --workers 2`, interleaved
(process, dask, dask, process, ...), measuring wall time and the peak memory of the process
tree. Then compares every parquet table of the first dask output with the first process output
(and the two process outputs with each other) with `pandas.testing.assert_frame_equal`,
excluding nothing. Writes benchmarks/results/dask_engine.json and the `dask` section of
docs/performance.md.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import _common as C

NAME = "dask_engine"
SECTION = "dask"
ENGINES = ("process", "dask")


def compare(a: Path, b: Path) -> dict[str, str]:
    """Table -> "identical" or the first lines of assert_frame_equal's message."""
    import pandas as pd
    from pandas.testing import assert_frame_equal

    out = {}
    names = sorted({p.name for p in a.glob("*.parquet")} | {p.name for p in b.glob("*.parquet")})
    for name in names:
        if not (a / name).exists() or not (b / name).exists():
            out[name] = "missing in one output"
            continue
        try:
            assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))
            out[name] = "identical"
        except AssertionError as exc:
            out[name] = " ".join(str(exc).split())[:400]
    return out


def one_size(n: int, rounds: int, seed: int, workers: int, work: Path) -> dict:
    """Interleaved runs of both engines on n articles, then the table comparison."""
    folder, _ = C.corpus(n, seed=seed, workers=2, log=C.log)
    order = [e for r in range(rounds) for e in (ENGINES if r % 2 == 0 else ENGINES[::-1])]
    runs: dict[str, list[dict]] = {e: [] for e in ENGINES}
    outs: dict[str, list[Path]] = {e: [] for e in ENGINES}
    code: dict[Path, str] = {}  # output -> hash of ctkit's code when its run started
    for i, engine in enumerate(order):
        out = work / f"{engine}-{n}-{i}"
        C.log(f"{n:,} articles: run {i + 1}/{len(order)}, engine {engine}")
        code[out] = C.code_hash()
        res = C.run([str(C.CTKIT), "parse", str(folder), "--out", str(out), "--engine", engine,
                     "--workers", str(workers)], sample=True)
        ok = res.returncode == 0
        runs[engine].append({"wall_s": res.seconds, "cpu_s": res.cpu_s, "ok": ok,
                             "returncode": res.returncode, "tree_rss": res.tree_rss,
                             "tree_pss": res.tree_pss, "max_process_rss": res.maxrss,
                             "processes": res.procs, "code_hash": code[out],
                             "stdout": res.stdout.strip()[-500:],
                             "stderr": "" if ok else res.stderr[-3000:]})
        C.log(f"  {res.seconds:.1f}s" + ("" if ok else f" FAILED rc={res.returncode}"))
        if ok:
            outs[engine].append(out)
        else:
            shutil.rmtree(out, ignore_errors=True)
    checks, changed = {}, {}
    pairs = {"dask vs process": ("process", 0, "dask", 0),
             "process vs process (rerun)": ("process", 0, "process", 1),
             "dask vs dask (rerun)": ("dask", 0, "dask", 1)}
    for label, (e1, i1, e2, i2) in pairs.items():
        if len(outs[e1]) > i1 and len(outs[e2]) > i2:
            a, b = outs[e1][i1], outs[e2][i2]
            checks[label] = compare(a, b)
            changed[label] = code[a] != code[b]
    for paths in outs.values():
        for p in paths:
            shutil.rmtree(p, ignore_errors=True)
    summary = {}
    for engine, rs in runs.items():
        good = [r for r in rs if r["ok"]]
        summary[engine] = {
            "median_wall_s": C.median([r["wall_s"] for r in good]) if good else None,
            "articles_per_s": n / C.median([r["wall_s"] for r in good]) if good else None,
            "peak_tree_rss": max((r["tree_rss"] for r in good), default=None),
            "peak_tree_pss": max((r["tree_pss"] for r in good), default=None),
            "failures": len(rs) - len(good)}
    return {"articles": n, "order": order, "runs": runs, "summary": summary, "checks": checks,
            "code_changed_between": changed,
            "identical": bool(checks.get("dask vs process")) and all(
                v == "identical" for v in checks["dask vs process"].values())}


def markdown(res: dict, command: str) -> str:
    """The docs/performance.md section."""
    rows, diffs = [], []
    for s in res["sizes"]:
        p, d = s["summary"]["process"], s["summary"]["dask"]
        ratio = (f"{d['median_wall_s'] / p['median_wall_s']:.2f}"
                 if p["median_wall_s"] and d["median_wall_s"] else "–")
        check = s["checks"].get("dask vs process")
        same = ("identical" if s["identical"] else
                "**differ**: " + ", ".join(k for k, v in check.items() if v != "identical")
                if check else "not compared (a run failed)")
        rows.append([f"{s['articles']:,}", C.fmt(p["median_wall_s"]), C.fmt(d["median_wall_s"]),
                     ratio, C.mb(p["peak_tree_rss"]), C.mb(d["peak_tree_rss"]),
                     C.mb(p["peak_tree_pss"]), C.mb(d["peak_tree_pss"]), same,
                     f"{p['failures']}/{d['failures']}"])
        for label, tables in s["checks"].items():
            note = (" (ctkit's code changed between these two runs)"
                    if s.get("code_changed_between", {}).get(label) else "")
            for table, msg in tables.items():
                if msg != "identical":
                    diffs.append(f"- {s['articles']:,} articles, {label}{note}, `{table}`: "
                                 f"{C.cell(msg, 400)}")
    lines = [
        "## Dask engine vs process engine", "",
        f"`{command}` — {C.machine_line(res['machine'])} `ctkit parse DIR --out OUT --engine "
        f"process|dask --workers {res['workers']}` (dask: a `LocalCluster` started by the CLI, "
        "start-up included) on the corpora of scale.py (`ctkit.sample`, seed "
        f"{res['seed']}), runs interleaved (process, dask, dask, process, ...), {res['rounds']} "
        "per engine (1 at 100k and above), medians. Tables compared per parquet file with "
        "`pandas.testing.assert_frame_equal`, nothing excluded.", "",
        C.table(["articles", "process s", "dask s", "dask / process", "process tree RSS",
                 "dask tree RSS", "process tree PSS", "dask tree PSS", "tables",
                 "failed runs (process/dask)"], rows),
    ]
    if diffs:
        lines += ["", "Differences:", "", *diffs]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="also 100,000 articles")
    ap.add_argument("--quick", action="store_true", help="1,000 articles only")
    ap.add_argument("--rounds", type=int, default=2, help="runs per engine (default 2)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    sizes = [1_000] if a.quick else [10_000] + ([100_000] if a.full else [])
    machine = C.machine()
    with C.scratch("dask-") as work:
        results = [one_size(n, a.rounds if n < 100_000 else 1, a.seed, a.workers, work)
                   for n in sizes]
    command = ".venv/bin/python benchmarks/dask_engine.py" + (
        " --quick" if a.quick else " --full" if a.full else "")
    C.finish(machine)
    res = {"machine": machine, "command": command, "workers": a.workers, "seed": a.seed,
           "rounds": a.rounds, "sizes": results}
    C.publish(NAME, res, markdown(res, command), section=SECTION)
    for s in results:
        print(f"{s['articles']:,}: process {s['summary']['process']['median_wall_s']}s, dask "
              f"{s['summary']['dask']['median_wall_s']}s, identical={s['identical']}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
