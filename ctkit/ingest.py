"""Readers: turn files, globs and exports into `RawDoc`s (or error rows), never losing one.

A registry keyed by format maps each input to a reader; every reader yields `RawDoc` for a
document it could read and `ErrorRow` for one it could not, with a message a user can act on.
Nothing a file holds may stop a run: `read` turns any failure into an error row for that file,
and every string that leaves this module can be written to parquet (no lone surrogates).
"""
from __future__ import annotations

import codecs
import csv
import glob
import gzip
import hashlib
import io
import itertools
import json
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

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
MEDIA_CLOUD_COLUMNS = "id, url, title, publish_date, media_name, language, text"
MANIFEST_FIELDS = ("file", "url", "outlet", "published", "title")
#: legacy code pages of the Maghreb press (French, Arabic), tried before any other guess:
#: charset detection on a few short lines confuses cp1252 with cp1250 ("à" -> "ŕ")
LEGACY_ENCODINGS = ("cp1252", "cp1256")
_MAGIC = {b"%PDF": "a PDF", b"PK\x03\x04": "a ZIP archive (or an Office document)",
          b"PK\x05\x06": "an empty ZIP archive", b"\x89PNG": "a PNG image",
          b"GIF8": "a GIF image", b"\xff\xd8\xff": "a JPEG image", b"\x1f\x8b": "gzip data",
          b"Rar!": "a RAR archive", b"7z\xbc\xaf": "a 7z archive", b"\x7fELF": "a program",
          b"\xfd7zXZ\x00": "xz data", b"\x28\xb5\x2f\xfd": "zstd data",
          b"\xd0\xcf\x11\xe0": "an old Microsoft Office document", b"SQLite format 3\x00":
          "an SQLite database", b"OggS": "an Ogg media file", b"\x1a\x45\xdf\xa3":
          "a WebM/Matroska video", b"wOFF": "a web font", b"wOF2": "a web font",
          b"%!PS": "a PostScript file", b"MZ\x90\x00": "a Windows program"}
_MAGIC_STARTS = tuple(_MAGIC)
_MAGIC_AT = {(257, b"ustar"): "a tar archive", (4, b"ftyp"): "an MP4/MOV video",
             (8, b"WEBP"): "a WebP image", (8, b"WAVE"): "a WAV sound",
             (8, b"AVI "): "an AVI video"}
_BZIP2 = re.compile(rb"BZh[1-9]1AY&SY")
#: bytes that do not occur in text in any single-byte or UTF-8 encoding (C0 controls but
#: tab, newlines, form feeds and escape)
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))
_MOJIBAKE_LEADS = "ÃÂâØÙ"
_MOJIBAKE = re.compile(
    f"[{_MOJIBAKE_LEADS}]"
    "[\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc]"
)
_SURROGATE = re.compile("[\ud800-\udfff]")


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
    record: bool = False  # a record of an export file: its text is the article body itself
    # the hash of the input file's bytes as stored, when this document is all of it (a local
    # plain text or HTML file, not gzipped): the pipeline's file index needs no second read
    file_digest: str = ""


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


def _storable(text: str) -> str:
    """`text` without lone surrogates (JSON escapes like "\\ud800"), which parquet cannot store."""
    return _SURROGATE.sub("\ufffd", text) if not text.isascii() else text


def display_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (legacy names) shown as \\xNN."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        try:
            return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return _storable(name)


# ---------------------------------------------------------------- bytes -> text

