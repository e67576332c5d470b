"""Shared helpers of the speed benchmarks: corpora, measured subprocesses, results and the doc.

Every script writes `benchmarks/results/<name>.json` (atomically) and regenerates its own section
of `docs/performance.md` between `<!-- name:start -->` and `<!-- name:end -->` markers.
Generated corpora are cached under `$CTKIT_BENCH_TMP` (default `<tmp>/ctkit-bench`), keyed by
size, seed and languages, so several scripts reuse one corpus; `rm -rf` that folder to free it.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks/results"
DOC = ROOT / "docs/performance.md"
PYTHON = Path(sys.executable)
CTKIT = PYTHON.with_name("ctkit")
TMP = Path(os.environ.get("CTKIT_BENCH_TMP") or Path(tempfile.gettempdir()) / "ctkit-bench")
CORPUS_MARKER = "_bench_corpus.json"  # "_" so that ctkit.ingest skips it

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# ---------------------------------------------------------------- results and the doc

def write_json(name: str, data: dict) -> Path:
    """Write `benchmarks/results/<name>.json` atomically."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", "utf-8")
    os.replace(tmp, out)
    return out


def read_json(name: str) -> dict | None:
    """A previous result, or None when that benchmark has not run."""
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text("utf-8")) if path.exists() else None


def publish(name: str, data: dict, markdown: str, *, section: str | None = None) -> None:
    """A benchmark's result: `benchmarks/results/<name>.json` and its section of the doc
    (`section`, by default the same name)."""
    write_json(name, data)
    write_section(section or name, markdown)


