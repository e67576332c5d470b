"""The `ctkit` command: parse, report, sample, demo (DESIGN.md §4)."""
from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from . import __version__


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error in one line, without a traceback."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"ctkit: error: {message} (see `ctkit {self.prog.split()[-1]} --help`)\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ctkit", description=__doc__)
    p.add_argument("--version", action="version", version=f"ctkit {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    pa = sub.add_parser("parse", help="parse scraped articles into tables")
    pa.add_argument("inputs", nargs="+",
                    help="files, folders or globs (.txt .html .jsonl .csv, .gz); fsspec URLs "
                    "too (s3://bucket/news/, with the dask extra and the store's package)")
    pa.add_argument("--out", required=True, help="output folder for the parquet tables")
    pa.add_argument("--focal", default=None, help="ISO3 of the study's country (default MAR)")
    pa.add_argument("--manifest", default=None, help="CSV: file,url,outlet,published,title")
    pa.add_argument("--engine", choices=["local", "process", "dask"], default=None)
    pa.add_argument("--workers", type=int, default=None, help="worker processes (0 = all cores)")
    pa.add_argument("--scheduler", default=None, help="dask scheduler address (engine dask)")
    pa.add_argument("--max-bytes", type=int, default=None, help="larger documents -> errors")
    pa.add_argument("--incremental", action="store_true",
                    help="reuse the previous output in --out (if the same ctkit code and options "
                         "made it); parse only new or changed files")
    pa.add_argument("--ner", choices=["auto", "yes", "no"], default=None,
                    help="person names from a spaCy model (auto: when installed)")

    pr = sub.add_parser("report", help="run the notebooks on parsed tables into HTML reports")
    pr.add_argument("data_dir")
    pr.add_argument("--out", default="reports")
    pr.add_argument("-p", "--param", nargs=2, action="append", default=[],
                    metavar=("NAME", "VALUE"), help="notebook parameter, e.g. -p focal MAR")
    pr.add_argument("--notebook", action="append", default=None, help="only this notebook")

    ps = sub.add_parser("sample", help="write the synthetic sample corpus and its truth")
    ps.add_argument("--out", default="data/raw/sample")
    ps.add_argument("--n", type=int, default=300)
    ps.add_argument("--seed", type=int, default=0)

    pd_ = sub.add_parser("demo", help="sample -> parse -> report, and say where things are")
    pd_.add_argument("--root", default=".", help="project folder holding data/ and reports/")
    pd_.add_argument("--no-report", action="store_true", help="skip the notebook reports")
    return p


def _cmd_parse(a: argparse.Namespace) -> int:
    import json

    from .corpus import MANIFEST, load
    from .ingest import is_url
    from .options import Options
    from .pipeline import parse_to

    opts = Options().with_(focal=a.focal, engine=a.engine, workers=a.workers,
                           max_bytes=a.max_bytes, use_ner=a.ner)
    for item in a.inputs:
        if not any(c in item for c in "*?[") and not is_url(item) and not Path(item).exists():
            print(f"ctkit: error: input not found: {item}", file=sys.stderr)
            return 2
    t0 = time.time()
    rows = parse_to(a.out, a.inputs, options=opts, manifest=a.manifest, scheduler=a.scheduler,
                    progress=sys.stderr.isatty(), incremental=a.incremental)
    corpus = load(a.out, tables=["errors"])
    n_err = int((corpus.errors["severity"] == "error").sum())
    reused = ""
    if a.incremental:
        files = json.loads((Path(a.out) / MANIFEST).read_text("utf-8")).get("files", {})
        reused = f"{files.get('reused', 0)} of {sum(files.values())} input files reused; "
    print(f"parsed {rows['articles']} articles ({rows['countries']} country mentions, "
          f"{rows['events']} event rows) in {time.time() - t0:.1f}s; {n_err} documents in "
          f"errors; {reused}tables in {a.out}")
    return 0


def _cmd_sample(a: argparse.Namespace) -> int:
    from .sample import write_sample

    out = write_sample(a.out, n=a.n, seed=a.seed)
    print(f"wrote {a.n} sample articles and their truth to {out}")
    return 0


def _cmd_report(a: argparse.Namespace) -> int:
    from .reports import run_reports

    index = run_reports(a.data_dir, out=a.out, params=dict(a.param), notebooks=a.notebook)
    print(f"reports written; open {index}")
    return 0


def _cmd_demo(a: argparse.Namespace) -> int:
    from .corpus import load
    from .options import Options
    from .pipeline import parse_to, up_to_date
    from .sample import write_sample

    root = Path(a.root)
    raw, processed = root / "data/raw/sample", root / "data/processed/sample"
    if not (raw / "_truth.jsonl").exists():
        write_sample(raw, n=300, seed=0)
    if up_to_date(processed, [str(raw)], options=Options()):
        print(f"tables in {processed} are up to date (same inputs, same ctkit); not reparsed")
    else:
        parse_to(processed, [str(raw)], options=Options(), progress=sys.stderr.isatty())
    corpus = load(processed)
    print(corpus.summary())
    print(f"inputs:  {raw}\ntables:  {processed}")
    if not a.no_report:
        from .reports import run_reports

        index = run_reports(processed, out=root / "reports", force=False)
        print(f"reports: {index}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `ctkit` console script."""
    args = _parser().parse_args(argv)
    handlers = {"parse": _cmd_parse, "sample": _cmd_sample, "report": _cmd_report,
                "demo": _cmd_demo}
    try:
        with warnings.catch_warnings():  # a warning is one line for the user, not ctkit's source
            warnings.showwarning = lambda message, *_a, **_k: print(
                f"ctkit: warning: {message}", file=sys.stderr)
            return handlers[args.command](args)
    except (ValueError, OSError, RuntimeError) as exc:
        print(f"ctkit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ctkit: interrupted; earlier output left as it was", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
