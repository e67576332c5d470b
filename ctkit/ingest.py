"""Readers: turn files, globs and exports into `RawDoc`s (or error rows), never losing one.

A registry keyed by format maps each input to a reader; every reader yields `RawDoc` for a
document it could read and `ErrorRow` for one it could not, with a message a user can act on.
"""
from __future__ import annotations

import codecs
import csv
import glob
import gzip
import hashlib
import io
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import ftfy
from charset_normalizer import from_bytes

#: Media Cloud-style export columns (DESIGN.md §1) and the aliases we accept for them
EXPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "stories_id", "guid"),
    "url": ("url", "link"),
    "title": ("title", "headline"),
    "published": ("publish_date", "published", "date", "pubdate"),
    "outlet": ("media_name", "outlet", "source", "media", "sitename"),
    "language": ("language", "lang"),
    "text": ("text", "body", "content", "story_text"),
}
MANIFEST_FIELDS = ("file", "url", "outlet", "published", "title")
_MAGIC = {b"%PDF": "a PDF", b"PK\x03\x04": "a ZIP archive", b"\x89PNG": "a PNG image",
          b"GIF8": "a GIF image", b"\xff\xd8\xff": "a JPEG image", b"\x1f\x8b": "gzip data",
          b"Rar!": "a RAR archive", b"7z\xbc\xaf": "a 7z archive", b"\x7fELF": "a program"}
_MOJIBAKE = re.compile(
    "[ÃÂâØÙ][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc]"
)


@dataclass(frozen=True)
class RawDoc:
    """One input document as read, before cleaning; metadata only when the input carries it."""

    source: str
    raw_text: str
    digest: str
    url: str | None = None
    outlet: str | None = None
    title: str | None = None
    published: str | None = None
    language: str | None = None
    is_html: bool = False


@dataclass(frozen=True)
class ErrorRow:
    """A document (or part of one) that could not be used, and why."""

    source: str
    stage: str
    error: str
    severity: str = "error"


class InputError(ValueError):
    """A usage problem with the inputs as a whole (missing path, bad manifest)."""


def digest(data: bytes) -> str:
    """Stable content hash used for `article_id` and incremental runs."""
    return hashlib.blake2b(data, digest_size=8).hexdigest()


# ---------------------------------------------------------------- bytes -> text

def decode(data: bytes) -> tuple[str, str | None]:
    """Text of `data` and a warning when the encoding had to be guessed or repaired."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
                     (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return _repair(data.decode(enc, errors="replace")), None
    warning = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(data[:200_000]).best()
        enc = best.encoding if best is not None else "cp1252"
        try:
            text = data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            enc = "cp1252"
            text = data.decode(enc, errors="replace")
        warning = f"not UTF-8; decoded as {enc}"
    text = text.replace("\x00", "")
    fixed = _repair(text)
    if fixed != text and warning is None:
        warning = "repaired mojibake"
    return fixed, warning


def _repair(text: str) -> str:
    return ftfy.fix_text(text, normalization="NFC") if _MOJIBAKE.search(text) else text


def sniff_binary(data: bytes) -> str | None:
    """What a binary file looks like ("a PDF", ...) or None for text."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return what
    head = data[:8192]
    if head.count(b"\x00") > len(head) // 10 and head[:2] not in (b"\xff\xfe", b"\xfe\xff"):
        return "binary data"
    return None


