"""Score a parsed corpus against labelled truth (hand-labelled articles or the sample's truth).

Truth records follow `docs/labelling.md`: per article title, outlet, published, language,
countries (+ countries_optional), orgs, persons, engagement, events, chrome lines. Scores are
micro precision/recall/F1 for sets and accuracy for single values, overall and per language.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from .corpus import Corpus


@dataclass
class PRF:
    """Counts and micro scores for one field."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add_sets(self, gold: set, pred: set) -> bool:
        """Count one article's predicted set against its gold set; True when they agree."""
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)
        return gold == pred

    def as_dict(self) -> dict[str, float]:
        return {"precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "tp": self.tp, "fp": self.fp, "fn": self.fn}


def load_labelled(root: str | Path) -> list[dict]:
    """Truth records of a labelled folder (`<lang>/NN_slug.txt` + `.json`), with `source`."""
    out = []
    for js in sorted(Path(root).rglob("*.json")):
        rec = json.loads(js.read_text("utf-8"))
        rec["source"] = str(js.with_suffix(".txt"))
        out.append(rec)
    return out


def load_truth_jsonl(path: str | Path, *, root: str | Path) -> list[dict]:
    """Truth records of the sample generator, with `source` as the parser names it."""
    out = []
    for line in Path(path).read_text("utf-8").splitlines():
        if line.strip():
            rec = json.loads(line)
            rec["source"] = str(Path(root) / rec["source"])
            out.append(rec)
    return out


def norm(s: str | None) -> str:
    """Comparison form of a short string: NFKC, case-folded, letters and digits only."""
    if s is None:
        return ""
    s = unicodedata.normalize("NFKC", str(s)).casefold()
    return " ".join(re.findall(r"\w+", s))


def score(corpus: Corpus, truth: Iterable[dict]) -> dict[str, dict]:
    """Scores per field, overall and per language: {"all": {...}, "en": {...}, ...}."""
    truth = list(truth)
    arts = corpus.articles.set_index("source")
    by_lang: dict[str, dict[str, PRF]] = {}
    for rec in truth:
        lang = rec.get("language") or "??"
        for key in (lang, "all"):
            _score_one(rec, corpus, arts, by_lang.setdefault(key, {}))
    return {lang: {k: v.as_dict() for k, v in fields.items()} for lang, fields in by_lang.items()}


def errors_of(corpus: Corpus, truth: Iterable[dict]) -> dict[str, list[str]]:
    """The remaining errors per field, for docs/accuracy.md."""
    fields: dict[str, PRF] = {}
    arts = corpus.articles.set_index("source")
    for rec in truth:
        _score_one(rec, corpus, arts, fields)
    return {k: v.errors for k, v in fields.items()}


def _prf(fields: dict[str, PRF], name: str) -> PRF:
    return fields.setdefault(name, PRF())


def _score_one(rec: dict, corpus: Corpus, arts: pd.DataFrame, fields: dict[str, PRF]) -> None:
    src = rec["source"]
    name = Path(src).name
    if src not in arts.index:
        for f in ("countries", "title", "outlet", "published", "language"):
            _prf(fields, f).fn += 1
        _prf(fields, "articles").fn += 1
        _prf(fields, "articles").errors.append(f"{name}: not in articles")
        return
    _prf(fields, "articles").tp += 1
    art = arts.loc[src]
    aid = art["article_id"]
    # countries: article-level sets, optional ones ignored
    gold = set(rec.get("countries") or [])
    optional = set(rec.get("countries_optional") or [])
    pred = set(corpus.countries.loc[corpus.countries["article_id"] == aid, "iso3"]) - optional
    c = _prf(fields, "countries")
    if not c.add_sets(gold, pred):
        c.errors.append(f"{name}: missed {sorted(gold - pred)} extra {sorted(pred - gold)}")
    # single values
    for f, pred_v, gold_v in (
            ("title", art.get("title"), rec.get("title")),
            ("outlet", art.get("outlet"), rec.get("outlet")),
            ("language", art.get("language"), rec.get("language")),
            ("published", None if pd.isna(art.get("published")) else
             str(pd.Timestamp(art.get("published")).date()), rec.get("published"))):
        p, g = norm(None if pd.isna(pred_v) else pred_v), norm(gold_v)
        ok = p == g or (f == "outlet" and p and g and (p in g or g in p))
        prf = _prf(fields, f)
        if ok:
            prf.tp += 1
        else:
            prf.fn += 1
            prf.fp += 1 if p else 0
            prf.errors.append(f"{name}: {f} {pred_v!r} != {gold_v!r}")
    # organisations and persons: surface overlap
    ents = corpus.entities[corpus.entities["article_id"] == aid]
    for f, label, gold_s in (("orgs", "ORG", [o["surface"] for o in rec.get("orgs") or []]),
                             ("persons", "PERSON", list(rec.get("persons") or []))):
        pred_s = {norm(s) for s in ents.loc[ents["label"] == label, "surface"]}
        gold_n = {norm(s) for s in gold_s}
        prf = _prf(fields, f)
        hit = {g for g in gold_n if any(g in p or p in g for p in pred_s if p)}
        prf.tp += len(hit)
        prf.fn += len(gold_n - hit)
        prf.fp += len({p for p in pred_s if not any(g in p or p in g for g in gold_n)})
        if gold_n - hit:
            prf.errors.append(f"{name}: {f} missed {sorted(gold_n - hit)[:5]}")
    # engagement: (metric, value) pairs
    eng = corpus.engagement[corpus.engagement["article_id"] == aid]
    pred_e = {(m, int(v)) for m, v in zip(eng["metric"], eng["value"], strict=True)}
    gold_e = {(m, int(v)) for m, v in (rec.get("engagement") or {}).items()}
    e = _prf(fields, "engagement")
    if not e.add_sets(gold_e, pred_e):
        e.errors.append(f"{name}: engagement {sorted(pred_e)} != {sorted(gold_e)}")
    # events: sentence overlap, and type on matched sentences
    evs = corpus.events[corpus.events["article_id"] == aid].drop_duplicates("event_id")
    pred_ev = list(zip(evs["sentence"], evs["type"], strict=True))
    ev, ty = _prf(fields, "events"), _prf(fields, "event_types")
    matched = set()
    for g in rec.get("events") or []:
        gs = norm(g["sentence"])
        j = next((i for i, (s, _) in enumerate(pred_ev) if i not in matched
                  and (gs in norm(s) or norm(s) in gs)), None)
        if j is None:
            ev.fn += 1
            ev.errors.append(f"{name}: event missed ({g['type']}) {g['sentence'][:70]}")
            continue
        matched.add(j)
        ev.tp += 1
        if pred_ev[j][1] == g["type"]:
            ty.tp += 1
        else:
            ty.fn += 1
            ty.fp += 1
            ty.errors.append(f"{name}: event type {pred_ev[j][1]} != {g['type']}")
    ev.fp += len(pred_ev) - len(matched)
    # chrome vs body lines
    body = corpus_text(corpus, aid)
    body_lines = {ln.strip() for ln in body.split("\n") if ln.strip()}
    gold_chrome = {ln.strip() for ln in rec.get("chrome") or [] if ln.strip()}
    left = gold_chrome & body_lines
    ch = _prf(fields, "chrome_left")
    ch.fp += len(left)
    ch.tp += len(gold_chrome - left)
    if left:
        ch.errors.append(f"{name}: chrome kept {sorted(left)[:3]}")
    gold_body = _gold_body(rec)
    lost = [ln for ln in gold_body if ln not in body_lines]
    bl = _prf(fields, "body_lost")
    bl.fn += len(lost)
    bl.tp += len(gold_body) - len(lost)
    if lost:
        bl.errors.append(f"{name}: body lost {[x[:60] for x in lost[:3]]}")


def corpus_text(corpus: Corpus, aid: str) -> str:
    """The body of one article (needs the corpus loaded with text)."""
    row = corpus.articles.loc[corpus.articles["article_id"] == aid, "text"]
    return "" if row.empty or pd.isna(row.iloc[0]) else str(row.iloc[0])


def _gold_body(rec: dict) -> list[str]:
    if rec.get("body") is not None:
        return [ln.strip() for ln in rec["body"].split("\n") if ln.strip()]
    page = Path(rec["source"]).read_text("utf-8")
    chrome = {ln.strip() for ln in rec.get("chrome") or []}
    title = norm(rec.get("title"))
    return [ln.strip() for ln in page.split("\n") if ln.strip() and ln.strip() not in chrome
            and norm(ln) != title]


def to_json(scores: dict) -> str:
    """Scores as stable JSON."""
    return json.dumps(scores, indent=2, sort_keys=True, default=lambda o: asdict(o))
