"""`parse`: inputs -> ingest -> clean -> meta -> extractors -> tables, on one of three engines.

Work is cut into chunks of input files; each chunk becomes a small `Corpus` (a worker's whole
output), and chunks come back in input order, so the tables are the same whatever the engine
and however many workers. The parent process only assigns duplicate links and writes.
"""
from __future__ import annotations

import hashlib
import itertools
import os
import signal
import stat
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import schema
from .clean import clean
from .corpus import MANIFEST, Corpus, RowReader, TableWriter, open_tables, release_memory
from .countries import default_gazetteer, find_countries
from .engagement import find_engagement
from .entities import (
    cue_gazetteer,
    find_orgs,
    find_persons,
    head_gazetteer,
    ner_versions,
    org_gazetteer,
)
from .events import find_events, trigger_gazetteer
from .gazetteer import share_pass
from .ingest import (
    ErrorRow,
    InputError,
    Location,
    RawDoc,
    apply_manifest,
    expand,
    is_url,
    location,
    read,
    read_manifest,
    url_digest,
)
from .meta import find_meta
from .options import Options
from .text import lowered_words, n_words, sentences, words


class DocTimeout(Exception):
    """A document took longer than `doc_time_budget`."""


@dataclass
class Chunk:
    """Files for one worker call, with the manifest entries that apply to them."""

    files: list[tuple[str, str]]            # (path, source)
    manifest: dict[str, dict] = field(default_factory=dict)
    root: str | None = None
    # incremental: the files' places in the previous run's file list, whose rows are reused
    reuse: list[int] | None = None
    # incremental: some of those files had another name then (moved, renamed or copied)
    renamed: bool = False


# ---------------------------------------------------------------- one document

def extract(doc: RawDoc, *, options: Options, article_id: str | None = None
            ) -> dict[str, list[dict]]:
    """Rows of every table for one document (`article_id` defaults to its content hash)."""
    aid = article_id or doc.digest
    _one_pass()
    # an export record's text is the article itself: no page header around it to drop
    cleaned = clean(doc.raw_text, max_line_chars=options.max_line_chars, keep_header=doc.record)
    text = cleaned.body
    meta = find_meta(cleaned, given={"title": doc.title, "outlet": doc.outlet, "url": doc.url,
                                     "published": doc.published, "language": doc.language})
    sents = sentences(text)
    countries = find_countries(text, focal=options.focal, sentences=sents)
    orgs = find_orgs(text, countries=countries)
    persons = find_persons(text, language=meta.language, use_ner=options.use_ner,
                           models=options.ner_models, countries=countries)
    events = find_events(text, sentences=sents, countries=countries, orgs=orgs,
                         language=meta.language)
    rows: dict[str, list[dict]] = {k: [] for k in schema.TABLES}
    rows["articles"].append({
        "article_id": aid, "source": doc.source, "url": doc.url, "outlet": meta.outlet,
        "title": meta.title, "published": meta.published, "language": meta.language,
        "text": text, "n_words": n_words(text), "duplicate_of": None,
        "content_hash": doc.digest})
    rows["countries"] = [{"article_id": aid, "iso3": m.iso3, "country": m.country,
                          "surface": m.surface, "start": m.start, "end": m.end,
                          "sentence": m.sentence, "kind": m.kind, "role": m.role}
                         for m in countries]
    ents = sorted([*orgs, *persons], key=lambda e: (e.start, e.label))
    rows["entities"] = [{"article_id": aid, "label": e.label, "name": e.name,
                         "surface": e.surface, "start": e.start, "end": e.end, "iso3": e.iso3,
                         "source": e.source} for e in ents]
    for ev in events:
        s, e = sents[ev.sentence]
        base = {"event_id": f"{aid}-{ev.sentence:03d}", "article_id": aid, "type": ev.type,
                "code": ev.code, "sentence": text[s:e], "trigger": ev.trigger,
                "start": ev.start, "end": ev.end}
        for iso3 in ev.iso3 or (None,):
            rows["events"].append({**base, "iso3": iso3})
    rows["engagement"] = [{"article_id": aid, "metric": k, "value": v}
                          for k, v in sorted(find_engagement(cleaned).items())]
    return rows


def _provisional_id(digest: str, seen: set[str], index: int) -> str:
    """An article's id before the parent assigns the final one, unique in its chunk: the
    content digest (most often the final id, which spares the parent a rewrite), or
    `digest:index` for a later copy in the chunk (`_Dedup` reads the part before the colon)."""
    return digest if digest not in seen else f"{digest}:{index}"


def _event_ids(article_ids: pd.Series, event_ids: pd.Series) -> pd.Series:
    """Event ids (`<article_id>-<sentence>`) after their articles' ids changed."""
    return article_ids + "-" + event_ids.str.rsplit("-", n=1).str[1]


@contextmanager
def _alarms(seconds: float) -> Iterator[Callable[[float], object]]:
    """While it lasts, SIGALRM raises DocTimeout; yields `signal.setitimer`'s one-shot timer
    to start (the budget) and stop (0) around each document, or a timer that does nothing
    where a budget cannot be kept (not the main thread, as in dask's threads; no
    `setitimer`): then no limit. The handler is set once per chunk, not per document
    (setting it costs ~5 µs)."""
    usable = seconds > 0 and hasattr(signal, "setitimer")
    if usable:
        try:
            old = signal.signal(signal.SIGALRM, _on_alarm)
        except ValueError:  # not the main thread
            usable = False
    if not usable:
        yield _no_timer
        return
    try:
        yield partial(signal.setitimer, signal.ITIMER_REAL)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _no_timer(seconds: float) -> None:
    return None


