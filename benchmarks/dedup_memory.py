"""Memory of the parent's near-duplicate state per article: Python dicts vs `_FirstSeen`.

    .venv/bin/python benchmarks/dedup_memory.py [--n 1000000]

The parent process keeps, for every article, its 9 LSH band keys (first article per band),
its MinHash signature, its id and its content digest (issue 7: flat memory at 1M articles).
Each layout is filled with `n` synthetic articles (random 64-bit keys, seeded) in a child
process of its own, which reports the RSS it grew by and its peak: "dicts" is the layout of
commit de9f297 (`dict` band -> id, `dict` id -> fingerprint, `dict` digest -> count), "index"
is `ctkit.pipeline._FirstSeen` with a flat signature buffer, as `_Dedup` keeps them now.
Writes benchmarks/results/dedup_memory.json and the `dedup_memory` section of
docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys

import _common as C

NAME = "dedup_memory"


def _rss() -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        return int(fh.read().split("VmRSS:")[1].split()[0]) * 1024


def fill(layout: str, n: int) -> dict:
    """Child mode: fill one layout with `n` synthetic articles; RSS growth and peak."""
    from ctkit.pipeline import BANDS, SIG, _FirstSeen

    rnd = random.Random(0)
    base = _rss()
    if layout == "dicts":
        first: dict = {}
        sigs: dict = {}
        copies: dict = {}
        for _ in range(n):
            aid = f"{rnd.getrandbits(64):016x}"
            copies[aid] = 1
            bands = tuple(rnd.getrandbits(64) for _ in range(BANDS))
            sigs[aid] = (bands, rnd.randbytes(SIG))
            for b in bands:
                first.setdefault(b, aid)
    else:
        index, seen, ids, buf = _FirstSeen(), _FirstSeen(), [], bytearray()
        for i in range(n):
            ids.append(f"{rnd.getrandbits(64):016x}")
            seen.setdefault(rnd.getrandbits(64), 0)
            buf += rnd.randbytes(SIG)
            for _ in range(BANDS):
                index.setdefault(rnd.getrandbits(64), i)
    return {"layout": layout, "articles": n, "grew": _rss() - base,
            "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "base": base}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--child", choices=["dicts", "index"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(fill(a.child, a.n)))
        return
    machine = C.machine()
    runs = []
    for layout in ("dicts", "index"):
        C.log(f"{layout}: {a.n:,} synthetic articles")
        out = subprocess.run([sys.executable, __file__, "--child", layout, "--n", str(a.n)],
                             check=True, capture_output=True, text=True).stdout
        runs.append(json.loads(out))
    command = ".venv/bin/python benchmarks/dedup_memory.py" + (
        f" --n {a.n}" if a.n != 1_000_000 else "")
    res = {"command": command, "machine": C.finish(machine), "runs": runs}
    rows = [[r["layout"], f"{r['articles']:,}", C.mb(r["grew"]),
             f"{r['grew'] / r['articles']:.0f} B", C.mb(r["peak"])] for r in runs]
    C.publish(NAME, res, "\n".join([
        "## Parent memory for near-duplicate links", "",
        f"`{command}` — {C.machine_line(machine)} Each layout filled with synthetic articles "
        "(9 random band keys, a 72-byte signature, an id and a digest each) in a child process; "
        "'grew' is the RSS it added, 'peak' the child's peak RSS (imports included).", "",
        C.table(["layout", "articles", "grew", "per article", "peak RSS"], rows)]))
    print(" / ".join(f"{r['layout']} {r['grew'] / r['articles']:.0f} B per article"
                     for r in runs), file=sys.stderr)


if __name__ == "__main__":
    main()