def write_section(name: str, markdown: str) -> None:
    """Replace the `name` section of docs/performance.md (appended when missing), atomically."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    lock = Path(tempfile.gettempdir()) / "ctkit-performance-md.lock"
    with open(lock, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # two scripts finishing together must not lose a section
        text = DOC.read_text("utf-8") if DOC.exists() else "# Performance\n"
        if start in text and end in text:
            head, rest = text.split(start, 1)
            text = head + block + rest.split(end, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        tmp = DOC.with_name(f".{DOC.name}.{os.getpid()}.tmp")
        tmp.write_text(text, "utf-8")
        os.replace(tmp, DOC)


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def cell(text: str, limit: int = 200) -> str:
    """Text safe inside a markdown table cell: one line, pipes escaped, at most `limit` chars."""
    text = " ".join(str(text).split())
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("|", "\\|")


def fmt(x: float | None) -> str:
    """A number for a table: about three significant digits, thousands separated; '–' for None."""
    if x is None:
        return "–"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}" if abs(x) >= 1 else f"{x:.3g}"


def mb(n_bytes: float | None) -> str:
    """Bytes as MB (10^6), for tables."""
    return "–" if n_bytes is None else f"{n_bytes / 1e6:,.0f} MB"


def median(values: Sequence[float]) -> float:
    """Median of the repeats (the machine is noisy; medians resist one slow round)."""
    return float(statistics.median(values))


# ---------------------------------------------------------------- the machine

def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def code_hash() -> str:
    """A hash of the ctkit package's files: tells whether the code changed between runs."""
    import hashlib

    h = hashlib.blake2b(digest_size=8)
    for f in sorted((ROOT / "ctkit").rglob("*")):
        if f.is_file() and "__pycache__" not in f.parts:
            h.update(str(f.relative_to(ROOT)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def machine() -> dict:
    """Where and when the numbers were measured (CPU, cores, memory, versions, commit)."""
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem = int(Path("/proc/meminfo").read_text().split()[1]) * 1024
    from importlib import metadata

    versions = {}
    for pkg in ("ctkit", "pandas", "pyarrow", "spacy", "pyahocorasick", "dask", "papermill"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[pkg] = metadata.version(pkg)
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", "ctkit")
    return {"date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "cpu": cpu, "cores": os.cpu_count(), "cores_usable": len(os.sched_getaffinity(0)),
            "memory_bytes": mem, "python": platform.python_version(),
            "platform": platform.platform(), "versions": versions,
            "commit": _git("rev-parse", "--short", "HEAD"),
            "ctkit_tree_modified": bool(dirty), "ctkit_code_hash": code_hash()}


def machine_line(m: dict) -> str:
    """The machine as one markdown line."""
    return (f"Measured {m['date'][:16].replace('T', ' ')} on {m['cpu'] or 'unknown CPU'}, "
            f"{m['cores']} cores, {m['memory_bytes'] / 2**30:.0f} GiB RAM, Python {m['python']}, "
            f"ctkit {m['versions'].get('ctkit', '?')} at commit {m['commit']}"
            f"{' (ctkit/ with uncommitted changes)' if m['ctkit_tree_modified'] else ''}."
            + (" **ctkit's code changed while this ran (the tree is edited by others); the "
               "numbers may mix versions.**" if m.get("code_changed_during_run") else ""))


def finish(m: dict) -> dict:
    """Mark `machine()`'s record when the package changed since it was taken; return it."""
    m["code_changed_during_run"] = code_hash() != m["ctkit_code_hash"]
    return m


def pin_one_core() -> int:
    """Run this process (and the children it starts) on one core; return that core."""
    core = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {core})
    return core


_PROBE = """
import collections, os, re, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
text = " ".join(f"word{i % 997} Maroc coopération sécuritaire {i}" for i in range(2000))
words = re.compile(r"\\w+")
rounds, t0 = 0, time.process_time()
while time.process_time() - t0 < float(sys.argv[1]):
    counts = collections.Counter(words.findall(text))
    "-".join(sorted(counts)[:100])
    rounds += 1
print(rounds / (time.process_time() - t0))
"""


def host_speed(seconds: float = 2.0) -> float:
    """How fast this shared machine runs Python now: rounds per CPU-second of a fixed
    interpreted workload (a regex word split, a Counter, a sort) on one core, in a fresh
    process, for `seconds` of its CPU time.

    The workload does not use ctkit, so its rate compares the host at different times: a
    long parse that ran while the probe read 20% below another run's ran on a slower host,
    whatever the code. Counted in CPU time, so that it reads the host's speed even while a
    parse keeps the cores busy (`HostProbe`); alone on a core, CPU time is wall time."""
    out = subprocess.run([sys.executable, "-c", _PROBE, str(seconds)], check=True,
                         capture_output=True, text=True).stdout
    return float(out)


class HostProbe:
    """`host_speed` every `every` seconds while a long benchmark runs (`with HostProbe() as
    p: ...`; readings in `p.readings`): a million-article parse lasts 15-25 minutes, and the
    host's speed moves within that time more than the probes just before and after it show.
    Each reading takes `seconds` of one core's time from the run (under 1% of two cores at
    the defaults)."""

    def __init__(self, *, every: float = 120.0, seconds: float = 2.0) -> None:
        self.every, self.seconds = every, seconds
        self.readings: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            self.readings.append(host_speed(self.seconds))

    def __enter__(self) -> HostProbe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------- generated corpora

def _generator_hash() -> str:
    """A hash of the sample generator's code and vocabulary (a cached corpus must match)."""
    import hashlib

    h = hashlib.blake2b(digest_size=8)
    for f in (ROOT / "ctkit/sample.py", ROOT / "ctkit/data/sample_vocab.json"):
        h.update(f.read_bytes() if f.exists() else b"")
    return h.hexdigest()


def _write_block(args: tuple[str, int, int, int, tuple[str, ...] | None]
                 ) -> list[tuple[str, str, int]]:
    """Generate pages start..start+n-1 into `folder`; (name, language, bytes) of those kept."""
    folder, seed, start, n, langs = args
    from ctkit.sample import generate

    kept = []
    for page in generate(n=n, seed=seed, start=start):
        lang = page.truth["language"]
        if langs and lang not in langs:
            continue
        data = page.text.encode(page.encoding)
        Path(folder, page.name).write_bytes(data)
        kept.append((page.name, lang, len(data)))
    return kept


def corpus(n: int, *, seed: int = 0, langs: Sequence[str] | None = None, workers: int = 2,
           log: Callable[[str], None] = print) -> tuple[Path, list[tuple[str, str, int]]]:
    """A folder of `n` generated articles as .txt files (only `langs` when given), cached.

    Pages are generated and written one by one in blocks by `workers` processes, never held in
    memory. Returns the folder and its (file name, language, bytes) in input order.
    """
    import multiprocessing as mp

    key = f"corpus-s{seed}-n{n}-{'-'.join(sorted(langs)) if langs else 'all'}"
    folder = TMP / key
    marker = folder / CORPUS_MARKER
    gen = _generator_hash()
    if marker.exists():
        info = json.loads(marker.read_text("utf-8"))
        if info.get("generator") == gen:
            return folder, [tuple(r) for r in info["files"]]
        log(f"  corpus {key}: the sample generator changed; generating it again")
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    t0, block, nxt = time.monotonic(), 2000, 0
    kept: list[tuple[str, str, int]] = []
    with mp.get_context("fork").Pool(workers) as pool:
        while len(kept) < n:
            need = n - len(kept)
            per = need if not langs else int(need / 0.75) + 50  # en+fr are ~80% of pages
            todo = [(str(folder), seed, s, min(block, nxt + per - s), tuple(langs or ()))
                    for s in range(nxt, nxt + per, block)]
            nxt += per
            for got in pool.imap(_write_block, todo):
                kept += got
            log(f"  corpus {key}: {min(len(kept), n):,}/{n:,} pages "
                f"({time.monotonic() - t0:.0f}s)")
    for name, _, _ in kept[n:]:
        (folder / name).unlink()
    kept = kept[:n]
    marker.write_text(json.dumps({"n": n, "seed": seed, "langs": langs, "generator": gen,
                                  "files": kept}), "utf-8")
    return folder, kept


# ---------------------------------------------------------------- measured subprocesses

def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _tree(pid: int) -> list[int]:
    kids, out, todo = _children(), [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += kids.get(p, [])
    return out


def _mem(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in bytes; PSS shares copy-on-write pages among the forks."""
    rss = pss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Rss:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("Pss:"):
                pss = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss, pss


class TreeSampler(threading.Thread):
    """Polls /proc for a process and all its descendants; keeps the peaks of their sums."""

    def __init__(self, pid: int, interval: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = self.peak_procs = self.samples = 0
        self.peak_root = self.peak_child = 0  # RSS of the root process / of its largest child
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            pids = _tree(self.pid)
            mems = [_mem(p) for p in pids]
            self.peak_root = max(self.peak_root, mems[0][0])
            self.peak_child = max([self.peak_child] + [r for r, _ in mems[1:]])
            self.peak_rss = max(self.peak_rss, sum(r for r, _ in mems))
            self.peak_pss = max(self.peak_pss, sum(p for _, p in mems))
            self.peak_procs = max(self.peak_procs, len(pids))
            self.samples += 1
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


@dataclass
class Run:
    """One measured command: wall seconds, exit code, output and memory peaks (bytes)."""

    cmd: list[str]
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    maxrss: int                       # largest single process (kernel's ru_maxrss)
    cpu_s: float = 0.0                # user + system CPU seconds of the child and descendants
    tree_rss: int = 0                 # peak of the summed RSS of the process tree (sampled)
    tree_pss: int = 0                 # same with PSS (shared pages counted once)
    procs: int = 0
    root_rss: int = 0                 # sampled peak RSS of the command's own process
    child_rss: int = 0                # sampled peak RSS of its largest descendant
    extra: dict = field(default_factory=dict)

    def check(self) -> Run:
        """Raise with the command and its stderr when it failed."""
        if self.returncode != 0:
            raise RuntimeError(f"command failed ({self.returncode}): {' '.join(self.cmd)}\n"
                               f"{self.stderr[-4000:]}")
        return self


def run(cmd: Sequence[str], *, sample: bool = False, env: dict | None = None,
        cwd: str | Path | None = None) -> Run:
    """Run `cmd`, timing its wall clock; with `sample`, poll the memory of its process tree.

    The child's own peak RSS comes from wait4 (only that child's descendants it waited for are
    included by the kernel), the tree peaks from a sampler thread.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=env, cwd=cwd)
        sampler = TreeSampler(proc.pid) if sample else None
        if sampler:
            sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        secs = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.stop()
        out.seek(0)
        err.seek(0)
        res = Run(list(cmd), secs, proc.returncode, out.read().decode(errors="replace"),
                  err.read().decode(errors="replace"), usage.ru_maxrss * 1024,
                  usage.ru_utime + usage.ru_stime)
    if sampler:
        res.tree_rss = max(sampler.peak_rss, res.maxrss)
        res.tree_pss, res.procs = sampler.peak_pss, sampler.peak_procs
        res.root_rss, res.child_rss = sampler.peak_root, sampler.peak_child
    return res


@contextlib.contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary folder under the benchmark tmp root, removed afterwards."""
    TMP.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=TMP))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def log(msg: str) -> None:
    """Progress on stderr with a timestamp."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)