def _on_alarm(signum: int, frame: object) -> None:
    raise DocTimeout


@dataclass
class ChunkResult:
    """A worker's output: the chunk's tables, each article's MinHash, each file's hash."""

    corpus: Corpus
    bands: list[Fingerprint]
    digests: list[str]


def run_chunk(chunk: Chunk, options: Options) -> ChunkResult:
    """Parse every document of `chunk`: its tables, near-duplicate bands and file hashes."""
    rows: dict[str, list[dict]] = {k: [] for k in schema.TABLES}
    bands: list[Fingerprint] = []
    digests: list[str] = []
    seen: set[str] = set()
    with _alarms(options.doc_time_budget) as timer:
        for path, source in chunk.files:
            stored = None  # the file's hash, when its reader had all its bytes (most files)
            for item in read(location(path), source, max_bytes=options.max_bytes):
                if isinstance(item, ErrorRow):
                    rows["errors"].append(item.__dict__)
                    continue
                stored = item.file_digest or stored
                if chunk.manifest:
                    rel = os.path.relpath(path, chunk.root) if chunk.root else source
                    item = apply_manifest(item, chunk.manifest, Path(rel).as_posix())
                try:
                    timer(options.doc_time_budget)
                    try:
                        aid = _provisional_id(item.digest, seen, len(bands))
                        doc_rows = extract(item, options=options, article_id=aid)
                    finally:
                        timer(0)
                except DocTimeout:
                    rows["errors"].append({"source": item.source, "stage": "extract",
                                           "severity": "error", "error": "took longer than "
                                           f"{options.doc_time_budget}s (doc_time_budget); "
                                           "skipped"})
                    continue
                except Exception as exc:  # noqa: BLE001 - one bad document must not stop it
                    rows["errors"].append({"source": item.source, "stage": "extract",
                                           "severity": "error",
                                           "error": f"{type(exc).__name__}: {exc}"[:500]})
                    continue
                seen.add(item.digest)
                for k, v in doc_rows.items():
                    rows[k].extend(v)
                bands.append(fingerprint(doc_rows["articles"][0]["text"],
                                         min_words=options.duplicate_min_words))
            digests.append(stored or _digest_or_empty(path))
    return ChunkResult(Corpus(**{k: schema.conform(k, v) for k, v in rows.items()}), bands,
                       digests)


_MULT = None
MINS = 72            # MinHash functions: the estimate's error is about ±0.06 at a Jaccard of 0.5
BANDS, ROWS = 12, 2  # LSH over the first 24 minima: a pair with Jaccard 0.6 shares a band with
                     # p ≈ 0.995, 0.5 with p ≈ 0.97, 0.2 with p ≈ 0.39 (then its signature decides)
SAME = 0.5           # estimated Jaccard from which a candidate pair is a near-duplicate
SIG = MINS           # bytes of a signature: the low 8 bits of each minimum
_BASE = 0x100000001B3  # of the polynomial hash of a shingle's bytes (odd: invertible mod 2**64)


@dataclass(frozen=True)
class Fingerprint:
    """MinHash of a body: LSH band keys to find candidates, a compact signature to check them."""

    bands: tuple[int, ...] = ()
    sig: bytes = b""

    def similarity(self, other: Fingerprint) -> float:
        """Estimated Jaccard similarity of the two bodies' 5-word shingles: the share of equal
        minima (two different minima share their low 8 bits 1 time in 256, taken out)."""
        if not self.sig or len(self.sig) != len(other.sig):
            return 0.0
        # equal bytes are the zero bytes of the XOR (a loop over the bytes costs 30x more: the
        # parent checks a few candidate pairs per article)
        xor = int.from_bytes(self.sig, "little") ^ int.from_bytes(other.sig, "little")
        equal = xor.to_bytes(len(self.sig), "little").count(0) / len(self.sig)
        return max(0.0, (equal - 1 / 256) / (1 - 1 / 256))


def fingerprint(text: str, *, min_words: int) -> Fingerprint:
    """MinHash of the body's 5-word shingles (empty for bodies shorter than `min_words`).

    A shingle is its lower-cased words joined by spaces; its stable 64-bit hash (Python's
    hash() differs between processes) is a polynomial hash of its bytes modulo 2**64, mixed by
    murmur3's finalizer. All shingles are hashed at once (numpy) from one prefix sum over the
    body's bytes (see `_powers`), with no Python work per word or shingle.
    MINS hash functions are fixed odd multipliers over the shingle hashes; a band key hashes
    ROWS minima (BANDS bands), the signature keeps the low 8 bits of each minimum.
    """
    global _MULT
    if len(words(text)) < max(min_words, 5):
        return Fingerprint()
    if _MULT is None:
        rng = np.random.default_rng(20261123)
        _MULT = rng.integers(1, 2**63 - 1, size=(MINS, 1), dtype=np.uint64) | np.uint64(1)
    body = np.frombuffer((" " + lowered_words(text)).encode(), dtype=np.uint8)
    up, down = _powers(len(body))
    # prefix[i] = sum of body[k] * BASE**-k for k < i, so a span's polynomial hash
    # sum(body[k] * BASE**(end - 1 - k)) is BASE**(end - 1) * (prefix[end] - prefix[start])
    prefix = np.zeros(len(body) + 1, np.uint64)
    with np.errstate(over="ignore"):  # arithmetic modulo 2**64
        np.cumsum(body * down[:len(body)], out=prefix[1:])
        space = np.append(np.flatnonzero(body == 32), len(body))  # where each word's piece starts
        start, end = space[:-5] + 1, space[5:]  # shingle i: body[start[i]:end[i]]
        h = up[end - 1] * (prefix[end] - prefix[start])
        for mult in _FMIX:  # the finalizer: every bit of h reaches the high bits the minima use
            h ^= h >> np.uint64(33)
            h *= mult
        h ^= h >> np.uint64(33)
        mins = (h[None, :] * _MULT).min(axis=1)  # repeated shingles do not change a minimum
    bands = tuple(int.from_bytes(hashlib.blake2b(mins[b * ROWS:(b + 1) * ROWS].tobytes(),
                                                 digest_size=8).digest(), "big")
                  for b in range(BANDS))
    # the low 8 bits of each minimum (its high bits are mostly zeros: it is a minimum)
    return Fingerprint(bands, mins.astype(np.uint8).tobytes())


