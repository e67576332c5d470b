"""Where parse time goes: cProfile of ctkit's parse (`local` engine) on generated articles.

    .venv/bin/python benchmarks/profile_parse.py [--n 2000] [--quick]

Profiles `ctkit.pipeline.parse_to` (what `ctkit parse` runs, writing parquet included) in this
process from a cold start (gazetteers built inside the profile, as in a CLI run), pinned to one
core, on `n` articles of the sample generator (EN/FR/AR, as `ctkit sample` makes them). Writes
the top functions by cumulative and by internal time, and internal time per module, to
benchmarks/results/profile_parse.json and the `profile` section of docs/performance.md. An
unprofiled `ctkit parse --engine local` of the same files gives the profiler's overhead.
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import sys
import time

import _common as C

NAME = "profile_parse"
SECTION = "profile"
TOP = 25


def label(key: tuple[str, int, str]) -> str:
    """A readable function name: path relative to the repo or site-packages, line, name."""
    file, line, func = key
    if file == "~":
        return func  # a builtin, e.g. "<method 'sub' of 're.Pattern' objects>"
    p = file.replace(str(C.ROOT) + "/", "")
    p = re.sub(r".*/site-packages/", "", p)
    p = re.sub(r".*/lib/python3\.\d+/", "stdlib/", p)
    return f"{p}:{line}({func})"


def module(key: tuple[str, int, str]) -> str:
    """The module or package a function belongs to, for the per-module totals."""
    file, _, func = key
    if file == "~":
        m = re.search(r"of '([\w.]+)", func) or re.search(r"<built-in method ([\w.]+)", func)
        name = m.group(1) if m else func
        return f"builtin: {name.split('.')[0]}" if "." in name else f"builtin: {name}"
    if file.startswith(str(C.ROOT)):
        return file.replace(str(C.ROOT) + "/", "")
    m = re.search(r"site-packages/([^/]+)", file)
    if m:
        return m.group(1).removesuffix(".py")
    m = re.search(r"/lib/python3\.\d+/([^/]+)", file)
    return f"stdlib: {m.group(1).removesuffix('.py')}" if m else file


def rows(stats: pstats.Stats, sort: int, total: float) -> list[dict]:
    """Top functions: sort 2 = internal time (tottime), 3 = cumulative."""
    items = sorted(stats.stats.items(), key=lambda kv: kv[1][sort], reverse=True)  # type: ignore
    return [{"function": label(k), "ncalls": nc, "primitive_calls": cc, "tottime": tt,
             "cumtime": ct, "tottime_share": tt / total, "cumtime_share": ct / total}
            for k, (cc, nc, tt, ct, _) in items[:TOP]]


def by_module(stats: pstats.Stats, total: float) -> list[dict]:
    """Internal time summed per module (ctkit file, package or builtin family)."""
    acc: dict[str, list[float]] = {}
    for k, (_, nc, tt, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        a = acc.setdefault(module(k), [0.0, 0])
        a[0] += tt
        a[1] += nc
    out = [{"module": m, "tottime": tt, "share": tt / total, "calls": int(nc)}
           for m, (tt, nc) in acc.items()]
    return sorted(out, key=lambda r: r["tottime"], reverse=True)[:TOP]


def callees(stats: pstats.Stats, parent: str, total: float) -> list[dict]:
    """Direct callees of the ctkit/pipeline.py function `parent`, with the time spent in them
    from that caller: how a stage's time splits among the steps it calls."""
    table = stats.stats  # type: ignore[attr-defined]
    keys = [k for k in table if k[2] == parent and k[0].endswith("ctkit/pipeline.py")]
    if not keys:
        return []
    own = table[keys[0]]
    out = [{"function": "(its own code)", "ncalls": own[1], "cumtime": own[2],
            "share": own[2] / total}]
    for k, (*_, callers) in table.items():
        if keys[0] in callers:
            _, nc, _, ct = callers[keys[0]]
            out.append({"function": label(k), "ncalls": nc, "cumtime": ct, "share": ct / total})
    return sorted(out, key=lambda r: r["cumtime"], reverse=True)