def decode(data: bytes) -> tuple[str, str | None]:
    """Text of `data` and a warning when the encoding had to be guessed or repaired.

    UTF-8 first; a file whose lines are partly UTF-8 and partly a legacy code page (pasted
    together by a scraper) is decoded line by line; NUL bytes are dropped; mojibake repaired.
    """
    text: str | None = None
    warning: str | None = None
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"),
                     (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            text = data.decode(enc, errors="replace")
            break
    if text is None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text, warning = _decode_legacy(data)
    text = text.replace("\x00", "")
    fixed = _repair(text)
    if fixed != text and warning is None:
        warning = "repaired mojibake"
    return fixed, warning


def _guess_legacy(data: bytes) -> str:
    """The code page of non-UTF-8 bytes: the Maghreb ones first, then any, else cp1252."""
    sample = data[:200_000]
    best = from_bytes(sample, cp_isolation=list(LEGACY_ENCODINGS)).best()
    if best is None:
        best = from_bytes(sample).best()
    enc = best.encoding if best is not None else "cp1252"
    try:
        codecs.lookup(enc)
    except LookupError:
        return "cp1252"
    return enc


def _decode_legacy(data: bytes) -> tuple[str, str]:
    lines = data.splitlines(keepends=True)
    utf8 = [ln.isascii() or _is_utf8(ln) for ln in lines]
    bad = [ln for ln, ok in zip(lines, utf8, strict=True) if not ok]
    mixed = any(ok and not ln.isascii() for ln, ok in zip(lines, utf8, strict=True))
    enc = _guess_legacy(b"".join(bad) if mixed else data)
    if not mixed:
        return data.decode(enc, errors="replace"), f"not UTF-8; decoded as {enc}"
    text = "".join(ln.decode("utf-8") if ok else ln.decode(enc, errors="replace")
                   for ln, ok in zip(lines, utf8, strict=True))
    return text, (f"mixed encodings: {len(bad)} of {len(lines)} lines were not UTF-8 and were "
                  f"decoded as {enc}")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _repair(text: str) -> str:
    # `in` tests for the characters mojibake starts with are 20x faster than the regex search
    if any(c in text for c in _MOJIBAKE_LEADS) and _MOJIBAKE.search(text):
        return ftfy.fix_text(text, normalization="NFC")
    return text


def sniff_binary(data: bytes) -> str | None:
    """What a binary file looks like ("a PDF", "a tar archive", ...) or None for text."""
    if data.startswith(_MAGIC_STARTS):  # one call for all (most files start with none)
        return next(what for magic, what in _MAGIC.items() if data.startswith(magic))
    for (offset, magic), what in _MAGIC_AT.items():
        if data[offset:offset + len(magic)] == magic:
            return what
    if _BZIP2.match(data):
        return "bzip2 data"
    head = data[:8192]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):  # UTF-16/32 with a BOM: NULs are expected
        return None
    if head.count(b"\x00") > len(head) // 10:
        return "binary data"
    controls = len(head) - len(head.translate(None, _CONTROL))  # one C pass, not one per byte
    if len(head) >= 64 and controls > len(head) // 20:
        return "binary data"
    return None


def read_bytes(path: Location, *, max_bytes: int) -> bytes:
    """File contents, transparently gunzipped, refusing more than `max_bytes` (gzip bombs too).

    Only regular files are opened: a named pipe would block forever, a device never ends.
    `path` may be an fsspec URL (`is_url`): read through fsspec, with the same limits.
    """
    return read_file(path, max_bytes=max_bytes)[0]


def read_file(path: Location, *, max_bytes: int) -> tuple[bytes, bool]:
    """`read_bytes`, and whether the bytes are the file as stored (local and not gzipped)."""
    if isinstance(path, str):
        with _fsspec().open(path, "rb") as fh:
            return _bounded_read(fh, max_bytes)[0], False
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(str(path))
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"not a regular file ({_file_kind(st.st_mode)}); skipped")
    if st.st_size > max_bytes:
        raise InputError(f"file is {st.st_size:,} bytes, over the limit of {max_bytes:,} "
                         "(max_bytes)")
    with path.open("rb") as fh:
        return _bounded_read(fh, max_bytes)


def _bounded_read(fh: Any, max_bytes: int) -> tuple[bytes, bool]:
    """An open binary file's contents, gunzipped when gzip, refusing more than `max_bytes`;
    and whether they are the bytes as stored (not gunzipped)."""
    head = fh.read(2)
    fh.seek(0)
    gzipped = head == b"\x1f\x8b"
    stream = gzip.GzipFile(fileobj=fh) if gzipped else fh
    data = _read_at_most(stream, max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"decompressed size is over the limit of {max_bytes:,} bytes "
                         "(max_bytes; a gzip bomb?)")
    return data, not gzipped


def _read_at_most(stream: io.BufferedIOBase | gzip.GzipFile, limit: int) -> bytes:
    """Up to `limit` bytes in 1 MiB blocks (one read(limit) would allocate `limit` at once)."""
    parts: list[bytes] = []
    total = 0
    while total < limit:
        block = stream.read(min(1 << 20, limit - total))
        if not block:
            break
        parts.append(block)
        total += len(block)
    return b"".join(parts)


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "a special file"