_FMIX = (np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))  # murmur3's fmix64
_POWERS: tuple[np.ndarray, np.ndarray] = (np.ones(1, np.uint64), np.ones(1, np.uint64))


def _powers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE**k and BASE**-k modulo 2**64 for k < n at least (grown by doubling, kept)."""
    global _POWERS
    if len(_POWERS[0]) < n:
        size = max(1 << 16, 1 << n.bit_length())

        def powers(base: int) -> np.ndarray:
            steps = np.full(size, base, np.uint64)
            steps[0] = 1
            return np.cumprod(steps)  # modulo 2**64: uint64 products wrap

        _POWERS = (powers(_BASE), powers(pow(_BASE, -1, 2**64)))
    return _POWERS


# ---------------------------------------------------------------- engines

@cache
def _one_pass() -> None:
    """The stages' name lists all read the same body: match them in one automaton pass."""
    share_pass(default_gazetteer(), org_gazetteer(), head_gazetteer(), cue_gazetteer(),
               trigger_gazetteer())


def _warm() -> None:
    """Build the gazetteers once in the parent, so forked workers share them."""
    _one_pass()


def _chunks(files: Sequence[tuple[Location, str]], *, size: int, manifest: dict[str, dict],
            root: str | None) -> Iterator[Chunk]:
    for i in range(0, len(files), size):
        yield Chunk([(str(p), s) for p, s in files[i:i + size]], manifest, root)


def _workers(options: Options) -> int:
    return options.workers or os.cpu_count() or 1


@contextmanager
def _process_pool(options: Options) -> Iterator[Any]:
    """The `process` engine's worker pool (None for the other engines or one worker).

    Made before the input is listed: forked workers share the parent's memory as it is at
    the fork, and a million file names listed before it would count again in every worker."""
    if options.engine != "process" or _workers(options) == 1:
        yield None
        return
    import multiprocessing as mp

    _warm()
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    with mp.get_context(method).Pool(_workers(options)) as pool:
        yield pool


def _run(chunks: Iterable[Chunk], options: Options, *, scheduler: str | None, pool: Any = None
         ) -> Iterator[ChunkResult]:
    engine = options.engine
    workers = _workers(options)
    if engine == "local" or (engine == "process" and workers == 1):
        _warm()
        for ch in chunks:
            yield run_chunk(ch, options)
        return
    if engine == "process":
        # a bounded window of chunks in flight: results never pile up in the parent
        pending: list = []
        for ch in chunks:
            pending.append(pool.apply_async(run_chunk, (ch, options)))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).get()
        for res in pending:
            yield res.get()
        return
    from .distributed import run_dask

    yield from run_dask(chunks, options, scheduler=scheduler, workers=workers)


class _FirstSeen:
    """64-bit key -> the first value stored under it, compact for tens of millions of keys.

    New keys sit in a dict; every `flush` keys they are merged into sorted numpy arrays, which
    hold a key in 16 bytes where a dict entry with its int objects takes ~100: the parent's
    memory stays small when it has seen every article of a million-article corpus."""

    def __init__(self, *, flush: int = 1 << 18) -> None:
        self._np = np
        self.keys = np.empty(0, dtype=np.uint64)
        self.values = np.empty(0, dtype=np.int64)
        self.recent: dict[int, int] = {}
        self.flush = flush
        self._ahead: dict[int, int] = {}  # `prefetch`ed keys -> value in the arrays, -1: none

    def prefetch(self, keys: Iterable[int]) -> None:
        """Look `keys` up in the sorted arrays in one vectorised search, so that their `get`
        and `setdefault` calls (the parent makes ~25 per article) skip a numpy call each."""
        np = self._np
        wanted = np.fromiter(keys, np.uint64)
        self._ahead = {}
        if len(self.keys) and len(wanted):
            at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
            found = np.where(self.keys[at] == wanted, self.values[at], -1)
            self._ahead = dict(zip(wanted.tolist(), found.tolist(), strict=True))

    def get(self, key: int) -> int | None:
        """The value first stored under `key`, or None."""
        value = self.recent.get(key)
        if value is None and len(self.keys):
            ahead = self._ahead.get(key)
            if ahead is not None:
                return ahead if ahead >= 0 else None
            # as uint64: a smaller Python int would be compared as int64, which converts the
            # whole array on every lookup
            i = int(self._np.searchsorted(self.keys, self._np.uint64(key)))
            if i < len(self.keys) and int(self.keys[i]) == key:
                value = int(self.values[i])
        return value

    def setdefault(self, key: int, value: int) -> int:
        """Store `value` under `key` unless a value is there; return the stored one."""
        old = self.get(key)
        if old is not None:
            return old
        self.recent[key] = value
        if len(self.recent) >= self.flush:
            self._merge()
        return value

    def _merge(self) -> None:
        """Insert the recent keys into the sorted arrays (a sort of the few, one copy of all)."""
        np = self._np
        n = len(self.recent)
        keys = np.fromiter(self.recent, np.uint64, n)
        values = np.fromiter(self.recent.values(), np.int64, n)
        order = np.argsort(keys)
        keys, values = keys[order], values[order]
        at = np.searchsorted(self.keys, keys)
        self.keys = np.insert(self.keys, at, keys)
        self.values = np.insert(self.values, at, values)
        self.recent = {}
        self._ahead = {}  # its "none" answers may be wrong now


