"""`ctkit parse --incremental` on a grown folder vs a full parse of it: time and identical tables.

    .venv/bin/python benchmarks/incremental.py [--full | --quick | --million] [--new 0.01]

A folder holds the first articles of a generated corpus (10k; `--full` 100k; `--quick` 1,000)
minus a share of them (`--new`, 1%), which is parsed in full. Then the missing articles are
added (hard links) and the folder is parsed again with `--incremental` into the same output,
and in full into another; both runs are timed with the memory of their process tree, and every
parquet file of the two outputs is compared with `pandas.testing.assert_frame_equal`. Two
cases: the new articles at the end of the folder (a feed that grows), spread through it
(every 100th file: the most runs of reused and new files), and at the end of a folder that was
moved before the rerun (every file has a new name: reused by its content). Issue 7: a rerun
costs time in proportion to the new documents. Writes benchmarks/results/incremental.json and the
`incremental` section of docs/performance.md.

`--million` checks memory at the issue's scale target instead: 1,000,000 articles, new files
at the end, and no second full parse (20 minutes): the baseline is the first parse (99% of the
files) of the same run. Writes incremental_1m.json and the `incremental_1m` section.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from pathlib import Path

import _common as C
from dask_engine import compare

NAME = "incremental"
CASES = ("at the end", "spread", "moved")


def new_files(names: list[str], share: float, case: str) -> set[str]:
    """The files held back from the first parse."""
    k = max(1, round(len(names) * share))
    if case == "at the end":
        return set(names[-k:])
    step = max(1, len(names) // k)
    return set(names[step - 1::step][:k])


def one_case(folder: Path, names: list[str], share: float, case: str, work: Path, *,
             full_parse: bool = True) -> dict:
    """First parse without the new files, then the incremental and (`full_parse`) the full
    parse of all.

    The outputs are compared later (`check`), after every run: reading them makes this
    process large, and a child's peak RSS as the kernel reports it starts at its parent's
    size when it is forked."""
    held = new_files(names, share, "at the end" if case == "moved" else case)
    inputs = work / f"in-{len(case)}"
    shutil.rmtree(inputs, ignore_errors=True)
    inputs.mkdir()
    for name in names:
        if name not in held:
            os.link(folder / name, inputs / name)
    out, full = work / f"incremental-{len(case)}", work / f"full-{len(case)}"
    for p in (out, full):
        shutil.rmtree(p, ignore_errors=True)
    C.log(f"{case}: first parse of {len(names) - len(held):,} files")
    first = C.run([str(C.CTKIT), "parse", str(inputs), "--out", str(out)], sample=True).check()
    for name in held:
        os.link(folder / name, inputs / name)
    if case == "moved":
        moved = work / "in-moved-here"
        shutil.rmtree(moved, ignore_errors=True)
        inputs = inputs.rename(moved)
    code = C.code_hash()
    C.log(f"{case}: {len(held):,} files added; incremental parse")
    inc = C.run([str(C.CTKIT), "parse", str(inputs), "--out", str(out), "--incremental"],
                sample=True).check()
    whole = None
    if full_parse:
        C.log(f"{case}: full parse of {len(names):,} files")
        whole = C.run([str(C.CTKIT), "parse", str(inputs), "--out", str(full)],
                      sample=True).check()
    shutil.rmtree(inputs, ignore_errors=True)
    return {
        "case": case, "files": len(names), "new": len(held),
        "first": {"wall_s": first.seconds, "cpu_s": first.cpu_s, "tree_rss": first.tree_rss,
                  "tree_pss": first.tree_pss, "parent_rss": first.root_rss},
        "incremental": {"wall_s": inc.seconds, "cpu_s": inc.cpu_s, "tree_rss": inc.tree_rss,
                        "tree_pss": inc.tree_pss, "parent_rss": inc.root_rss,
                        "stdout": inc.stdout.strip()[-300:]},
        "full": whole and {"wall_s": whole.seconds, "cpu_s": whole.cpu_s,
                           "tree_rss": whole.tree_rss, "tree_pss": whole.tree_pss,
                           "parent_rss": whole.root_rss},
        "code_changed": C.code_hash() != code, "outputs": [str(out), str(full)]}


def check(result: dict) -> dict:
    """`result` with its two outputs compared (then removed)."""
    out, full = (Path(p) for p in result.pop("outputs"))
    checks = compare(out, full)
    for p in (out, full):
        shutil.rmtree(p, ignore_errors=True)
    return {**result, "checks": checks,
            "identical": bool(checks) and all(v == "identical" for v in checks.values())}


def rows_only(result: dict) -> dict:
    """`result` (`--million`: no full parse to compare with) with its output's row counts."""
    import json

    out = Path(result.pop("outputs")[0])
    rows = json.loads((out / "_ctkit.json").read_text("utf-8"))["rows"]
    shutil.rmtree(out, ignore_errors=True)
    return {**result, "rows": rows}


