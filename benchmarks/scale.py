"""Growth curve: `ctkit parse --engine process --workers 2` on 10k, 100k (and 1M) articles.

    .venv/bin/python benchmarks/scale.py [--full] [--sizes 10000,100000] [--quick]

Each corpus is streamed to a folder by `ctkit.sample` (2 generator processes, never held in
memory; cached under the benchmark tmp folder), then parsed by the CLI while a sampler polls
/proc for the memory of the whole process tree (parent + workers). Reports wall time, time per
article and peak memory per size: time should grow linearly, memory stay flat (issue 7 targets:
1M articles < 15 min, peak RSS < 2 GB). Default sizes 10k and 100k; `--full` adds 1M. The parsed
tables of each size are kept (for benchmarks/notebooks.py); their folders are in the JSON.
Just before, every 2 minutes during (`_common.HostProbe`) and just after each parse,
`_common.host_speed` measures how fast the shared host runs Python (a fixed workload without
ctkit, per CPU-second): a slow run on a slow host can be told apart.
Writes benchmarks/results/scale.json and the `scale` section of docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import _common as C

NAME = "scale"
TARGET_1M_S = 15 * 60
TARGET_RSS = 2 * 10**9


def parsed_dir(n: int, seed: int) -> Path:
    """Where the tables parsed from the n-article corpus are kept."""
    return C.TMP / f"parsed-s{seed}-n{n}"


def parse(n: int, seed: int, workers: int) -> dict:
    """Generate (or reuse) the corpus, parse it with the process engine, measure the tree."""
    folder, files = C.corpus(n, seed=seed, workers=2, log=C.log)
    speed_before = C.host_speed()
    out = parsed_dir(n, seed)
    tmp_out = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp_out, ignore_errors=True)
    C.log(f"parsing {n:,} articles (process engine, {workers} workers)")
    with C.HostProbe() as during:
        res = C.run([str(C.CTKIT), "parse", str(folder), "--out", str(tmp_out), "--engine",
                     "process", "--workers", str(workers)], sample=True).check()
    manifest = json.loads((tmp_out / "_ctkit.json").read_text("utf-8"))
    shutil.rmtree(out, ignore_errors=True)
    tmp_out.rename(out)
    rows = manifest["rows"]
    speed_after = C.host_speed()
    C.log(f"  {n:,}: {res.seconds:.0f}s, tree RSS {res.tree_rss / 1e6:.0f} MB, host speed "
          f"{speed_before:.0f} before, {_during(during.readings)} during, {speed_after:.0f} "
          "after")
    return {"articles": n, "input_bytes": sum(b for _, _, b in files), "wall_s": res.seconds,
            "cpu_s": res.cpu_s, "per_article_ms": 1000 * res.seconds / n,
            "articles_per_s": n / res.seconds, "tree_rss": res.tree_rss,
            "tree_pss": res.tree_pss, "max_process_rss": res.maxrss, "processes": res.procs,
            "parent_rss": res.root_rss, "worker_rss": res.child_rss,
            "cpu_ms_per_article": 1000 * res.cpu_s / n,
            "rows": rows, "stdout": res.stdout.strip(), "output": str(out),
            "host_speed": [speed_before, speed_after], "host_speed_during": during.readings,
            "output_bytes": sum(p.stat().st_size for p in out.iterdir())}


def _during(readings: list[float]) -> str:
    """Host speed while the parse ran: median (min-max) of the readings, "-" if none."""
    if len(readings) < 2:
        return "".join(f"{x:.0f}" for x in readings) or "-"
    return f"{C.median(readings):.0f} ({min(readings):.0f}-{max(readings):.0f})"


def _speeds(run: dict) -> str:
    """The host-speed cell: before / during / after (older results have no `during`)."""
    speed = run.get("host_speed", [])
    if len(speed) != 2:
        return ""
    return f"{speed[0]:.0f} / {_during(run.get('host_speed_during', []))} / {speed[1]:.0f}"


def markdown(res: dict, command: str) -> str:
    """The docs/performance.md section."""
    runs = res["runs"]
    base = runs[0]
    rows = [[f"{r['articles']:,}", f"{r['input_bytes'] / 1e9:.2f} GB", C.fmt(r["wall_s"]),
             f"{r['per_article_ms']:.2f}", f"{r['per_article_ms'] / base['per_article_ms']:.2f}",
             f"{r['cpu_ms_per_article']:.2f}",
             f"{r['cpu_ms_per_article'] / base['cpu_ms_per_article']:.2f}",
             C.fmt(r["articles_per_s"]), C.mb(r["tree_rss"]), C.mb(r["tree_pss"]),
             C.mb(r.get("parent_rss")), C.mb(r.get("worker_rss")), r["processes"],
             f"{r['rows']['articles']:,}", f"{r['output_bytes'] / 1e6:,.0f} MB",
             _speeds(r)] for r in runs]
    big = max(runs, key=lambda r: r["articles"])
    one_m = next((r for r in runs if r["articles"] >= 1_000_000), None)
    if one_m:
        t_line = (f"1M articles: {one_m['wall_s'] / 60:.1f} min (target < 15 min: "
                  f"{'met' if one_m['wall_s'] < TARGET_1M_S else '**not met**'}).")
    else:
        proj = big["wall_s"] * 1_000_000 / big["articles"]
        t_line = (f"1M articles not run (`--full`); linear projection from "
                  f"{big['articles']:,}: {proj / 60:.0f} min (target < 15 min: "
                  f"{'on track' if proj < TARGET_1M_S else '**not met**'}).")
    peak = max(r["tree_rss"] for r in runs)
    return "\n".join([
        "## Scale: growth curve on 2 cores", "",
        f"`{command}` — {C.machine_line(res['machine'])} `ctkit parse DIR --out OUT --engine "
        f"process --workers {res['workers']}` on corpora streamed to disk by `ctkit.sample` "
        f"(seed {res['seed']}, all its languages: EN/FR with Arabic chrome, and AR), one run "
        "per size. Memory is sampled every 0.25 s over the whole process tree (CLI parent + "
        "pool workers): summed RSS counts pages shared by the forked workers once per process "
        "(an upper bound), PSS splits them; parent and largest worker are the sampled peaks "
        "of the CLI process and of its biggest child. Time per article relative to the "
        "smallest size shows linearity (1.00 = linear); CPU time (user + system of the whole "
        "tree) is the steadier measure on this shared machine, where wall time depends on "
        "what else runs. Host speed: rounds per CPU-second of a fixed Python workload that does "
        "not use ctkit (`_common.host_speed`, one core, 2 s of its CPU time), taken just before "
        "each parse, every 2 minutes during it (median and range; each reading takes 2 s of "
        "a core from the parse) and just after: it tells how fast the shared host was, so "
        "that runs made at different times can be compared.",
        "",
        C.table(["articles", "input", "wall s", "wall ms/article", "× first",
                 "CPU ms/article", "× first", "articles/s", "peak tree RSS", "peak tree PSS",
                 "parent RSS", "largest worker RSS", "procs", "articles rows",
                 "tables on disk", "host speed before / during / after"], rows), "",
        t_line + f" Peak tree RSS {peak / 1e6:,.0f} MB (target < 2 GB: "
        f"{'met' if peak < TARGET_RSS else '**not met**'}).",
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="also 1,000,000 articles (long)")
    ap.add_argument("--quick", action="store_true", help="1,000 and 10,000 articles")
    ap.add_argument("--sizes", default=None, help="comma-separated sizes (overrides the rest)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    sizes = ([int(s) for s in a.sizes.split(",")] if a.sizes else
             [1_000, 10_000] if a.quick else
             [10_000, 100_000] + ([1_000_000] if a.full else []))
    machine = C.machine()
    runs = [parse(n, a.seed, a.workers) for n in sizes]
    command = ".venv/bin/python benchmarks/scale.py" + (
        f" --sizes {a.sizes}" if a.sizes else " --quick" if a.quick else
        " --full" if a.full else "")
    C.finish(machine)
    res = {"machine": machine, "command": command, "workers": a.workers, "seed": a.seed,
           "runs": runs, "outputs": {str(r["articles"]): r["output"] for r in runs},
           "targets": {"1M_wall_s": TARGET_1M_S, "peak_rss": TARGET_RSS}}
    C.publish(NAME, res, markdown(res, command))
    for r in runs:
        print(f"{r['articles']:>9,}: {r['wall_s']:8.1f}s {r['per_article_ms']:.2f} ms/article "
              f"tree RSS {r['tree_rss'] / 1e6:,.0f} MB", file=sys.stderr)


if __name__ == "__main__":
    main()