def measure(n: int, seed: int) -> dict:
    """Profile one parse, then time an unprofiled CLI parse of the same files."""
    machine = C.machine()
    core = C.pin_one_core()
    folder, files = C.corpus(n, seed=seed, log=C.log)
    from ctkit.options import Options
    from ctkit.pipeline import parse_to

    with C.scratch("profile-") as work:
        C.log(f"profiling the parse of {n:,} articles")
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        counts = parse_to(work / "out", [str(folder)], options=Options().with_(engine="local"))
        prof.disable()
        profiled = time.perf_counter() - t0
        C.log("unprofiled CLI parse of the same files")
        plain = C.run([str(C.CTKIT), "parse", str(folder), "--out", str(work / "plain"),
                       "--engine", "local"]).check()
    stats = pstats.Stats(prof)
    # shares are of the profiled call's cumulative time (the sum of internal times can differ
    # slightly from it: profiler overhead is attributed unevenly)
    total = max([stats.total_tt] + [ct for *_, ct, _ in stats.stats.values()])  # type: ignore
    langs: dict[str, int] = {}
    for _, lang, _ in files:
        langs[lang] = langs.get(lang, 0) + 1
    return {"machine": machine, "core": core, "seed": seed,
            "corpus": {"articles": n, "languages": langs,
                       "mean_bytes": sum(b for _, _, b in files) / n},
            "rows": counts, "profiled_s": profiled, "profile_total_tt": total,
            "unprofiled_cli_s": plain.seconds, "unprofiled_cli_cpu_s": plain.cpu_s,
            "cumulative": rows(stats, 3, total), "internal": rows(stats, 2, total),
            "modules": by_module(stats, total),
            "stages": {p: callees(stats, p, total) for p in ("run_chunk", "extract")}}


def markdown(res: dict, command: str) -> str:
    """The docs/performance.md section."""
    co = res["corpus"]
    langs = ", ".join(f"{k.upper()} {v:,}" for k, v in sorted(res["corpus"]["languages"].items()))

    def fn_rows(items: list[dict], key: str) -> list[list]:
        return [[i + 1, f"`{r['function']}`", f"{r['ncalls']:,}", f"{r['tottime']:.2f}",
                 f"{r['cumtime']:.2f}", f"{r[key + '_share']:.1%}"] for i, r in enumerate(items)]

    head = ["#", "function", "calls", "internal s", "cumulative s"]
    return "\n".join([
        "## Where parse time goes (cProfile)", "",
        f"`{command}` — {C.machine_line(res['machine'])} One core (core {res['core']}). "
        f"`ctkit.pipeline.parse_to` with the `local` engine on {co['articles']:,} generated "
        f"articles ({langs}; mean {co['mean_bytes'] / 1000:.1f} KB), from a cold process "
        "(gazetteers are built inside the profile, as in a CLI run; interpreter start-up and "
        "imports before the call are not). "
        f"Profiled run {res['profiled_s']:.1f} s wall; the same parse unprofiled through the "
        f"CLI (start-up included) {res['unprofiled_cli_s']:.1f} s wall, "
        f"{res['unprofiled_cli_cpu_s']:.1f} s CPU. Shares are of the profiled call's cumulative "
        f"time ({res['profile_total_tt']:.1f} s).", "",
        *[line for parent, items in res.get("stages", {}).items() if items for line in (
            f"### Inside `{parent}`: its direct callees", "",
            C.table(["called from " + parent, "calls", "cumulative s", "share of the parse"],
                    [[f"`{r['function']}`", f"{r['ncalls']:,}", f"{r['cumtime']:.2f}",
                      f"{r['share']:.1%}"] for r in items[:12] if r["share"] >= 0.002]), "")],
        "### Internal time per module", "",
        C.table(["module", "internal s", "share", "calls"],
                [[f"`{m['module']}`", f"{m['tottime']:.2f}", f"{m['share']:.1%}",
                  f"{m['calls']:,}"] for m in res["modules"][:15]]), "",
        f"### Top {TOP} functions by cumulative time", "",
        C.table(head + ["cumulative share"], fn_rows(res["cumulative"], "cumtime")), "",
        f"### Top {TOP} functions by internal time", "",
        C.table(head + ["internal share"], fn_rows(res["internal"], "tottime")),
    ])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2_000, help="articles (default 2000)")
    ap.add_argument("--quick", action="store_true", help="300 articles, for trying")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    n = 300 if a.quick else a.n
    res = measure(n, a.seed)
    command = ".venv/bin/python benchmarks/profile_parse.py" + (
        " --quick" if a.quick else f" --n {n}" if n != 2_000 else "")
    res["command"] = command
    C.finish(res["machine"])
    C.publish(NAME, res, markdown(res, command), section=SECTION)
    top = res["internal"][0]
    print(f"profiled {n} articles in {res['profiled_s']:.1f}s; top internal: "
          f"{top['function']} {top['tottime_share']:.1%}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