class _Dedup:
    """Final article ids and duplicate links, assigned in input order by the parent process.

    Workers tag each article with its content digest (`<digest>:<n>` for a second copy in the
    chunk); here the first document with a given content keeps its digest as id and later
    identical copies get `blake2b(digest#k)`, so ids do not depend on chunking or engine. Only
    the rows of articles whose id changes are rewritten (usually none). `duplicate_of` links an
    article to the first earlier one sharing a MinHash band whose signature agrees on at least
    `SAME` of its hashes. Per article it keeps ~390 bytes (band keys, digest, signature, id;
    `benchmarks/dedup_memory.py`).
    """

    def __init__(self) -> None:
        self.first = _FirstSeen()  # band key -> ordinal of the first article with that band
        self.seen = _FirstSeen()   # content digest (as 64 bits) -> first article with it
        self.copies: dict[str, int] = {}  # digest -> copies so far, for repeated contents only
        self.ids: list[str] = []   # ordinal -> final article id
        self.sigs = bytearray()    # ordinal -> MinHash signature, SIG bytes (zeros: none)

    @staticmethod
    def _key(digest: str) -> int:
        return int.from_bytes(hashlib.blake2b(digest.encode(), digest_size=8).digest(), "big")

    def _final(self, digest: str, key: int, ordinal: int) -> str:
        """The id of article number `ordinal`: its digest, unless an earlier one had it."""
        if self.seen.setdefault(key, ordinal) == ordinal:
            return digest
        k = self.copies.get(digest, 1)
        self.copies[digest] = k + 1
        return hashlib.blake2b(f"{digest}#{k}".encode(), digest_size=8).hexdigest()

    def _fingerprint(self, ordinal: int) -> Fingerprint:
        return Fingerprint((), bytes(self.sigs[ordinal * SIG:(ordinal + 1) * SIG]))

    def apply(self, part: Corpus, bands: list[Fingerprint]) -> Corpus:
        if part.articles.empty:
            return part
        final: dict[str, str] = {}
        dup: list[str | None] = []
        provisional = part.articles["article_id"].tolist()
        digests = [tmp.split(":")[0] for tmp in provisional]
        keys = [self._key(d) for d in digests]
        self.seen.prefetch(keys)
        self.first.prefetch(b for fp in bands for b in fp.bands)
        for tmp, digest, key, fp in zip(provisional, digests, keys, bands, strict=True):
            me = len(self.ids)
            new = self._final(digest, key, me)
            if new != tmp:
                final[tmp] = new
            found = (self.first.get(b) for b in fp.bands)
            cands = dict.fromkeys(o for o in found if o is not None)
            dup.append(next((self.ids[o] for o in cands
                             if fp.similarity(self._fingerprint(o)) >= SAME), None))
            self.ids.append(new)
            self.sigs += fp.sig if len(fp.sig) == SIG else bytes(SIG)
            for b in fp.bands:
                self.first.setdefault(b, me)
        out = {}
        for name, df in part.tables().items():
            moved = df["article_id"].isin(final) if final and "article_id" in df else None
            if moved is not None and moved.any():
                df = df.copy()
                ids = df.loc[moved, "article_id"].map(final).astype("string")
                df.loc[moved, "article_id"] = ids
                if name == "events":
                    df.loc[moved, "event_id"] = _event_ids(ids, df.loc[moved, "event_id"])
            out[name] = df
        out["articles"] = out["articles"].assign(duplicate_of=pd.array(dup, dtype="string"))
        return Corpus(**out)


# ---------------------------------------------------------------- public entry points

def plan(inputs: str | os.PathLike | Sequence[str | os.PathLike], *,
         manifest: str | os.PathLike | None = None) -> tuple[list[tuple[str, str]],
                                                             dict[str, dict], str | None]:
    """The files to read, the manifest entries and the input root (for manifest paths)."""
    items = [inputs] if isinstance(inputs, str | os.PathLike) else list(inputs)
    if not items:
        raise InputError("no input given")
    files = expand(items)
    root = None
    if len(items) == 1 and Path(items[0]).is_dir():
        root = str(items[0])
    entries = read_manifest(manifest) if manifest else {}
    if entries:
        known = {Path(os.path.relpath(p, root) if root else s).as_posix() for p, s in files}
        names = {Path(s).name for _, s in files}
        missing = [k for k in entries if k not in known and k not in names]
        if missing:
            raise InputError(f"manifest names {len(missing)} file(s) not in the input, e.g. "
                             f"{missing[0]!r}")
    return files, entries, root