def read_bytes(path: Path, *, max_bytes: int) -> bytes:
    """File contents, transparently gunzipped, refusing more than `max_bytes` (gzip bombs too)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(f"file is {size:,} bytes, over the limit of {max_bytes:,} (max_bytes)")
    with path.open("rb") as fh:
        head = fh.read(2)
        fh.seek(0)
        stream = gzip.GzipFile(fileobj=fh) if head == b"\x1f\x8b" else fh
        data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"decompressed size is over the limit of {max_bytes:,} bytes")
    return data


# ---------------------------------------------------------------- readers

Reader = Callable[[Path, str, int], Iterator["RawDoc | ErrorRow"]]
READERS: dict[str, Reader] = {}


def reader(*formats: str) -> Callable[[Reader], Reader]:
    """Register a reader for file formats (suffixes without dot and without .gz)."""
    def deco(fn: Reader) -> Reader:
        for f in formats:
            READERS[f] = fn
        return fn
    return deco


def _text_doc(source: str, data: bytes, *, is_html: bool = False) -> Iterator[RawDoc | ErrorRow]:
    what = sniff_binary(data)
    if what:
        yield ErrorRow(source, "ingest", f"{what}, not a text article; skipped")
        return
    text, warning = decode(data)
    if not text.strip():
        yield ErrorRow(source, "ingest", "empty document (no text)")
        return
    if warning:
        yield ErrorRow(source, "ingest", warning, severity="warning")
    yield RawDoc(source, text, digest(data), is_html=is_html)


@reader("txt", "text", "")
def read_text(path: Path, source: str, max_bytes: int) -> Iterator[RawDoc | ErrorRow]:
    """A plain-text page saved by a scraper: one article per file."""
    yield from _text_doc(source, read_bytes(path, max_bytes=max_bytes))


@reader("html", "htm", "xhtml")
def read_html(path: Path, source: str, max_bytes: int) -> Iterator[RawDoc | ErrorRow]:
    """An HTML page: trafilatura finds the body and the metadata."""
    data = read_bytes(path, max_bytes=max_bytes)
    for item in _text_doc(source, data, is_html=True):
        if isinstance(item, ErrorRow):
            yield item
            continue
        yield from _from_html(item)


def _from_html(doc: RawDoc) -> Iterator[RawDoc | ErrorRow]:
    import trafilatura  # imported here: only HTML inputs pay for it

    res = trafilatura.bare_extraction(doc.raw_text, with_metadata=True, include_comments=False,
                                      favor_recall=True, as_dict=True)
    if not res or not (res.get("text") or "").strip():
        yield ErrorRow(doc.source, "ingest", "HTML page without an article body")
        return
    yield replace(doc, raw_text=res["text"], title=res.get("title") or None,
                  url=res.get("url") or None, outlet=res.get("sitename") or None,
                  published=res.get("date") or None, is_html=False)


def _export_record(rec: dict, source: str) -> RawDoc | ErrorRow:
    keys = {k.lower().strip(): k for k in rec}
    got = {f: next((rec[keys[a]] for a in aliases if a in keys), None)
           for f, aliases in EXPORT_FIELDS.items()}
    if got["text"] is None:
        return ErrorRow(source, "ingest", "record has no text column; expected one of "
                        f"{list(EXPORT_FIELDS['text'])} (Media Cloud columns: "
                        "id, url, title, publish_date, media_name, language, text)")
    text = str(got["text"])
    if not text.strip():
        return ErrorRow(source, "ingest", "empty document (no text)")
    blob = json.dumps(rec, sort_keys=True, ensure_ascii=False, default=str).encode()
    clean = {k: (str(v).strip() or None) if v is not None else None for k, v in got.items()}
    return RawDoc(source, _repair(text), digest(blob), url=clean["url"], outlet=clean["outlet"],
                  title=clean["title"], published=clean["published"], language=clean["language"])


@reader("jsonl", "ndjson", "json")
def read_jsonl(path: Path, source: str, max_bytes: int) -> Iterator[RawDoc | ErrorRow]:
    """JSON Lines export (one record per line); a JSON array file is accepted too."""
    text, _ = decode(read_bytes(path, max_bytes=max_bytes))
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            yield ErrorRow(source, "ingest", f"invalid JSON: {exc.msg} at line {exc.lineno}")
            return
        for i, rec in enumerate(records, 1):
            src = f"{source}#{i}"
            yield (_export_record(rec, src) if isinstance(rec, dict)
                   else ErrorRow(src, "ingest", "array item is not a JSON object"))
        return
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        src = f"{source}#L{lineno}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ErrorRow(src, "ingest", f"malformed JSON line: {exc.msg}")
            continue
        yield (_export_record(rec, src) if isinstance(rec, dict)
               else ErrorRow(src, "ingest", "JSON line is not an object"))


@reader("csv", "tsv")
def read_csv(path: Path, source: str, max_bytes: int) -> Iterator[RawDoc | ErrorRow]:
    """CSV/TSV export with a header row naming Media Cloud-style columns."""
    text, _ = decode(read_bytes(path, max_bytes=max_bytes))
    csv.field_size_limit(max_bytes)
    delim = "\t" if path.name.lower().removesuffix(".gz").endswith(".tsv") else ","
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        header = next(rows)
    except (StopIteration, csv.Error):
        yield ErrorRow(source, "ingest", "CSV file without a header row")
        return
    names = {h.lower().strip() for h in header}
    if not names & set(EXPORT_FIELDS["text"]):
        yield ErrorRow(source, "ingest", f"CSV has columns {header}; expected a text column "
                       f"({'/'.join(EXPORT_FIELDS['text'])}) beside id, url, title, "
                       "publish_date, media_name, language")
        return
    while True:
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as exc:
            yield ErrorRow(f"{source}#L{rows.line_num}", "ingest", f"malformed CSV row: {exc}")
            continue
        src = f"{source}#L{rows.line_num}"
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            yield ErrorRow(src, "ingest",
                           f"CSV row has {len(row)} fields, the header has {len(header)}")
            continue
        yield _export_record(dict(zip(header, row, strict=True)), src)


def format_of(path: Path) -> str:
    """Reader key for `path`: its suffix without `.gz`."""
    name = path.name.lower().removesuffix(".gz")
    return name.rsplit(".", 1)[1] if "." in name else ""


# ---------------------------------------------------------------- inputs and manifest

def expand(inputs: Iterable[str | os.PathLike]) -> list[tuple[Path, str]]:
    """(path, source) for every file under `inputs` (files, directories, globs), sorted.

    Hidden and `_`-prefixed names are skipped (`_truth.jsonl`, `.git`); symlink loops are not
    followed twice; a path that matches nothing is an InputError.
    """
    found: dict[str, Path] = {}
    for item in inputs:
        s = os.fspath(item)
        matches = sorted(glob.glob(s, recursive=True)) if glob.has_magic(s) else [s]
        if not matches or not all(os.path.lexists(m) for m in matches):
            raise InputError(f"input not found: {s}")
        for m in matches:
            p = Path(m)
            if p.is_dir():
                seen: set[str] = set()
                for root, dirs, files in os.walk(p, followlinks=True):
                    real = os.path.realpath(root)
                    if real in seen:
                        dirs[:] = []
                        continue
                    seen.add(real)
                    dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
                    for f in sorted(files):
                        if not f.startswith((".", "_")):
                            fp = Path(root, f)
                            found[fp.as_posix()] = fp
            else:
                found[p.as_posix()] = p
    return [(found[k], k) for k in sorted(found)]


def read_manifest(path: str | os.PathLike, *, root: Path | None = None) -> dict[str, dict]:
    """file name -> {url, outlet, published, title} from a manifest CSV; values win over text."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"manifest not found: {p}")
    with p.open(newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    if not rows or "file" not in rows[0]:
        raise InputError(f"manifest {p} needs a 'file' column "
                         f"(columns: {', '.join(MANIFEST_FIELDS)})")
    out: dict[str, dict] = {}
    for row in rows:
        name = (row.get("file") or "").strip()
        if not name:
            continue
        if os.path.isabs(name) or ".." in Path(name).parts:
            raise InputError(f"manifest {p} names {name!r}, outside the input root; "
                             "use paths relative to the input folder")
        out[Path(name).as_posix()] = {k: (row.get(k) or "").strip() or None
                                      for k in MANIFEST_FIELDS[1:]}
    return out


def apply_manifest(doc: RawDoc, manifest: dict[str, dict], root_rel: str) -> RawDoc:
    """`doc` with manifest values for its file (matched by relative path, then by name)."""
    entry = manifest.get(root_rel) or manifest.get(Path(root_rel).name)
    if not entry:
        return doc
    return replace(doc, **{k: v for k, v in entry.items() if v})


def read(path: Path, source: str, *, max_bytes: int) -> Iterator[RawDoc | ErrorRow]:
    """Every document in one input file, or error rows saying why not."""
    try:
        fmt = format_of(path)
        fn = READERS.get(fmt, read_text)
        yield from fn(path, source, max_bytes)
    except InputError as exc:
        yield ErrorRow(source, "ingest", str(exc))
    except PermissionError:
        yield ErrorRow(source, "ingest", "permission denied: file is not readable")
    except IsADirectoryError:
        yield ErrorRow(source, "ingest", "is a directory")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        yield ErrorRow(source, "ingest", f"cannot read file: {exc}")
    except RecursionError:
        yield ErrorRow(source, "ingest", "document too deeply nested to read")