# ---------------------------------------------------------------- readers

#: where a reader reads from: a local path, or an fsspec URL string (`is_url`)
Location = Path | str
Reader = Callable[[Location, str, int], Iterator["RawDoc | ErrorRow"]]
READERS: dict[str, Reader] = {}


def reader(*formats: str) -> Callable[[Reader], Reader]:
    """Register a reader for file formats (suffixes without dot and without .gz)."""
    def deco(fn: Reader) -> Reader:
        for f in formats:
            READERS[f] = fn
        return fn
    return deco


def _text_doc(source: str, data: bytes, *, is_html: bool = False, whole_file: bool = False
              ) -> Iterator[RawDoc | ErrorRow]:
    """The document of a file that holds one (`whole_file`: `data` is the file as stored)."""
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
    h = digest(data)
    yield RawDoc(source, text, h, is_html=is_html, file_digest=h if whole_file else "")


@reader("txt", "text", "")
def read_text(path: Location, source: str, max_bytes: int) -> Iterator[RawDoc | ErrorRow]:
    """A plain-text page saved by a scraper: one article per file."""
    data, whole = read_file(path, max_bytes=max_bytes)
    yield from _text_doc(source, data, whole_file=whole)


@reader("html", "htm", "xhtml")
def read_html(path: Location, source: str, max_bytes: int) -> Iterator[RawDoc | ErrorRow]:
    """An HTML page: trafilatura finds the body and the metadata."""
    data, whole = read_file(path, max_bytes=max_bytes)
    for item in _text_doc(source, data, is_html=True, whole_file=whole):
        if isinstance(item, ErrorRow):
            yield item
            continue
        yield from _from_html(item)


def _from_html(doc: RawDoc) -> Iterator[RawDoc | ErrorRow]:
    import trafilatura  # imported here: only HTML inputs pay for it

    found = trafilatura.bare_extraction(doc.raw_text, with_metadata=True,
                                        include_comments=False, favor_recall=True)
    # a Document (trafilatura >= 1.9; its `as_dict=True` argument is deprecated), or None
    res: dict[str, Any] = found.as_dict() if hasattr(found, "as_dict") else found or {}
    if not (res.get("text") or "").strip():
        yield ErrorRow(doc.source, "ingest", "HTML page without an article body")
        return
    yield replace(doc, raw_text=res["text"], title=res.get("title") or None,
                  url=res.get("url") or None, outlet=res.get("sitename") or None,
                  published=res.get("date") or None, is_html=False)


def _field(value: Any) -> str | None:
    if value is None:
        return None
    return _storable(str(value)).replace("\x00", "").strip() or None


def _export_record(rec: dict, source: str) -> RawDoc | ErrorRow:
    keys = {str(k).lower().strip(): k for k in rec}
    got = {f: next((rec[keys[a]] for a in aliases if a in keys), None)
           for f, aliases in EXPORT_FIELDS.items()}
    text_keys = [a for a in EXPORT_FIELDS["text"] if a in keys]
    if not text_keys:
        found = ", ".join(sorted(_storable(str(k)) for k in rec)[:12]) or "none"
        return ErrorRow(source, "ingest", "record has no text column; expected one of "
                        f"{', '.join(EXPORT_FIELDS['text'])} (Media Cloud columns: "
                        f"{MEDIA_CLOUD_COLUMNS}); found columns: {found}")
    value = got["text"]
    if isinstance(value, dict | list):
        return ErrorRow(source, "ingest", f"the {text_keys[0]!r} field holds a JSON "
                        f"{'object' if isinstance(value, dict) else 'array'}, not text")
    text = "" if value is None else _storable(str(value)).replace("\x00", "")
    if not text.strip():
        return ErrorRow(source, "ingest", f"empty document (the {text_keys[0]!r} field is empty)")
    blob = json.dumps(rec, sort_keys=True, ensure_ascii=False, default=str)
    clean = {k: _field(v) for k, v in got.items()}
    return RawDoc(source, _repair(text), digest(blob.encode("utf-8", "surrogatepass")),
                  url=clean["url"], outlet=clean["outlet"], title=clean["title"],
                  published=clean["published"], language=clean["language"], record=True)