def stream(inputs: str | os.PathLike | Sequence[str | os.PathLike], *,
           options: Options | None = None, manifest: str | os.PathLike | None = None,
           scheduler: str | None = None, progress: bool = False,
           previous: Previous | str | os.PathLike | None = None,
           digests: list[tuple[str, str]] | None = None,
           fingerprints: list[Fingerprint] | None = None,
           tally: dict[str, int] | None = None) -> Iterator[Corpus]:
    """Parsed chunks in input order, duplicates linked; bounded memory for any corpus size.

    With `previous` (an incremental run: a `Previous`, or the folder of the previous output,
    read once the workers are forked so that they do not carry it), files whose bytes did not
    change are not parsed again: their rows are taken from the previous output, so the tables
    equal a full run.
    `digests` and `fingerprints` (when given) receive each chunk's file hashes and its
    articles' MinHash before the chunk is yielded; `tally` counts the input files by what
    was done with them ("parsed", "reused").
    """
    opts = options or Options()
    with _process_pool(opts) as pool:
        yield from _stream(inputs, opts, manifest=manifest, scheduler=scheduler, pool=pool,
                           progress=progress, previous=previous, digests=digests,
                           fingerprints=fingerprints, tally=tally)


def _stream(inputs: str | os.PathLike | Sequence[str | os.PathLike], opts: Options, *,
            manifest: str | os.PathLike | None, scheduler: str | None, pool: Any,
            progress: bool, previous: Previous | str | os.PathLike | None,
            digests: list[tuple[str, str]] | None, fingerprints: list[Fingerprint] | None,
            tally: dict[str, int] | None) -> Iterator[Corpus]:
    files, entries, root = plan(inputs, manifest=manifest)
    if previous is not None and not isinstance(previous, Previous):
        previous = Previous(previous)
        owned: Previous | None = previous
    else:
        owned = None
    dedup = _Dedup()
    chunks: Iterable[Chunk]
    if previous is None:
        chunks = _chunks(files, size=opts.chunk_size, manifest=entries, root=root)
    else:
        chunks = previous.chunks(files, size=opts.chunk_size, manifest=entries, root=root)
    # two readers of the chunks, the engine a few chunks ahead: tee keeps only that lag
    # (a list of a million files' chunks would sit in the parent, and in forked workers)
    chunks, to_parse = itertools.tee(chunks)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(files), unit="file", desc="parse", leave=False)
    parsed = _run((c for c in to_parse if c.reuse is None), opts, scheduler=scheduler, pool=pool)
    try:
        for chunk in chunks:
            if previous is not None and chunk.reuse is not None:
                res, what = previous.rows(chunk, options=opts), "reused"
            else:
                res, what = next(parsed), "parsed"
            if tally is not None:
                tally[what] = tally.get(what, 0) + len(chunk.files)
            if digests is not None:
                digests.extend(zip([s for _, s in chunk.files], res.digests, strict=True))
            if fingerprints is not None:
                fingerprints.extend(res.bands)
            yield dedup.apply(res.corpus, res.bands)
            if bar is not None:
                bar.update(len(chunk.files))
    finally:
        if bar is not None:
            bar.close()
        if owned is not None:
            owned.close()