def markdown_million(res: dict, command: str) -> str:
    """The docs/performance.md section of `--million`."""
    r = res["cases"][0]
    inc, first = r["incremental"], r["first"]
    row = [f"{r['files']:,}", f"{r['new']:,}", C.fmt(first["wall_s"]), C.fmt(inc["wall_s"]),
           f"{inc['wall_s'] / first['wall_s']:.2f}", C.mb(first["tree_rss"]),
           C.mb(inc["tree_rss"]), C.mb(inc["tree_pss"]), C.mb(first["parent_rss"]),
           C.mb(inc["parent_rss"]), f"{r['rows']['articles']:,}"]
    return "\n".join([
        "## Incremental run at a million articles", "",
        f"`{command}` — {C.machine_line(res['machine'])} The first {r['files'] - r['new']:,} "
        f"of {r['files']:,} generated articles (`ctkit.sample`, seed {res['seed']}) parsed "
        "in full (default engine), then the last "
        f"{r['new']:,} added and the folder parsed again with `--incremental`. The baseline is "
        "that first parse, in the same run (a second full parse would take 20 minutes; the "
        "tables of incremental and full runs are compared in the `incremental` section).", "",
        C.table(["files", "new", "first parse s", "incremental s", "wall ratio",
                 "first tree RSS", "incremental tree RSS", "incremental tree PSS",
                 "first parent RSS", "incremental parent RSS", "articles"], [row]),
    ])


def markdown(res: dict, command: str) -> str:
    """The docs/performance.md section."""
    rows = []
    for r in res["cases"]:
        inc, full = r["incremental"], r["full"]
        reused = re.search(r"(\d+) of \d+ input files reused", inc["stdout"])
        rows.append([r["case"], f"{r['files']:,}", f"{r['new']:,}",
                     f"{int(reused[1]):,}" if reused else "?", C.fmt(inc["wall_s"]),
                     C.fmt(full["wall_s"]), f"{inc['wall_s'] / full['wall_s']:.2f}",
                     f"{inc['cpu_s'] / full['cpu_s']:.2f}", C.mb(inc["tree_pss"]),
                     C.mb(full["tree_pss"]), C.mb(inc["parent_rss"]),
                     "identical" if r["identical"] else "**differ**: " + ", ".join(
                         k for k, v in r["checks"].items() if v != "identical")])
    return "\n".join([
        "## Incremental runs", "",
        f"`{command}` — {C.machine_line(res['machine'])} A folder of generated articles "
        f"(`ctkit.sample`, seed {res['seed']}) parsed without {res['share']:.0%} of them, "
        "which are then added; `ctkit parse DIR --out OUT --incremental` (default engine) into "
        "the same output vs a full parse of the grown folder into another, one run each. "
        "Every parquet file of the two outputs (side files too) compared with "
        "`pandas.testing.assert_frame_equal`. Memory: peak PSS of the process tree (pages "
        "shared by the forked workers counted once) and the CLI process's own peak.", "",
        C.table(["new files", "files", "new", "reused", "incremental s", "full s", "wall ratio",
                 "CPU ratio", "incremental tree PSS", "full tree PSS",
                 "incremental parent RSS", "tables"], rows), "",
        "What an incremental run still pays for, whatever the number of new files: reading the "
        "previous output (by row group, text included), hashing every input file to find what "
        "changed, and writing every table again (the output is replaced atomically, never "
        "edited in place).",
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--full", action="store_true", help="100,000 articles")
    ap.add_argument("--quick", action="store_true", help="1,000 articles")
    ap.add_argument("--million", action="store_true",
                    help="1,000,000 articles, new ones at the end, no second full parse")
    ap.add_argument("--new", type=float, default=0.01, help="share of new files (default 0.01)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    n = 1_000 if a.quick else 100_000 if a.full else 1_000_000 if a.million else 10_000
    machine = C.machine()
    folder, files = C.corpus(n, seed=a.seed, workers=2, log=C.log)
    names = [name for name, _, _ in files]
    with C.scratch("incremental-") as work:
        if a.million:
            cases = [rows_only(one_case(folder, names, a.new, CASES[0], work,
                                        full_parse=False))]
        else:
            cases = [one_case(folder, names, a.new, case, work) for case in CASES]
            cases = [check(r) for r in cases]
    command = ".venv/bin/python benchmarks/incremental.py" + (
        " --quick" if a.quick else " --full" if a.full else " --million" if a.million else ""
    ) + (f" --new {a.new}" if a.new != 0.01 else "")
    C.finish(machine)
    res = {"machine": machine, "command": command, "seed": a.seed, "share": a.new,
           "cases": cases}
    if a.million:
        C.publish(NAME + "_1m", res, markdown_million(res, command))
        print(f"incremental {cases[0]['incremental']['wall_s']:.1f}s vs first parse "
              f"{cases[0]['first']['wall_s']:.1f}s", file=sys.stderr)
        return
    C.publish(NAME, res, markdown(res, command))
    for r in cases:
        print(f"{r['case']}: incremental {r['incremental']['wall_s']:.1f}s vs full "
              f"{r['full']['wall_s']:.1f}s, identical={r['identical']}", file=sys.stderr)


if __name__ == "__main__":
    main()