def _whole_json(text: str) -> Any:
    """The file parsed as one JSON value, or None when it is not one (JSON Lines, broken)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


@reader("jsonl", "ndjson", "json")
def read_jsonl(path: Location, source: str, max_bytes: int) -> Iterator[RawDoc | ErrorRow]:
    """JSON Lines export (one record per line); a JSON array, or one object in a .json, too.

    Lines are split on "\\n" only (a record may hold U+2028 or form feeds); each bad line is an
    error row with its line number and the good ones around it are kept.
    """
    text, _ = decode(read_bytes(path, max_bytes=max_bytes))
    if not text.strip():
        yield ErrorRow(source, "ingest", "empty export (no records)")
        return
    if text.lstrip()[:1] in ("[", "{"):
        whole = _whole_json(text)
        if isinstance(whole, list):
            if not whole:
                yield ErrorRow(source, "ingest", "empty export (a JSON array without records)")
            for i, rec in enumerate(whole, 1):
                src = f"{source}#{i}"
                yield (_export_record(rec, src) if isinstance(rec, dict)
                       else ErrorRow(src, "ingest", "array item is not a JSON object"))
            return
        if isinstance(whole, dict) and format_of(path) == "json":
            yield _export_record(whole, source)
            return
    n = 0
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        n += 1
        src = f"{source}#L{lineno}"
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            yield ErrorRow(src, "ingest", f"malformed JSON line: {exc.msg} (column {exc.colno})")
            continue
        except RecursionError:
            yield ErrorRow(src, "ingest", "malformed JSON line: nested too deeply to read")
            continue
        yield (_export_record(rec, src) if isinstance(rec, dict)
               else ErrorRow(src, "ingest", "JSON line is not an object"))
    if not n:
        yield ErrorRow(source, "ingest", "empty export (no records)")


def _unterminated(lines: list[str], delim: str) -> bool:
    """True when `lines` (one record) end inside a quoted field that is never closed."""
    try:
        list(csv.reader(lines, delimiter=delim, strict=True))
    except csv.Error as exc:
        return "unexpected end of data" in str(exc)
    return False


def _csv_records(lines: list[str], delim: str
                 ) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """(first line number, fields or None, problem or None) for each CSV record.

    A quote that is never closed would swallow every following line into one field; such a
    record becomes a problem at its first line and reading resumes on the line after it.
    """
    start = 0
    while start < len(lines):
        rows = csv.reader(itertools.islice(lines, start, None), delimiter=delim)
        done = 0
        try:
            for row in rows:
                first, end = start + done, start + rows.line_num
                if end == len(lines) and end - first > 1 and \
                        _unterminated(lines[first:end], delim):
                    yield first + 1, None, ("unterminated quoted field (a '\"' is never "
                                            "closed); the lines after it are read as rows")
                    start = first + 1
                    break
                yield first + 1, row, None
                done = rows.line_num
            else:
                return
        except csv.Error as exc:
            yield start + done + 1, None, f"malformed CSV row: {exc}"
            start = max(start + rows.line_num, start + done + 1)


@reader("csv", "tsv")
def read_csv(path: Location, source: str, max_bytes: int) -> Iterator[RawDoc | ErrorRow]:
    """CSV/TSV export with a header row naming Media Cloud-style columns.

    Each record's source is `file.csv#L<n>`, n the line the record starts on.
    """
    text, _ = decode(read_bytes(path, max_bytes=max_bytes))
    if not text.strip():
        yield ErrorRow(source, "ingest", "empty export (no header, no records)")
        return
    csv.field_size_limit(max(max_bytes, 131_072))
    delim = "\t" if format_of(path) == "tsv" else ","
    records = _csv_records(list(io.StringIO(text, newline="")), delim)
    header: list[str] | None = None
    for _, row, _problem in records:
        if row is None or any(c.strip() for c in row):
            header = row
            break
    if not header:
        yield ErrorRow(source, "ingest", "CSV file without a readable header row; expected "
                       f"columns {MEDIA_CLOUD_COLUMNS}")
        return
    names = {h.lower().strip() for h in header}
    if not names & set(EXPORT_FIELDS["text"]):
        shown = [_storable(h) for h in header[:12]]
        yield ErrorRow(source, "ingest", f"CSV has columns {shown}; expected a text column "
                       f"({'/'.join(EXPORT_FIELDS['text'])}) beside id, url, title, "
                       "publish_date, media_name, language")
        return
    n = 0
    for lineno, row, problem in records:
        src = f"{source}#L{lineno}"
        if row is None:
            n += 1
            yield ErrorRow(src, "ingest", problem or "malformed CSV row")
            continue
        if not any(c.strip() for c in row):
            continue
        n += 1
        if len(row) != len(header):
            yield ErrorRow(src, "ingest",
                           f"CSV row has {len(row)} fields, the header has {len(header)}")
            continue
        yield _export_record(dict(zip(header, row, strict=True)), src)
    if not n:
        yield ErrorRow(source, "ingest", "empty export (a header row but no records)")


def format_of(path: Location) -> str:
    """Reader key for `path` (a Path or a URL): its suffix without `.gz`."""
    name = (path.name if isinstance(path, Path) else url_name(path)).lower().removesuffix(".gz")
    return name.rsplit(".", 1)[1] if "." in name else ""


# ---------------------------------------------------------------- inputs and manifest

def expand(inputs: Iterable[str | os.PathLike]) -> list[tuple[str, str]]:
    """(path, source) for every file under `inputs` (files, directories, globs), sorted.

    Hidden and `_`-prefixed names are skipped (`_truth.jsonl`, `.git`); symlink loops are not
    followed twice; a folder that cannot be listed is returned too (`read` makes it an error
    row); a path that matches nothing is an InputError. Sources show undecodable bytes of file
    names as \\xNN. Paths come back as strings (`location` makes a Path or keeps a URL); fsspec
    URLs (`s3://bucket/news/`) are listed with fsspec and come after the local files.
    """
    found: set[str] = set()  # strings: a million Paths weigh ~0.5 GB
    urls: set[str] = set()

    def unlisted(err: OSError) -> None:
        if err.filename:
            found.add(Path(os.fsdecode(err.filename)).as_posix())

    for item in inputs:
        s = os.fspath(item)
        if is_url(s):
            urls.update(_expand_url(s))
            continue
        matches = sorted(glob.glob(s, recursive=True)) if glob.has_magic(s) else [s]
        if not matches or not all(os.path.lexists(m) for m in matches):
            raise InputError(f"input not found: {display_name(s)}")
        for m in matches:
            p = Path(m)
            if p.is_dir():
                seen: set[str] = set()
                for root, dirs, files in os.walk(p, followlinks=True, onerror=unlisted):
                    real = os.path.realpath(root)
                    if real in seen:
                        dirs[:] = []
                        continue
                    seen.add(real)
                    dirs[:] = sorted(d for d in dirs if not d.startswith((".", "_")))
                    for f in sorted(files):
                        if not f.startswith((".", "_")):  # `root` is normalised (from a Path):
                            found.add(_joined(root, f))  # no Path per file (4 s per million)
            else:
                found.add(p.as_posix())
    local = [(k, display_name(k)) for k in sorted(found)]
    return local + [(u, display_name(u)) for u in sorted(urls)]


def _joined(root: str, name: str) -> str:
    """`Path(root, name).as_posix()` for a normalised `root`, without making a Path."""
    joined = os.path.join(root, name)
    return joined if os.sep == "/" else Path(joined).as_posix()


# ---------------------------------------------------------------- URLs (fsspec)

_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]+://")


def is_url(name: str) -> bool:
    """True for an fsspec URL (`s3://bucket/news/`, `gcs://...`, `file:///data/...`)."""
    return bool(_URL.match(name))


def url_name(url: str) -> str:
    """The last path segment of a URL: its file name."""
    return url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise InputError("reading URLs needs fsspec: pip install 'ctkit[dask]' (or fsspec and "
                         "the package for your storage, e.g. s3fs)") from None
    return fsspec


def _expand_url(url: str) -> list[str]:
    """Every file under a URL (a file, a folder or a glob), as full URLs, hidden ones skipped.

    Reading them happens where the documents are parsed (the dask workers, on a cluster)."""
    fsspec = _fsspec()
    try:
        fs, root = fsspec.core.url_to_fs(url)
        if glob.has_magic(root):
            paths = [p for p in fs.glob(root) if not fs.isdir(p)]
        elif fs.isdir(root):
            base = root.rstrip("/") + "/"
            paths = [p for p in fs.find(root) if p.startswith(base) and not any(
                part.startswith((".", "_")) for part in p[len(base):].split("/"))]
        elif fs.exists(root):
            paths = [root]
        else:
            paths = []
    except (ImportError, ValueError) as exc:  # unknown protocol or its package missing
        raise InputError(f"cannot open {url}: {exc}") from None
    except OSError as exc:
        raise InputError(f"cannot list {url}: {exc}") from None
    if not paths:
        raise InputError(f"input not found: {url}")
    return [fs.unstrip_protocol(p) for p in sorted(paths)]


def location(name: str) -> Location:
    """A file name as `read` takes it: a URL stays a string, anything else is a Path."""
    return name if is_url(name) else Path(name)


def url_digest(url: str) -> str:
    """A change marker for a remote file (fsspec's checksum: ETag, size/mtime ...)."""
    fs, path = _fsspec().core.url_to_fs(url)
    return f"{int(fs.checksum(path)) & (2**64 - 1):016x}"


def read_manifest(path: str | os.PathLike, *, root: Path | None = None) -> dict[str, dict]:
    """file name -> {url, outlet, published, title} from a manifest CSV; values win over text.

    Names must be relative to the input folder: absolute paths and `..` are rejected.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"manifest not found: {p}")
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputError(f"manifest {p} cannot be read: {exc.strerror}") from None
    what = sniff_binary(raw)
    if what:
        raise InputError(f"manifest {p} is {what}, not a CSV file "
                         f"(columns: {', '.join(MANIFEST_FIELDS)})")
    text, _ = decode(raw)
    try:
        table = csv.DictReader(io.StringIO(text, newline=""))
        if table.fieldnames:
            table.fieldnames = [f.strip().lower() for f in table.fieldnames]
        rows = list(table)
        fields = table.fieldnames or []
    except csv.Error as exc:
        raise InputError(f"manifest {p} is not a readable CSV file: {exc}") from None
    if "file" not in fields:
        raise InputError(f"manifest {p} needs a 'file' column "
                         f"(columns: {', '.join(MANIFEST_FIELDS)})")
    out: dict[str, dict] = {}
    for row in rows:
        name = (row.get("file") or "").strip()
        if not name:
            continue
        if os.path.isabs(name) or ".." in Path(name.replace("\\", "/")).parts:
            raise InputError(f"manifest {p} names {name!r}, outside the input root; "
                             "use paths relative to the input folder")
        out[Path(name).as_posix()] = {k: _field(row.get(k)) for k in MANIFEST_FIELDS[1:]}
    return out


def apply_manifest(doc: RawDoc, manifest: dict[str, dict], root_rel: str) -> RawDoc:
    """`doc` with manifest values for its file (matched by relative path, then by name)."""
    entry = manifest.get(root_rel) or manifest.get(Path(root_rel).name)
    if not entry:
        return doc
    return replace(doc, **{k: v for k, v in entry.items() if v})


def _unlistable(path: Path) -> str:
    try:
        os.listdir(path)
    except OSError as exc:
        return f"folder cannot be listed: {exc.strerror or exc}; its files were not read"
    return "is a directory"


def read(path: Location, source: str, *, max_bytes: int) -> Iterator[RawDoc | ErrorRow]:
    """Every document in one input file, or error rows saying why not; never raises."""
    def error(message: str) -> ErrorRow:
        return ErrorRow(source, "ingest", _storable(message))

    try:
        fn = READERS.get(format_of(path), read_text)
        for item in fn(path, source, max_bytes):
            yield (item if isinstance(item, RawDoc)
                   else replace(item, source=_storable(item.source), error=_storable(item.error)))
    except InputError as exc:
        yield error(str(exc))
    except PermissionError:
        yield error("permission denied: file is not readable")
    except IsADirectoryError:  # a folder `expand` could not list: its reader could not open it
        yield error(_unlistable(path) if isinstance(path, Path) else "is a directory")
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        yield error(f"corrupt or truncated gzip data: {exc}")
    except OSError as exc:
        yield error(f"cannot read file: {exc.strerror or exc}")
    except RecursionError:
        yield error("document too deeply nested to read")
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the run
        yield error(f"unexpected {type(exc).__name__} while reading: {exc}"[:500])