class Previous:
    """The output of an earlier run, for `--incremental`: which files it read (by content
    hash), its rows and its articles' MinHash.

    Only an index is held (each file's rows by position, ~40 bytes per article) with the open
    previous parquet files (their footers, ~100 bytes per article with chunks of 500); the
    rows of a run of unchanged files are read from those files a window of row groups at a
    time when the run comes (`RowReader`). Runs come in input order, so each row group is read
    about once: an incremental run costs reading the previous output plus parsing the new
    files, and its memory does not grow with the previous output's texts. A file is found by
    its name, or by its content under a new name (a moved folder, a renamed file).
    """

    FILES = "_ctkit_files.parquet"
    MINHASH = "_ctkit_minhash.parquet"  # one row per article row: its LSH bands and signature
    _RECORD = r"#L?[0-9]+$"  # the suffix ingest gives the source of a record of an export file

    def __init__(self, out: str | os.PathLike) -> None:
        root = Path(out)
        self._root = root
        files = pq.read_table(root / self.FILES)
        sources = files["source"].combine_chunks()  # held only while the index is made
        # hex digests as fixed-width bytes (16 per file; a list of str would take ~5x that)
        self._digests = np.array(files["digest"].to_pylist(), dtype=np.bytes_)
        del files
        # the tables, checked like `load` checks them (one run), each read by row group: a
        # window of about `_WINDOW` articles' rows at a time (a row group is one chunk)
        opened = open_tables(root)
        meta = opened["articles"].metadata
        window = max(1, round(self._WINDOW * meta.num_row_groups / max(1, meta.num_rows)))
        self._tables = {name: RowReader(pf, table=name, window=window)
                        for name, pf in opened.items()}
        arts = self._tables["articles"]
        # each file's article and error positions (an export file holds several articles)
        self._by_file = {name: self._group(partial(self._file_of, self._tables[name], sources),
                                           len(sources)) for name in ("articles", "errors")}
        del sources
        # the other tables' rows of each article position (stable: row order kept)
        ids = pa.concat_arrays(list(arts.column("article_id")))
        self._children = {}
        for name, table in self._tables.items():
            if name not in ("articles", "errors"):
                self._children[name] = self._group(partial(self._article_of, table, ids),
                                                   len(arts))
        del ids
        self._sorted: np.ndarray | None = None  # `_digests` positions in digest order
        self._names: RowReader | None = None  # the files' old names, opened when needed
        self._prints = None
        if (root / self.MINHASH).exists():  # not in an output made before it was kept
            prints = RowReader(root / self.MINHASH)
            self._prints = prints if len(prints) == len(arts) else None
        release_memory()  # the columns read for the index

    _BATCH = 1 << 18  # rows of a column read at a time to make the index
    _WINDOW = 2000  # articles whose rows (in every table) are read at a time

    @classmethod
    def _file_of(cls, table: RowReader, sources: pa.Array) -> Iterator[np.ndarray]:
        """Position in the file list `sources` of each row's input file (-1: none), by batch."""
        for src in table.column("source", batch=cls._BATCH):
            at = pc.index_in(src, value_set=sources)
            # a record's source is its file's with a suffix (but a file name may hold a "#")
            rec = pc.index_in(pc.replace_substring_regex(src, cls._RECORD, ""),
                              value_set=sources)
            yield _fill(pc.coalesce(at, rec))

    @classmethod
    def _article_of(cls, table: RowReader, ids: pa.Array) -> Iterator[np.ndarray]:
        """Position in `ids` (the articles) of each row's article (-1: none), by batch."""
        for batch in table.column("article_id", batch=cls._BATCH):
            yield _fill(pc.index_in(batch, value_set=ids))

    @staticmethod
    def _group(keys: Callable[[], Iterator[np.ndarray]], n: int
               ) -> tuple[np.ndarray | None, np.ndarray]:
        """Rows grouped by key (0..n-1; -1 is no group), given the rows' keys batch by batch
        (`keys()` starts them again): the row order (None when the rows come in key order, as
        `parse_to` writes them) and where each key's rows start in it. In key order, only
        counts are kept, never a value per row: at a million articles the tables have ~35M."""
        counts = np.zeros(n + 1, np.int64)  # counts[k + 1]: rows of key k (counts[0]: no key)
        ordered, last = True, -1
        for k in keys():
            if len(k):
                counts += np.bincount(k + 1, minlength=n + 1)
                ordered = ordered and k[0] >= last and bool((k[1:] >= k[:-1]).all())
                last = int(k[-1])
        small = np.int32 if counts.sum() < 2**31 else np.int64  # half the memory, nearly always
        starts = np.cumsum(counts).astype(small)  # starts[k]: rows of a key below k
        if ordered:
            return None, starts
        every = np.concatenate([np.zeros(0, np.int64), *keys()])
        return np.argsort(every, kind="stable").astype(small), starts

    @staticmethod
    def _take(groups: tuple[np.ndarray | None, np.ndarray], keys: np.ndarray) -> np.ndarray:
        """The rows of `keys`, key by key."""
        order, starts = groups
        rows = np.concatenate([np.zeros(0, np.int64),
                               *map(np.arange, starts[keys], starts[keys + 1])])
        return rows if order is None else order[rows]

    @staticmethod
    def unusable(out: str | os.PathLike, *, options: Options,
                 manifest: str | os.PathLike | None = None) -> str | None:
        """Why the rows in `out` cannot stand for a parse with `options` and `manifest` by this
        code (None when they can): unreadable tables, no input digests (not written by
        `parse_to`), or other code, options, manifest values or spaCy models, which would give
        other tables."""
        import json

        if not (Path(out) / Previous.FILES).exists():
            return f"it has no input digests ({Previous.FILES}; `ctkit parse` writes them)"
        try:
            for pf in open_tables(Path(out)).values():
                pf.close()
            made = json.loads((Path(out) / MANIFEST).read_text("utf-8"))
        except (OSError, ValueError) as exc:  # Arrow's errors on a damaged file are ValueErrors
            return f"it cannot be read ({exc})"
        return made_otherwise(made, options=options, manifest=manifest, ignore=_SPREAD)

    def chunks(self, files: Sequence[tuple[Location, str]], *, size: int,
               manifest: dict[str, dict], root: str | None) -> Iterator[Chunk]:
        """Runs of unchanged files (reused) and of new or changed files (parsed), in order."""
        sources = pq.read_table(self._root / self.FILES, columns=["source"])["source"]
        known = _fill(pc.index_in(pa.array([s for _, s in files], pa.string()),
                                  value_set=sources.combine_chunks()))
        del sources
        run: Chunk | None = None
        for j, (path, source) in enumerate(files):
            i = int(known[j])
            digest = _digest_or_empty(path)  # "" (unreadable now): parsed again, ingest says why
            if digest and not (i >= 0 and digest.encode() == self._digests[i]):
                # the same bytes under another name (a local file's digest is its content's);
                # not with a manifest: its values are matched by file name
                i = -1 if manifest or is_url(str(path)) else self._with_digest(digest)
            reuse = i >= 0 and digest != ""
            if run is None or (run.reuse is not None) != reuse or len(run.files) >= size:
                if run is not None:
                    yield run
                run = Chunk([], manifest, root, [] if reuse else None)
            run.files.append((str(path), source))
            if run.reuse is not None:
                run.reuse.append(i)
                run.renamed = run.renamed or i != int(known[j])
        if run is not None:
            yield run

    def _with_digest(self, digest: str) -> int:
        """The first previous file with content `digest`, or -1 (sorted on first use: most
        runs find every file under its old name)."""
        if self._sorted is None:
            self._sorted = np.argsort(self._digests, kind="stable").astype(np.int32)
        at = int(np.searchsorted(self._digests, digest.encode(), sorter=self._sorted))
        if at < len(self._sorted) and self._digests[self._sorted[at]] == digest.encode():
            return int(self._sorted[at])
        return -1

    def rows(self, chunk: Chunk, *, options: Options) -> ChunkResult:
        """The previous rows of the files in `chunk`, with provisional ids like a worker's."""
        assert chunk.reuse is not None, "rows() is for a chunk of reused files"
        files = np.asarray(chunk.reuse, dtype=np.int64)
        at = self._take(self._by_file["articles"], files)
        articles = self._tables["articles"].take(at)
        # provisional ids as a worker gives them; most are the previous ids already
        provisional: list[str] = []
        seen: set[str] = set()
        for i, h in enumerate(articles["content_hash"]):
            provisional.append(_provisional_id(h, seen, i))
            seen.add(h)
        ids = {old: new for old, new in zip(articles["article_id"], provisional, strict=True)
               if old != new}
        tables = {"articles": articles.assign(
            article_id=pd.array(provisional, dtype=schema.TABLES["articles"]["article_id"]))}
        tables["errors"] = self._tables["errors"].take(self._take(self._by_file["errors"], files))
        if chunk.renamed:
            if self._names is None:
                self._names = RowReader(self._root / self.FILES, columns=["source"])
            names = (self._names.take(files)["source"].tolist(), [s for _, s in chunk.files])
            for name in ("articles", "errors"):
                tables[name]["source"] = self._renamed(tables[name]["source"], name, files,
                                                       *names)
        for name, groups in self._children.items():
            sub = self._tables[name].take(self._take(groups, at))
            if ids:  # rows read from typed tables keep their dtypes: only renamed ids change
                sub["article_id"] = sub["article_id"].replace(ids).astype("string")
                if name == "events":
                    sub["event_id"] = _event_ids(sub["article_id"], sub["event_id"]).astype(
                        "string")
            tables[name] = sub
        if self._prints is not None:
            kept = self._prints.take(at)
            bands = [Fingerprint(tuple(int(b) for b in bs), sig)
                     for bs, sig in zip(kept["bands"], kept["sig"], strict=True)]
        else:
            bands = [fingerprint(t, min_words=options.duplicate_min_words)
                     for t in tables["articles"]["text"]]
        return ChunkResult(Corpus(**tables), bands, self._digests[files].astype(str).tolist())

    def _renamed(self, sources: pd.Series, table: str, files: np.ndarray, old: list[str],
                 new: list[str]) -> pd.Series:
        """The `sources` of `table`'s rows for `files` (in file order), each file's `old` name
        replaced by its `new` one; an export's records keep their suffix (`#L12`)."""
        starts = self._by_file[table][1]
        file_of_row = np.repeat(np.arange(len(files)), starts[files + 1] - starts[files])
        return pd.Series([new[f] + s[len(old[f]):]
                          for s, f in zip(sources, file_of_row.tolist(), strict=True)],
                         index=sources.index, dtype=sources.dtype)

    def close(self) -> None:
        """Close the previous output's files."""
        for reader in [*self._tables.values(), *([self._names] if self._names else []),
                       *([self._prints] if self._prints else [])]:
            reader.close()


def _fill(positions: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Arrow positions as int64, -1 for null (not found)."""
    return np.asarray(pc.fill_null(positions, -1).to_numpy(zero_copy_only=False),
                      dtype=np.int64)


def _digest_or_empty(path: str | os.PathLike) -> str:
    """`file_digest`, "" for a file that cannot be read."""
    try:
        return file_digest(path)
    except OSError:
        return ""


def file_digest(path: str | os.PathLike) -> str:
    """Content hash of an input file (incremental runs reparse a file only when it changes);
    "" for what is not a regular file (a named pipe must not block the run). For a URL, the
    store's change marker (`ingest.url_digest`), so that remote files are not downloaded twice."""
    if isinstance(path, str) and is_url(path):
        return url_digest(path)
    if not stat.S_ISREG(os.stat(path).st_mode):  # never opened: a device, a pipe ...
        return ""
    h = hashlib.blake2b(digest_size=8)
    fd = os.open(path, os.O_RDONLY)  # unbuffered: the blocks go straight to the hash
    try:
        while block := os.read(fd, 1 << 20):
            h.update(block)
    finally:
        os.close(fd)
    return h.hexdigest()


def parse(inputs: str | os.PathLike | Sequence[str | os.PathLike], *, focal: str | None = None,
          manifest: str | os.PathLike | None = None, engine: str | None = None,
          workers: int | None = None, options: Options | None = None,
          scheduler: str | None = None) -> Corpus:
    """Parse `inputs` (files, folders, globs) into a `Corpus` held in memory."""
    opts = (options or Options()).with_(focal=focal, engine=engine, workers=workers)
    corpus = Corpus.concat(stream(inputs, options=opts, manifest=manifest, scheduler=scheduler))
    return corpus.validate()


def parse_to(out: str | os.PathLike, inputs: str | os.PathLike | Sequence[str | os.PathLike],
             *, options: Options | None = None, manifest: str | os.PathLike | None = None,
             scheduler: str | None = None, progress: bool = False,
             incremental: bool = False) -> dict[str, int]:
    """Parse `inputs` straight into parquet files in `out` (atomic); return row counts.

    `incremental=True` reuses the previous output in `out` for files whose bytes did not
    change and parses only new or changed ones; the tables equal those of a full run.
    """
    opts = options or Options()
    started = time.time()
    items = [inputs] if isinstance(inputs, str | os.PathLike) else list(inputs)
    previous = None  # the folder: read after the fork
    if incremental and (Path(out) / "articles.parquet").exists():
        why = Previous.unusable(out, options=opts, manifest=manifest)
        if why:
            warnings.warn(f"--incremental: the output in {out} is not reused, {why}; every "
                          "file is parsed", stacklevel=2)
        else:
            previous = out
    meta = {"focal": opts.focal, "engine": opts.engine, "inputs": [str(i) for i in items],
            "incremental": previous is not None, "code": code_fingerprint(),
            "options": recorded_options(opts), "manifest": manifest_digest(manifest),
            "ner_models": ner_versions(opts.ner_models, use_ner=opts.use_ner)}
    digests: list[tuple[str, str]] = []  # each chunk's, written with it
    prints: list[Fingerprint] = []  # each chunk's articles' MinHash, written with it
    tally: dict[str, int] = {}

    def write_side_files() -> None:
        source, digest = zip(*digests, strict=True) if digests else ((), ())
        writer.extra(Previous.FILES, pa.table({"source": pa.array(source, pa.string()),
                                               "digest": pa.array(digest, pa.string())}))
        writer.extra(Previous.MINHASH, pa.table({
            "bands": pa.array([list(f.bands) for f in prints], pa.list_(pa.uint64())),
            "sig": pa.array([f.sig for f in prints], pa.binary())}))
        digests.clear()
        prints.clear()

    with TableWriter(Path(out), meta=meta) as writer:
        write_side_files()  # the files exist even when there is no input file
        for part in stream(items, options=opts, manifest=manifest, scheduler=scheduler,
                           progress=progress, previous=previous, digests=digests,
                           fingerprints=prints, tally=tally):
            writer.write(part)
            write_side_files()
        writer.meta["seconds"] = round(time.time() - started, 3)
        writer.meta["files"] = {k: tally.get(k, 0) for k in ("parsed", "reused")}
    return dict(writer.rows)


_SPREAD = ("engine", "workers", "chunk_size")  # how a parse is spread: the tables are the same


def recorded_options(options: Options) -> dict[str, Any]:
    """The options a manifest records (all but where the parse ran)."""
    return {k: v for k, v in vars(options).items() if k not in ("engine", "workers")}


def made_otherwise(made: dict[str, Any], *, options: Options,
                   manifest: str | os.PathLike | None = None,
                   ignore: Sequence[str] = ()) -> str | None:
    """Why the tables whose run manifest is `made` are not those this code would make with
    `options` and `manifest` (None when they are): other code, options (but those in
    `ignore`), manifest values, or spaCy models installed (with use_ner auto or yes)."""
    if made.get("code") != code_fingerprint():
        return f"it was made by other ctkit code (version {made.get('ctkit_version')})"
    had, want = made.get("options") or {}, recorded_options(options)
    differ = sorted(k for k in had.keys() | want.keys()
                    if k not in ignore and had.get(k) != want.get(k))
    if differ:
        return f"it was made with other options ({', '.join(differ)})"
    if made.get("manifest") != manifest_digest(manifest):
        return "it was made with other manifest values (--manifest)"
    models = ner_versions(options.ner_models, use_ner=options.use_ner)
    if made.get("ner_models", {}) != models:
        return (f"it was made with other spaCy models installed ({made.get('ner_models')}, "
                f"now {models})")
    return None


def manifest_digest(manifest: str | os.PathLike | None) -> str | None:
    """Hash of a manifest's values (None without one): rows made with other values are not
    reused."""
    if manifest is None:
        return None
    import json

    entries = json.dumps(read_manifest(manifest), sort_keys=True, ensure_ascii=False)
    return hashlib.blake2b(entries.encode("utf-8"), digest_size=8).hexdigest()


def code_fingerprint() -> str:
    """Hash of ctkit's modules and data files: tables made by other code are not reused."""
    root = Path(__file__).parent
    h = hashlib.blake2b(digest_size=8)
    for p in sorted([*root.glob("*.py"), *(root / "data").iterdir()]):
        if p.is_file():
            h.update(p.name.encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def up_to_date(out: str | os.PathLike, inputs: str | os.PathLike | Sequence[str | os.PathLike],
               *, options: Options | None = None) -> bool:
    """True when `out` holds tables this code made from exactly these input files."""
    import json

    opts = options or Options()
    root = Path(out)
    try:
        made = json.loads((root / MANIFEST).read_text("utf-8"))
        files = pd.read_parquet(root / Previous.FILES)
    except (OSError, ValueError):
        return False
    if made_otherwise(made, options=opts) is not None:
        return False
    current, _, _ = plan(inputs)
    if [s for _, s in current] != list(files["source"]):
        return False
    return all(file_digest(p) == d for (p, _), d in zip(current, files["digest"], strict=True))
