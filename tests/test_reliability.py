"""Issue 6: hostile and broken input, interrupted and repeated runs, safe output, no network.

Each test is one failure mode of docs/reliability.md. The invariant behind most of them
(DESIGN.md §3): every input document ends up in exactly one of `articles` or `errors` (severity
error), a run never stops because of one document, and earlier output is never corrupted.
"""
from __future__ import annotations

import ast
import codecs
import gzip
import hashlib
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import textwrap
import threading
import time
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ctkit
from ctkit import params, plots, reports, schema
from ctkit.cli import main
from ctkit.ingest import RawDoc, digest, read
from ctkit.options import Options
from ctkit.pipeline import Chunk, extract, parse_to, run_chunk
from ctkit.sample import generate

ROOT = Path(__file__).resolve().parents[1]
XSS = '<img src=x onerror="window.__pwned=1">'
EN = ("Morocco and Spain dismantle a cell\n"
      "RABAT – Moroccan and Spanish police dismantled a terrorist cell in a joint operation, "
      "the DGST said on Tuesday.\n"
      "The two countries signed a memorandum of understanding on information sharing last "
      "year and will train police officers together.\n")
FR_BODY = ("La coopération sécuritaire entre le Maroc et la Belgique est excellente, a déclaré "
           "le ministre de l'Intérieur à la presse.")
OPTS = Options(engine="local")


def _parse(inputs: object, **options: object) -> ctkit.Corpus:
    return ctkit.parse(inputs, options=OPTS.with_(**options))


def _name(source: str) -> str:
    return source.rsplit("/", 1)[-1]


def _errors(corpus: ctkit.Corpus, severity: str = "error") -> dict[str, str]:
    errs = corpus.errors[corpus.errors["severity"] == severity]
    return dict(zip(errs["source"].map(_name), errs["error"], strict=True))


def _texts(corpus: ctkit.Corpus) -> dict[str, str]:
    arts = corpus.articles
    return dict(zip(arts["source"].map(_name), arts["text"], strict=True))


def _accounting(corpus: ctkit.Corpus) -> Counter:
    """How often each source is in `articles` or in `errors` with severity error."""
    errs = corpus.errors.loc[corpus.errors["severity"] == "error", "source"]
    return Counter(corpus.articles["source"].map(_name)) + Counter(errs.map(_name))


def _cli(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    """`ctkit ARGS` in this process: exit code, stdout, stderr."""
    try:
        code = main([str(a) for a in args])
    except SystemExit as exc:  # argparse usage errors
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(code: int, err: str) -> bool:
    return code != 0 and err.count("\n") == 1 and err.startswith("ctkit: error:") \
        and "Traceback" not in err


# ---------------------------------------------------------------- empty, binary, encodings

@pytest.mark.parametrize("content", [
    b"", b"   \n\t\n  \r\n", codecs.BOM_UTF8 + b"\n \n", "  \n".encode("utf-16"),
    "\u00a0\u2003\n".encode(),
], ids=["empty", "whitespace", "utf8-bom-only", "utf16-spaces", "unicode-spaces"])
def test_empty_and_whitespace_only_files_are_one_error_row_each(tmp_path, content):
    (tmp_path / "blank.txt").write_bytes(content)
    (tmp_path / "good.txt").write_text(EN, "utf-8")
    corpus = _parse(tmp_path)
    assert list(_texts(corpus)) == ["good.txt"]
    assert _errors(corpus) == {"blank.txt": "empty document (no text)"}


def _zip(text: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        zf.writestr("story.txt", text)
    return buf.getvalue()


def _tar(text: str) -> bytes:
    buf = io.BytesIO()
    data = text.encode()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("story.txt")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_binary_files_in_the_input_folder_are_skipped_and_named(tmp_path):
    big_text = EN * 60  # a tar of a long text is mostly text: it must still be seen as a tar
    files = {
        "photo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(1).randbytes(3000),
        "photo.jpg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(2).randbytes(3000),
        "story.zip": _zip(big_text),
        "report.docx": _zip("<w:document>" + big_text + "</w:document>"),
        "scan.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        "backup.tar": _tar(big_text),
        "backup.tar.gz": gzip.compress(_tar(big_text)),
        "noise.bin": random.Random(3).randbytes(5000),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "good.txt").write_text(EN, "utf-8")
    corpus = _parse(tmp_path)
    assert list(_texts(corpus)) == ["good.txt"]
    errors = _errors(corpus)
    assert set(errors) == set(files)
    expected = {"photo.png": "a PNG image", "photo.jpg": "a JPEG image",
                "story.zip": "a ZIP archive", "report.docx": "a ZIP archive",
                "scan.pdf": "a PDF", "backup.tar": "a tar archive",
                "backup.tar.gz": "a tar archive", "noise.bin": "binary data"}
    for name, what in expected.items():
        assert errors[name].startswith(what) and "not a text article" in errors[name], name


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_with_a_bom_are_read_exactly(tmp_path, encoding):
    page = ("Le Maroc et la Belgique renforcent leur coopération\n" + FR_BODY + "\n"
            "وأكد البلاغ أن العملية تندرج في إطار التعاون الأمني بين البلدين.\n")
    data = page.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    (tmp_path / "page.txt").write_bytes(data)
    corpus = _parse(tmp_path)
    text = _texts(corpus)["page.txt"]
    assert FR_BODY in text and "التعاون الأمني بين البلدين" in text
    assert corpus.errors.empty


@pytest.mark.parametrize(("encoding", "lines"), [
    ("cp1252", ["L’été à Rabat : la coopération « cœur » du dispositif, 3 € par an.",
                "Déjà vu à Rabat, où l'été est chaud et la sécurité renforcée."]),
    ("latin-1", ["Déjà vu à Rabat, où l'été est chaud et la sécurité renforcée.",
                 "Le ministre de l'Intérieur a reçu son homologue belge à Rabat."]),
    ("cp1256", ["تمكنت المصالح الأمنية المغربية والإسبانية من تفكيك خلية إرهابية.",
                "وأكد البلاغ أن العملية تندرج في إطار التعاون الأمني بين البلدين."]),
])
def test_legacy_code_pages_decode_exactly_with_a_warning(tmp_path, encoding, lines):
    # short pages: charset detection alone takes such cp1252 French for cp1250 ("à" -> "ŕ")
    page = "Coopération\n" + "\n".join(lines) + "\n"
    if encoding == "cp1256":
        page = "تعاون أمني\n" + "\n".join(lines) + "\n"
    (tmp_path / "page.txt").write_bytes(page.encode(encoding))
    corpus = _parse(tmp_path)
    text = _texts(corpus)["page.txt"]
    assert all(line in text for line in lines), text
    assert _errors(corpus, "warning")["page.txt"].startswith("not UTF-8; decoded as cp125")


def test_a_file_mixing_utf8_and_cp1252_lines_keeps_both_right(tmp_path):
    utf8 = ["Le Maroc et l'Espagne ont signé un accord de coopération sécuritaire à Rabat.",
            "Les deux pays formeront ensemble des officiers de police dès l'été prochain."]
    legacy = ["La Belgique a salué la qualité de la coopération sécuritaire marocaine.",
              "Le ministre a réitéré l'engagement de son pays à échanger des données."]
    data = ("Coopération sécuritaire\n".encode() + utf8[0].encode() + b"\n"
            + legacy[0].encode("cp1252") + b"\n" + utf8[1].encode() + b"\n"
            + legacy[1].encode("cp1252") + b"\n")
    (tmp_path / "mixed.txt").write_bytes(data)
    corpus = _parse(tmp_path)
    text = _texts(corpus)["mixed.txt"]
    assert all(line in text for line in utf8 + legacy), text
    assert _errors(corpus, "warning")["mixed.txt"] == (
        "mixed encodings: 2 of 5 lines were not UTF-8 and were decoded as cp1252")


def test_nul_bytes_inside_text_are_dropped(tmp_path):
    page = EN.replace("police", "po\x00lice").replace("cell", "cell\x00\x00")
    (tmp_path / "nul.txt").write_bytes(page.encode())
    corpus = _parse(tmp_path)
    text = _texts(corpus)["nul.txt"]
    assert "\x00" not in text and "Moroccan and Spanish police dismantled" in text
    for df in corpus.tables().values():
        for col in df.select_dtypes("string"):
            assert not df[col].str.contains("\x00", regex=False).any(), col


def test_mojibake_is_repaired_with_a_warning(tmp_path):
    broken = FR_BODY.encode("utf-8").decode("cp1252")  # UTF-8 read as cp1252 once, saved
    assert "coopÃ©ration" in broken
    (tmp_path / "moji.txt").write_text("Coopération\n" + broken + "\n", "utf-8")
    corpus = _parse(tmp_path)
    assert FR_BODY in _texts(corpus)["moji.txt"]
    assert _errors(corpus, "warning") == {"moji.txt": "repaired mojibake"}


def test_undecodable_file_names_are_shown_escaped_and_stored(tmp_path):
    folder = os.fsencode(tmp_path / "in")
    os.mkdir(folder)
    with open(folder + b"/caf\xe9 du march\xe9.txt", "wb") as fh:  # a latin-1 name from a zip
        fh.write(EN.encode())
    corpus = _parse(tmp_path / "in")
    assert list(_texts(corpus)) == ["caf\\xe9 du march\\xe9.txt"]
    corpus.to_parquet(tmp_path / "out")
    assert ctkit.load(tmp_path / "out").articles["source"].map(_name).tolist() == [
        "caf\\xe9 du march\\xe9.txt"]


# ---------------------------------------------------------------- size limits

def test_a_50_mb_file_is_an_error_row_and_is_never_loaded(tmp_path):
    big = tmp_path / "in" / "big.txt"
    big.parent.mkdir()
    block = (EN * 200).encode()
    with big.open("wb") as fh:
        while fh.tell() < 50_000_000:
            fh.write(block)
    (tmp_path / "in" / "good.txt").write_text(EN, "utf-8")
    _parse(tmp_path / "in" / "good.txt")  # warm the gazetteers: they are not what we measure
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        corpus = _parse(tmp_path / "in")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 60  # a budget against hangs, not a benchmark
    assert peak < 10_000_000, f"{peak:,} bytes traced: the 50 MB file was read"
    assert list(_texts(corpus)) == ["good.txt"]
    limit = f"{Options().max_bytes:,}"
    assert _errors(corpus) == {"big.txt": f"file is {big.stat().st_size:,} bytes, over the "
                                          f"limit of {limit} (max_bytes)"}


def test_max_bytes_option_of_the_command_line(tmp_path, capsys):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "long.txt").write_text(EN * 100, "utf-8")
    (tmp_path / "in" / "short.txt").write_text(EN, "utf-8")
    code, out, err = _cli(capsys, "parse", tmp_path / "in", "--out", tmp_path / "out",
                          "--engine", "local", "--max-bytes", "5000")
    assert code == 0, err
    assert "1 documents in errors" in out
    errors = ctkit.load(tmp_path / "out").errors
    assert errors["source"].map(_name).tolist() == ["long.txt"]
    assert "over the limit of 5,000 (max_bytes)" in errors["error"].iloc[0]


LONG_LINES = {
    "prose": lambda: " ".join(random.Random(0).choice(
        "Morocco Spain police DGST signed agreement training Interpol Niger Nigeria the and of "
        "met visit cooperation".split()) for _ in range(20_000)),
    "no-spaces": lambda: "a" * 100_000,
    "digits": lambda: "1 " * 50_000,
    "separators": lambda: "· | " * 25_000,
    "arabic": lambda: "المغرب والنيجر " * 7_000,
}


def _long_page(line: str) -> str:
    return "A title\n" + line[:100_000] + "\nMorocco and Spain cooperate on security today.\n"


@pytest.mark.parametrize("kind", sorted(LONG_LINES))
def test_a_100000_character_line_is_bounded_in_time_and_memory(tmp_path, kind):
    f = tmp_path / "long.txt"
    f.write_text(_long_page(LONG_LINES[kind]()), "utf-8")
    run_chunk(Chunk([(str(f), "warm.txt")]), OPTS)  # gazetteers built outside the measure
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        res = run_chunk(Chunk([(str(f), "long.txt")]), OPTS)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 60
    assert peak < 500_000_000, f"{peak:,} bytes"
    n_err = len(res.corpus.errors)
    assert len(res.corpus.articles) + n_err == 1  # parsed, or an error row: never a hang
    if n_err:
        assert res.corpus.errors["stage"].iloc[0] == "extract"
        assert "doc_time_budget" in res.corpus.errors["error"].iloc[0]


def test_a_dense_100000_character_line_is_parsed_within_the_budget(tmp_path):
    """5,600 country and 2,800 agency mentions on one line: no quadratic matching."""
    f = tmp_path / "dense.txt"
    f.write_text(_long_page("Moroccan police met Spanish police. " * 2800), "utf-8")
    res = run_chunk(Chunk([(str(f), "dense.txt")]), OPTS)
    assert res.corpus.errors.empty, res.corpus.errors["error"].tolist()
    assert len(res.corpus.articles) == 1


def test_a_gzip_bomb_is_refused_with_bounded_memory(tmp_path):
    bomb = tmp_path / "in" / "bomb.txt.gz"
    bomb.parent.mkdir()
    with gzip.open(bomb, "wb", compresslevel=9) as gz:
        block = b"Morocco " * (1 << 17)  # 1 MiB
        for _ in range(256):
            gz.write(block)
    assert bomb.stat().st_size < 2_000_000  # 256 MiB behind a file under 2 MB
    tracemalloc.start()
    try:
        items = list(read(bomb, "bomb.txt.gz", max_bytes=5_000_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 25_000_000, f"{peak:,} bytes"
    assert [(i.stage, i.error) for i in items] == [
        ("ingest", "decompressed size is over the limit of 5,000,000 bytes (max_bytes; a gzip "
                   "bomb?)")]
    (tmp_path / "in" / "good.txt.gz").write_bytes(gzip.compress(EN.encode()))
    corpus = _parse(tmp_path / "in", max_bytes=5_000_000)
    assert list(_texts(corpus)) == ["good.txt.gz"] and list(_errors(corpus)) == ["bomb.txt.gz"]


def test_corrupt_and_truncated_gzip_files_are_error_rows(tmp_path):
    whole = gzip.compress((EN * 50).encode())
    (tmp_path / "cut.txt.gz").write_bytes(whole[: len(whole) // 2])
    (tmp_path / "garbage.txt.gz").write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4)
    (tmp_path / "good.txt").write_text(EN, "utf-8")
    corpus = _parse(tmp_path)
    assert list(_texts(corpus)) == ["good.txt"]
    errors = _errors(corpus)
    assert set(errors) == {"cut.txt.gz", "garbage.txt.gz"}
    assert all(e.startswith("corrupt or truncated gzip data") for e in errors.values()), errors


# ---------------------------------------------------------------- exports

def _record(i: int, **extra: object) -> dict:
    return {"id": i, "url": f"https://example.ma/{i}", "title": f"Story {i}",
            "publish_date": "2023-03-14", "media_name": "Le Courrier", "language": "fr",
            "text": f"{FR_BODY}\nLes deux pays ont tenu leur réunion numéro {i} à Rabat.", **extra}


def test_malformed_json_lines_are_error_rows_and_the_good_ones_are_kept(tmp_path):
    lines = [
        json.dumps(_record(1)),                                    # L1 good
        '{"id": 2, "text": "broken',                               # L2 not JSON
        '["an", "array", "not", "an", "object"]',                  # L3 not an object
        json.dumps(_record(4)) + " trailing",                      # L4 extra data
        "[" * 50_000 + "]" * 50_000,                               # L5 nested too deeply
        "",                                                        # L6 blank: skipped
        json.dumps(_record(7, title="Story \ud800 7"))             # L7 good: lone surrogate,
        .replace("Rabat.", "Rabat.\\u0000\u2028\u0085"),           # NUL, U+2028 and NEL
        json.dumps({"id": 8, "text": None}),                       # L8 null text
        json.dumps({"id": 9, "headline": "x", "article_body": "y"}),  # L9 renamed column
        json.dumps({"id": 10, "text": ["a", "list"]}),             # L10 text not a string
        json.dumps(_record(11), ensure_ascii=False),               # L11 good
    ]
    (tmp_path / "export.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    corpus = _parse(tmp_path)
    assert list(_texts(corpus)) == ["export.jsonl#L1", "export.jsonl#L7", "export.jsonl#L11"]
    errors = _errors(corpus)
    assert list(errors) == [f"export.jsonl#L{n}" for n in (2, 3, 4, 5, 8, 9, 10)]
    assert errors["export.jsonl#L2"].startswith("malformed JSON line: Unterminated string")
    assert errors["export.jsonl#L3"] == "JSON line is not an object"
    assert errors["export.jsonl#L4"].startswith("malformed JSON line: Extra data")
    assert errors["export.jsonl#L5"] == "malformed JSON line: nested too deeply to read"
    assert errors["export.jsonl#L8"] == "empty document (the 'text' field is empty)"
    assert "found columns: article_body, headline, id" in errors["export.jsonl#L9"]
    assert errors["export.jsonl#L10"] == "the 'text' field holds a JSON array, not text"
    row = corpus.articles.iloc[1]
    assert row["title"] == "Story \ufffd 7" and "réunion numéro 7 à Rabat." in row["text"]
    corpus.to_parquet(tmp_path / "out")  # every string is storable
    assert len(ctkit.load(tmp_path / "out").articles) == 3


def test_malformed_csv_rows_are_error_rows_with_their_first_line(tmp_path):
    csv_text = (
        "id,title,text\n"                                                     # L1 header
        f'1,Good one,"{FR_BODY}"\n'                                           # L2 good
        "2,Short row\n"                                                       # L3 too short
        '3,Long,"x",extra,fields\n'                                           # L4 too long
        "\n"                                                                  # L5 blank
        '4,Two paragraphs,"Morocco and France agreed to train police officers together.\n'
        'Officials from both countries met in Paris on Monday, the ministry said."\n'  # L6-7
        '5,Unclosed,"Morocco and Senegal signed an accord on border security\n'  # L8 quote
        "6,After,Le Maroc et le Sénégal ont signé un accord de coopération à Dakar\n"  # L9
    )
    (tmp_path / "export.csv").write_text(csv_text, "utf-8")
    corpus = _parse(tmp_path)
    texts = _texts(corpus)
    assert list(texts) == ["export.csv#L2", "export.csv#L6", "export.csv#L9"]
    assert "met in Paris on Monday" in texts["export.csv#L6"]
    errors = _errors(corpus)
    assert errors == {
        "export.csv#L3": "CSV row has 2 fields, the header has 3",
        "export.csv#L4": "CSV row has 5 fields, the header has 3",
        "export.csv#L8": "unterminated quoted field (a '\"' is never closed); the lines "
                         "after it are read as rows",
    }


@pytest.mark.parametrize(("name", "content", "message"), [
    ("a.jsonl", "", "empty export (no records)"),
    ("b.jsonl", "\n\n  \n", "empty export (no records)"),
    ("c.json", "[]", "empty export (a JSON array without records)"),
    ("d.csv", "id,title,text\n", "empty export (a header row but no records)"),
    ("e.csv", "", "empty export (no header, no records)"),
])
def test_an_export_without_records_is_an_error_row(tmp_path, name, content, message):
    (tmp_path / name).write_text(content, "utf-8")
    assert _errors(_parse(tmp_path)) == {name: message}


def test_a_pretty_printed_json_object_is_one_record(tmp_path):
    (tmp_path / "story.json").write_text(json.dumps(_record(1), indent=2), "utf-8")
    corpus = _parse(tmp_path)
    assert list(_texts(corpus)) == ["story.json"] and corpus.errors.empty
    assert corpus.articles["outlet"].iloc[0] == "Le Courrier"


@pytest.mark.parametrize(("name", "content"), [
    ("export.csv", "id,headline,article_body,publisher\n1,T,Morocco and Spain met.,X\n"),
    ("export.tsv", "id\theadline\tarticle_body\n1\tT\tMorocco and Spain met.\n"),
])
def test_exports_with_missing_or_renamed_columns_name_the_expected_ones(tmp_path, name,
                                                                        content):
    (tmp_path / name).write_text(content, "utf-8")
    (message,) = _errors(_parse(tmp_path)).values()
    assert "article_body" in message and "headline" in message  # what the file has
    for expected in ("text", "body", "content", "media_name", "publish_date"):
        assert expected in message  # what ctkit looks for


def test_export_column_aliases_are_accepted_in_any_case(tmp_path):
    (tmp_path / "export.csv").write_text(
        "Headline,Link,Source,Lang,PubDate,Body\n"
        f'Accord signé,https://x.ma/1,Le Matin,fr,2022-05-01,"{FR_BODY}"\n', "utf-8")
    row = _parse(tmp_path).articles.iloc[0]
    assert (row["title"], row["url"], row["outlet"], row["language"]) == (
        "Accord signé", "https://x.ma/1", "Le Matin", "fr")
    assert str(row["published"].date()) == "2022-05-01" and FR_BODY in row["text"]


def test_the_text_of_an_export_record_is_kept_in_full(tmp_path):
    lead = "Le Maroc et l'Espagne ont signé un accord."
    rec = {"title": "Accord", "media_name": "Le Matin", "text": f"{lead}\n{FR_BODY}"}
    (tmp_path / "export.jsonl").write_text(json.dumps(rec) + "\n", "utf-8")
    assert lead in _texts(_parse(tmp_path))["export.jsonl#L1"]


# ---------------------------------------------------------------- the file system

def test_symlink_loops_and_dangling_links_are_error_rows(tmp_path):
    d = tmp_path / "in"
    (d / "sub").mkdir(parents=True)
    (d / "good.txt").write_text(EN, "utf-8")
    (d / "sub" / "other.txt").write_text("Coopération\n" + FR_BODY + "\n", "utf-8")
    (d / "sub" / "loop").symlink_to(d, target_is_directory=True)  # folder loop to the root
    (d / "a.txt").symlink_to(d / "b.txt")  # file loop a -> b -> a
    (d / "b.txt").symlink_to(d / "a.txt")
    (d / "gone.txt").symlink_to(d / "missing.txt")
    t0 = time.perf_counter()
    corpus = _parse(d)
    assert time.perf_counter() - t0 < 60
    assert _accounting(corpus) == Counter({"good.txt": 1, "other.txt": 1, "a.txt": 1,
                                           "b.txt": 1, "gone.txt": 1})
    errors = _errors(corpus)
    assert errors["a.txt"] == errors["b.txt"] == \
        "cannot read file: Too many levels of symbolic links"
    assert errors["gone.txt"] == "cannot read file: No such file or directory"


def test_a_named_pipe_is_an_error_row_for_the_reader(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    (err,) = read(fifo, "pipe.txt", max_bytes=1000)
    assert err.error == "not a regular file (a named pipe); skipped"


def test_a_named_pipe_in_the_input_folder_does_not_hang_the_run(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    (tmp_path / "good.txt").write_text(EN, "utf-8")
    done: dict[str, ctkit.Corpus] = {}
    worker = threading.Thread(target=lambda: done.update(c=_parse(tmp_path)), daemon=True)
    worker.start()
    worker.join(20)  # a budget against a hang: the parse of one page takes about a second
    hung = worker.is_alive()
    if hung:  # release the blocked open() so the thread ends: a writer opens and closes
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:
            pass
        worker.join(30)
    assert not hung, "the parse blocked on a named pipe"
    assert _errors(done["c"]) == {"pipe.txt": "not a regular file (a named pipe); skipped"}


@cache
def _unprivileged() -> list[str] | None:
    """A command prefix that runs ctkit without root (root reads and writes anything): empty
    when not root, `setpriv` to nobody when root, None when that is impossible here."""
    if os.geteuid() != 0:
        return []
    drop = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    try:
        probe = subprocess.run([*drop, sys.executable, "-c", "import ctkit.cli"], cwd="/",
                               capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    return drop if probe.returncode == 0 else None


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A temporary folder an unprivileged user can enter (pytest's tmp_path is root-only)."""
    d = Path(tempfile.mkdtemp(prefix="ctkit-reliability-"))
    d.chmod(0o777)
    try:
        yield d
    finally:
        for p in d.rglob("*"):
            if not p.is_symlink():
                p.chmod(0o777)
        shutil.rmtree(d, ignore_errors=True)


def _parse_unprivileged(inputs: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    drop = _unprivileged()
    if drop is None:
        pytest.skip("running as root and cannot switch to an unprivileged user: root reads "
                    "chmod 000 files anyway")
    env = {**os.environ, "HOME": str(inputs.parent)}
    return subprocess.run([*drop, sys.executable, "-m", "ctkit.cli", "parse", str(inputs),
                           "--out", str(out), "--engine", "local", *extra], cwd=inputs.parent,
                          env=env, capture_output=True, text=True, timeout=600)


def _unreadable_inputs(base: Path) -> Path:
    d = base / "in"
    (d / "locked").mkdir(parents=True)
    d.chmod(0o755)
    (d / "good.txt").write_text(EN, "utf-8")
    (d / "secret.txt").write_text(EN.replace("Spain", "France"), "utf-8")
    (d / "locked" / "inside.txt").write_text(EN, "utf-8")
    (d / "secret.txt").chmod(0o000)
    (d / "locked").chmod(0o000)
    return d


def test_unreadable_files_and_folders_are_error_rows(shared_dir):
    d = _unreadable_inputs(shared_dir)
    r = _parse_unprivileged(d, shared_dir / "out")
    assert r.returncode == 0, r.stderr
    corpus = ctkit.load(shared_dir / "out", text=True)
    assert list(_texts(corpus)) == ["good.txt"]
    assert _errors(corpus) == {
        "locked": "folder cannot be listed: Permission denied; its files were not read",
        "secret.txt": "permission denied: file is not readable"}


def test_an_incremental_run_survives_an_unreadable_file(shared_dir):
    d = _unreadable_inputs(shared_dir)
    first = _parse_unprivileged(d, shared_dir / "out")
    assert first.returncode == 0, first.stderr
    before = ctkit.load(shared_dir / "out", text=True)
    again = _parse_unprivileged(d, shared_dir / "out", "--incremental")
    assert again.returncode == 0, again.stderr
    _frames_equal(ctkit.load(shared_dir / "out", text=True), before)


def test_article_ids_are_a_pure_function_of_content(tmp_path):
    long_page = EN + ("Both governments praised the exchange of intelligence between their "
                      "services, the statement added, without giving further details. ") * 3
    data = long_page.encode()
    for folder, names in (("one", ["x.txt", "y.txt"]), ("two/deeper", ["renamed.txt"])):
        (tmp_path / folder).mkdir(parents=True)
        for n in names:
            (tmp_path / folder / n).write_bytes(data)
    rec = _record(5)
    (tmp_path / "one" / "z.jsonl").write_text(json.dumps(rec) + "\n", "utf-8")
    arts = _parse(tmp_path / "one").articles
    arts = arts.set_index(arts["source"].map(_name))
    first = digest(data)  # BLAKE2b-64 of the file's bytes
    second = hashlib.blake2b(f"{first}#1".encode(), digest_size=8).hexdigest()
    record = digest(json.dumps(rec, sort_keys=True, ensure_ascii=False).encode())
    assert arts["article_id"].to_dict() == {"x.txt": first, "y.txt": second, "z.jsonl#L1": record}
    assert arts.loc["y.txt", "duplicate_of"] == first and pd.isna(arts.loc["x.txt",
                                                                           "duplicate_of"])
    # another folder, another name, the same bytes: the same id (and on another machine)
    assert _parse(tmp_path / "two").articles["article_id"].tolist() == [first]


# ---------------------------------------------------------------- manifest and command line

@pytest.mark.parametrize(("manifest", "message"), [
    ("file,outlet\ngood.txt,A\nnot-there.txt,B\n",
     "manifest names 1 file(s) not in the input, e.g. 'not-there.txt'"),
    ("file,outlet\n../outside.txt,A\n", "names '../outside.txt', outside the input root"),
    ("file,outlet\n/etc/passwd,A\n", "names '/etc/passwd', outside the input root"),
    ("name,outlet\ngood.txt,A\n", "needs a 'file' column (columns: file, url, outlet"),
    (None, "manifest not found"),
    (b"\x89PNG\r\n\x1a\n" + bytes(300), "is a PNG image, not a CSV file"),
], ids=["missing-file", "dotdot", "absolute", "no-file-column", "no-manifest", "binary"])
def test_a_bad_manifest_stops_the_run_with_one_line(tmp_path, capsys, manifest, message):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text(EN, "utf-8")
    (tmp_path / "outside.txt").write_text(EN, "utf-8")
    m = tmp_path / "m.csv"
    if isinstance(manifest, bytes):
        m.write_bytes(manifest)
    elif manifest is not None:
        m.write_text(manifest, "utf-8")
    code, out, err = _cli(capsys, "parse", tmp_path / "in", "--out", tmp_path / "out",
                          "--engine", "local", "--manifest", m)
    assert _one_line_error(code, err) and message in err, err
    assert not (tmp_path / "out" / "articles.parquet").exists()


def test_a_manifest_in_a_legacy_encoding_is_read(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "good.txt").write_text(EN, "utf-8")
    (tmp_path / "m.csv").write_bytes("file,outlet\ngood.txt,Le Matin – Économie\n"
                                     .encode("cp1252"))
    arts = ctkit.parse(tmp_path / "in", manifest=tmp_path / "m.csv", options=OPTS).articles
    assert arts["outlet"].tolist() == ["Le Matin – Économie"]


@pytest.mark.parametrize(("args", "words"), [
    (["parse", "{tmp}/nothing-*.txt", "--out", "{tmp}/o"], "input not found"),
    (["parse", "{tmp}", "--out", "{tmp}/o", "--workers", "-1"], "workers >= 0"),
    (["parse", "{tmp}", "--out", "{tmp}/o", "--max-bytes", "0"], "must be positive"),
    (["parse", "{tmp}", "--out", "{tmp}/o", "--max-bytes", "ten"], "invalid int value"),
    (["parse", "{tmp}", "--out", "{tmp}/o", "--frobnicate"], "unrecognized arguments"),
    (["parse", "{tmp}"], "the following arguments are required: --out"),
    (["parse", "{tmp}", "--out", "{tmp}/o", "--ner", "maybe"], "invalid choice"),
    (["frobnicate"], "invalid choice"),
], ids=["glob-matches-nothing", "negative-workers", "zero-max-bytes", "max-bytes-not-int",
        "unknown-flag", "missing-out", "bad-ner", "unknown-command"])
def test_usage_errors_exit_nonzero_with_one_line(tmp_path, capsys, args, words):
    (tmp_path / "good.txt").write_text(EN, "utf-8")
    code, out, err = _cli(capsys, *[a.format(tmp=tmp_path) for a in args])
    assert _one_line_error(code, err), err
    assert words in err and out == ""


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path):
    r = subprocess.run([sys.executable, "-m", "ctkit.cli", "parse", str(tmp_path / "no-*.txt"),
                        "--out", str(tmp_path / "o")], capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr == f"ctkit: error: input not found: {tmp_path}/no-*.txt\n"


def test_an_output_path_that_is_a_file_is_a_clear_error(tmp_path, capsys, mixed_inputs):
    blocker = tmp_path / "out.parquet"
    blocker.write_text("not a folder")
    code, _, err = _cli(capsys, "parse", mixed_inputs, "--out", blocker, "--engine", "local")
    assert _one_line_error(code, err) and "is not writable" in err
    assert blocker.read_text() == "not a folder"


def test_a_read_only_output_folder_is_a_clear_error_and_stays_as_it_was(shared_dir):
    inputs = shared_dir / "in"
    inputs.mkdir()
    (inputs / "good.txt").write_text(EN, "utf-8")
    out = shared_dir / "out"
    parse_to(out, inputs, options=OPTS)
    before = _snapshot(out)
    out.chmod(0o555)
    r = _parse_unprivileged(inputs, out)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"ctkit: error: output directory {out} is not writable")
    assert _snapshot(out) == before


# ---------------------------------------------------------------- fuzzing the whole extract

TOKENS = [
    "Morocco", "Moroccan", "Maroc", "marocaines", "المغرب", "والمغرب", "المغربية", "Spain",
    "espagnole", "Niger", "Nigeria", "Nigerien", "Guinea-Bissau", "Equatorial Guinea", "Guinée",
    "Congo", "Democratic Republic of the Congo", "Korea", "North Korea", "Georgia", "Jordan",
    "Chad", "Türkiye", "Turkey", "Kosovo", "Western Sahara", "Sahel", "Europe", "the Kingdom",
    "DGST", "DGSN", "BCIJ", "Interpol", "Europol", "NATO", "OTAN", "AFRIPOL", "UNOCT", "GCTF",
    "Guardia Civil", "police", "Police", "la police belge", "Ministry of Interior",
    "وزارة الداخلية",
    "signed", "met", "visited", "accord", "memorandum of understanding", "training",
    "joint operation", "a signé", "ont convenu", "وقع", "اتفاقية", "Minister", "said",
    "Comments (4)", "Read also:", "Share", "1,204 posts", "Leave a comment", "اترك تعليق",
    "14 مارس 2023", "Mar 14, 2023", "Today, Thursday", "آخر تحديث :", "Source:", "Live",
    "•", "·", "–", "|", "*", "«", "»", "(", ")", "[", "]", "...", ",", ".", ":", "!", "?",
    "0 0 0 0", "٠١٢٣", "2023", "\u200f", "\u200d", "ـ", "ً", "🇲🇦", "\u2028", "\x0c", "\t",
]
_CHARS = st.characters(blacklist_categories=("Cs",))  # RawDoc text never holds surrogates
LINE = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(_CHARS, max_size=12)),
                max_size=50).map(" ".join)
PAGE = st.lists(LINE, min_size=1, max_size=30).map("\n".join)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(PAGE, st.sampled_from([None, "Given title"]), st.sampled_from(["MAR", "ESP"]))
def test_extract_survives_any_page_within_the_document_budget(page, title, focal):
    doc = RawDoc("fuzz.txt", page, digest(page.encode()), title=title)
    options = OPTS.with_(focal=focal)
    t0 = time.perf_counter()
    rows = extract(doc, options=options)
    assert time.perf_counter() - t0 < options.doc_time_budget  # else it would be an error row
    text = rows["articles"][0]["text"]
    for r in rows["countries"] + rows["entities"]:
        assert text[r["start"]:r["end"]] == r["surface"], r
    for e in rows["events"]:
        assert e["sentence"] in text and text[e["start"]:e["end"]] == e["trigger"], e
    for name, table in rows.items():
        schema.validate(name, schema.conform(name, table))


# ---------------------------------------------------------------- nothing lost (property)

@cache
def _pool() -> tuple:
    return tuple(generate(n=99, seed=0))


BAD_DOCS: dict[str, tuple[str, bytes]] = {
    "empty": ("txt", b""),
    "blank": ("txt", b" \n\t \n"),
    "png": ("txt", b"\x89PNG\r\n\x1a\n" + bytes(600)),
    "pdf": ("pdf", b"%PDF-1.4\n" + bytes(range(256))),
    "zip": ("zip", _zip(EN)),
    "bomb": ("txt.gz", gzip.compress(b" " * 400_000)),
    "cut-gzip": ("txt.gz", gzip.compress((EN * 20).encode())[:60]),
    "huge": ("txt", (EN * 3000).encode()),
}
DOCS = st.lists(st.one_of(st.tuples(st.just("good"), st.integers(0, 98)),
                          st.tuples(st.just("bad"), st.sampled_from(sorted(BAD_DOCS))),
                          st.tuples(st.just("export"), st.integers(0, 98))),
                min_size=1, max_size=10)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
def test_every_input_is_in_articles_or_errors_and_no_body_line_is_lost(docs):
    pool = _pool()
    expect_articles: dict[str, dict] = {}
    expect_errors: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for i, (kind, what) in enumerate(docs):
            if kind == "good":
                page = pool[what % len(pool)]
                name = f"{i:03d}_{page.name}"
                (d / name).write_bytes(page.text.encode(page.encoding))
                expect_articles[name] = page.truth
            elif kind == "bad":
                suffix, data = BAD_DOCS[what]
                name = f"{i:03d}_{what}.{suffix}"
                (d / name).write_bytes(data)
                expect_errors.add(name)
            else:  # an export: one good record, then a broken line
                page = pool[what % len(pool)]
                rec = {"title": page.truth["title"], "text": page.truth["body"]}
                name = f"{i:03d}_export.jsonl"
                (d / name).write_text(json.dumps(rec) + "\n{broken\n", "utf-8")
                expect_articles[f"{name}#L1"] = {"body": page.truth["body"]}
                expect_errors.add(f"{name}#L2")
        corpus = _parse(d, max_bytes=100_000)
    assert _accounting(corpus) == Counter(list(expect_articles) + list(expect_errors))
    assert set(_errors(corpus)) == expect_errors
    texts = _texts(corpus)
    for name, truth in expect_articles.items():
        missing = [ln for ln in truth["body"].split("\n") if ln and ln not in texts[name]]
        assert not missing, (name, missing)


def test_no_body_line_of_the_sample_corpus_is_lost(sample_dir, sample_corpus):
    texts = _texts(sample_corpus)
    truths = [json.loads(ln) for ln in (sample_dir / "_truth.jsonl").open(encoding="utf-8")]
    lost = {t["source"]: [ln for ln in t["body"].split("\n") if ln and ln not in
                          texts[t["source"]]] for t in truths}
    assert {k: v for k, v in lost.items() if v} == {}


# ---------------------------------------------------------------- interrupted and repeated runs

def _snapshot(out: Path) -> dict[str, str]:
    """sha256 of every visible file of an output folder (tables, manifest, digests)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.iterdir()) if not p.name.startswith(".")}


def _frames_equal(a: ctkit.Corpus, b: ctkit.Corpus) -> None:
    for name in schema.TABLES:
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


@pytest.fixture(scope="module")
def kill_setup(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A few thousand generated pages, and an earlier output of a smaller input."""
    base = tmp_path_factory.mktemp("kill")
    big, small = base / "big", base / "small"
    big.mkdir()
    small.mkdir()
    for page in generate(n=3000, seed=1):
        data = page.text.encode(page.encoding)
        (big / page.name).write_bytes(data)
        if page.name < "030":
            (small / page.name).write_bytes(data)
    return {"base": base, "big": big, "small": small}


def _wait_for(proc: subprocess.Popen, ready: object, what: str) -> None:
    t0 = time.monotonic()
    while not ready():  # type: ignore[operator]
        if proc.poll() is not None:
            pytest.fail(f"the run ended (code {proc.returncode}) before {what}")
        if time.monotonic() - t0 > 300:
            pytest.fail(f"no {what} after 300 s")
        time.sleep(0.02)


def _tmp_size(out: Path) -> int:
    """Size of the articles table being written (-1: not started)."""
    sizes = []
    for p in out.glob(".articles.parquet.tmp-*"):
        try:
            sizes.append(p.stat().st_size)
        except FileNotFoundError:  # renamed into place meanwhile
            pass
    return max(sizes, default=-1)


def test_killed_runs_leave_the_previous_output_intact(kill_setup):
    out = kill_setup["base"] / "out"
    parse_to(out, kill_setup["small"], options=OPTS)
    before, tables = _snapshot(out), ctkit.load(out, text=True)
    points = {  # when to SIGKILL the parse of the big folder
        "at once": lambda: True,
        "first chunk written": lambda: _tmp_size(out) >= 0,
        "several chunks written": lambda: _tmp_size(out) > 300_000,
    }
    for what, ready in points.items():
        proc = subprocess.Popen([sys.executable, "-m", "ctkit.cli", "parse",
                                 str(kill_setup["big"]), "--out", str(out), "--workers", "2"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            _wait_for(proc, ready, what)
            proc.send_signal(signal.SIGKILL)
            proc.wait(60)
        finally:
            try:  # the workers of that run (its own process group), if any are left
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert proc.returncode == -signal.SIGKILL, what
        assert _snapshot(out) == before, what
        _frames_equal(ctkit.load(out, text=True), tables)
    parse_to(out, kill_setup["small"], options=OPTS)  # the next run clears the leftovers
    assert not [p.name for p in out.iterdir() if ".tmp-" in p.name]
    _frames_equal(ctkit.load(out, text=True), tables)


KILL_AFTER_FIRST_RENAME = textwrap.dedent("""
    import os, signal, sys, types
    import ctkit.corpus as corpus
    real = os.replace
    def replace(src, dst):
        real(src, dst)
        if str(dst).endswith(".parquet"):
            os.kill(os.getpid(), signal.SIGKILL)
    proxy = types.ModuleType("os")
    proxy.__dict__.update(os.__dict__)
    proxy.replace = replace
    corpus.os = proxy
    from ctkit.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_a_kill_between_two_table_renames_keeps_the_previous_output(kill_setup):
    out = kill_setup["base"] / "out-renames"
    parse_to(out, kill_setup["small"], options=OPTS)
    tables = ctkit.load(out, text=True)
    other = kill_setup["base"] / "other"
    other.mkdir(exist_ok=True)
    for p in sorted(kill_setup["big"].iterdir())[100:130]:
        shutil.copy(p, other / p.name)
    r = subprocess.run([sys.executable, "-c", KILL_AFTER_FIRST_RENAME, "parse", str(other),
                        "--out", str(out), "--engine", "local"], capture_output=True, text=True)
    assert r.returncode == -signal.SIGKILL, r.stderr
    assert len(list(out.glob(".*.parquet.prev"))) == len(schema.TABLES)  # killed mid-commit
    _frames_equal(ctkit.load(out, text=True), tables)
    assert not list(out.glob(".*.parquet.prev"))


def test_two_full_runs_give_identical_tables(tmp_path, sample_dir, mixed_inputs):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        parse_to(out, [sample_dir, mixed_inputs], options=Options(workers=2))
    _frames_equal(ctkit.load(outs[0], text=True), ctkit.load(outs[1], text=True))
    files = [pd.read_parquet(out / "_ctkit_files.parquet") for out in outs]
    pd.testing.assert_frame_equal(*files)


# ---------------------------------------------------------------- no network, safe output

NET_GUARD = textwrap.dedent("""
    # installed by tests/test_reliability.py: any network connection is refused and logged
    import os, socket
    _log = os.environ.get("CTKIT_NET_LOG")
    if _log:
        def _refuse(what):
            with open(_log, "a", encoding="utf-8") as fh:
                fh.write(f"{os.getpid()} {what}\\n")
            raise OSError("network blocked by ctkit's reliability tests")
        _connect, _connect_ex = socket.socket.connect, socket.socket.connect_ex
        def connect(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6):
                _refuse(f"connect {address!r}")
            return _connect(self, address)
        def connect_ex(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6):
                _refuse(f"connect_ex {address!r}")
            return _connect_ex(self, address)
        def create_connection(address, *args, **kwargs):
            _refuse(f"create_connection {address!r}")
        socket.socket.connect, socket.socket.connect_ex = connect, connect_ex
        socket.create_connection = create_connection
""")


def _guard_network(mp: pytest.MonkeyPatch, folder: Path) -> Path:
    """Refuse and log network connections here, in forked workers and in child Pythons (the
    papermill kernel loads the same guard as sitecustomize). Returns the log file."""
    site = folder / "sitecustomize.py"
    site.write_text(NET_GUARD, "utf-8")
    log = folder / "net.log"
    mp.setenv("CTKIT_NET_LOG", str(log))
    mp.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(folder),
                                                          os.environ.get("PYTHONPATH")])))
    for name in ("connect", "connect_ex"):  # saved now, restored by the monkeypatch's undo
        mp.setattr(socket.socket, name, getattr(socket.socket, name))
    mp.setattr(socket, "create_connection", socket.create_connection)
    exec(compile(NET_GUARD, str(site), "exec"), {"__name__": "net_guard"})  # noqa: S102
    return log


HOSTILE_OUTLETS = (f"Hostile {XSS}", "Closing </script><script>window.__pwned=2</script>")


def _hostile_inputs(d: Path) -> Path:
    """Sample pages, plus an export whose titles and outlet are HTML, and a file named so."""
    d.mkdir()
    pages = list(generate(n=60, seed=0))
    for page in pages[:40]:
        (d / page.name).write_bytes(page.text.encode(page.encoding))
    with (d / "hostile.jsonl").open("w", encoding="utf-8") as fh:
        for i, page in enumerate(pages[40:]):
            rec = {"id": i, "title": f"{XSS} {i}", "media_name": HOSTILE_OUTLETS[i % 2],
                   "publish_date": page.truth["published"], "language": page.truth["language"],
                   "url": f"javascript:alert({i})", "text": page.truth["body"]}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    (d / f"{XSS}.txt").write_text("", "utf-8")  # an error row whose source is HTML
    (d / "page_title.txt").write_text(f"*{XSS}*\n" + EN, "utf-8")
    return d


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Parse the hostile inputs and run the overview report, all with the network blocked."""
    base = tmp_path_factory.mktemp("hostile")
    guard = base / "guard"
    guard.mkdir()
    data = base / "processed"
    with pytest.MonkeyPatch.context() as mp:
        log = _guard_network(mp, guard)
        parse_to(data, _hostile_inputs(base / "in"), options=Options(workers=2))
        index = reports.run_reports(data, out=base / "reports", notebooks=["overview"],
                                    params={"outlets": list(HOSTILE_OUTLETS)}, quiet=True,
                                    static=False)
    return {"data": data, "index": index, "log": log, "guard": guard}


def test_no_network_connection_while_parsing_and_reporting(hostile_run, monkeypatch, tmp_path):
    log = _guard_network(monkeypatch, hostile_run["guard"])
    corpus = ctkit.load(hostile_run["data"], text=True)
    fig = plots.partner_map(corpus, focal="MAR")
    plots.offline_html([fig, plots.article_view(corpus, corpus.articles[
        "article_id"].iloc[0])], tmp_path / "page.html")
    assert hostile_run["index"].is_file()
    assert not log.exists(), log.read_text("utf-8")
    with pytest.raises(OSError, match="network blocked"):  # the guard itself works
        socket.create_connection(("192.0.2.1", 80), timeout=1)
    assert "create_connection ('192.0.2.1', 80)" in log.read_text("utf-8")


def _outside_scripts(page: str) -> str:
    return re.sub(r"<script\b.*?</script>", "", page, flags=re.S | re.I)


def test_html_in_the_data_is_escaped_in_the_article_view_and_the_reports(hostile_run):
    corpus = ctkit.load(hostile_run["data"], text=True)
    arts = corpus.articles
    hostile = arts[arts["title"].str.startswith(XSS, na=False)]
    assert len(hostile) == 21  # 20 export records and the page whose title line is HTML
    assert set(hostile["url"].dropna()) == {f"javascript:alert({i})" for i in range(20)}
    for aid in hostile["article_id"]:
        view = str(plots.article_view(corpus, aid))
        assert "<img" not in view and "&lt;img src=x onerror=" in view
        assert "javascript:" not in view  # only http(s) links are made
    assert any(XSS in s for s in corpus.errors["source"])
    report = next(hostile_run["index"].parent.rglob("overview.html")).read_text("utf-8")
    assert "Hostile &lt;img src=x" in report  # the outlet is shown, as text
    assert "<img src=x" not in _outside_scripts(report)
    assert "<script>window.__pwned=2" not in report  # no script element closed early
    assert len(re.findall(r"<script\b", report, re.I)) == report.lower().count("</script>")
    index = hostile_run["index"].read_text("utf-8")
    assert "Hostile &lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in index
    assert "<img" not in index


def test_the_hostile_report_runs_no_script_in_chromium(hostile_run):
    sys.path.insert(0, str(Path(__file__).parent))
    import _browser

    reason = _browser.skip_reason()
    if reason:
        pytest.skip(reason)
    report = next(hostile_run["index"].parent.rglob("overview.html"))
    with _browser.browser() as b:
        for page_path in (report, hostile_run["index"]):
            with _browser.open_page(b, page_path) as (page, log):
                if page_path == report:
                    _browser.drawn(page)
                assert page.evaluate("window.__pwned") is None, page_path.name
                assert page.locator("img[src='x']").count() == 0
                assert log.blocked == [] and log.errors == [], (log.blocked, log.errors)


# ---------------------------------------------------------------- parameters and code

TRICKY = ['"); open("PWNED", "w"); ("', "\\\"; import os; os.system('touch PWNED') #",
          "'''", "line\nbreak", "back\\slash\\", "{{7*7}} ${7*7} %(x)s {0.__class__}",
          "__import__('os').system('touch PWNED')"]


def test_parameter_values_are_data_and_never_code(tmp_path, monkeypatch):
    import nbformat
    import papermill.parameterize

    monkeypatch.chdir(tmp_path)
    for value in TRICKY:
        for declared in ("str", "str | None", "list[str] | None", "Any"):
            got = reports.parse_value("outlets", value, declared)
            assert value in (got if isinstance(got, list) else [got]) or got == [
                v.strip() for v in value.split(",") if v.strip()], (value, declared, got)
        with pytest.raises(params.ParameterError):
            reports.parse_value("min_mentions", value, "int")
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("outlets = None\nnote = ''")
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell]
    nb.metadata["papermill"] = {}
    done = papermill.parameterize.parameterize_notebook(
        nb, {"outlets": TRICKY, "note": TRICKY[0]}, kernel_name="python3", language="python")
    injected = next(c for c in done.cells if "injected-parameters" in c.metadata.get("tags", []))
    values = {t.id: ast.literal_eval(a.value) for a in ast.parse(injected.source).body
              for t in a.targets}
    assert values == {"outlets": TRICKY, "note": TRICKY[0]}
    assert not (tmp_path / "PWNED").exists()


def test_a_well_formed_but_unknown_focal_code_fails_before_any_work(hostile_run, tmp_path):
    out = tmp_path / "reports"
    with pytest.raises(params.ParameterError, match="'XYZ', which is not an ISO3 code"):
        reports.run_reports(hostile_run["data"], out=out, params={"focal": "XYZ"})
    assert not out.exists()


def test_documents_that_look_like_code_or_templates_stay_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    lines = ["Morocco and Spain {__import__('os').system('touch PWNED')} signed an accord.",
             "Le Maroc {{ config }} et la France ${7*7} ont signé %(x)s un accord {0}.",
             "<script>window.__pwned=1</script> Morocco and Spain met in Rabat today."]
    (tmp_path / "code.txt").write_text("Title\n" + "\n".join(lines) + "\n", "utf-8")
    text = _texts(_parse(tmp_path / "code.txt"))["code.txt"]
    assert all(line in text for line in lines)
    assert not (tmp_path / "PWNED").exists()


def test_the_package_evaluates_no_input_as_code():
    """eval/exec only on type annotations of the notebooks, with no builtins; nothing else
    that turns data into code (pickle.load, yaml.load, shell=True) appears in ctkit/."""
    calls = []
    for path in sorted((ROOT / "ctkit").glob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else (
                fn.attr if isinstance(fn, ast.Attribute) else "")
            owner = fn.value.id if isinstance(fn, ast.Attribute) and isinstance(
                fn.value, ast.Name) else ""
            if name in ("eval", "exec", "compile") and owner in ("", "builtins"):
                glob_arg = node.args[1] if len(node.args) > 1 else None
                closed = isinstance(glob_arg, ast.Dict) and any(
                    isinstance(k, ast.Constant) and k.value == "__builtins__"
                    and isinstance(v, ast.Dict) and not v.keys
                    for k, v in zip(glob_arg.keys, glob_arg.values, strict=True))
                calls.append((path.name, name, closed))
            if (owner, name) in (("pickle", "load"), ("pickle", "loads"), ("yaml", "load"),
                                 ("marshal", "loads")):
                calls.append((path.name, f"{owner}.{name}", False))
            if any(k.arg == "shell" and isinstance(k.value, ast.Constant) and k.value.value
                   for k in node.keywords):
                calls.append((path.name, "shell=True", False))
    assert all(closed for _, _, closed in calls), calls
    assert {(f, n) for f, n, _ in calls} <= {("params.py", "eval"), ("reports.py", "eval")}


def test_a_document_over_its_time_budget_is_an_error_row_and_the_next_one_is_parsed(
        tmp_path, monkeypatch):
    """The budget is per document: a slow one becomes an error row, the alarm is off for the
    rest of the chunk, and the handler that was there before the chunk is back after it."""
    from ctkit import pipeline

    for name in ("a.txt", "slow.txt", "c.txt"):
        (tmp_path / name).write_text(f"{name}\n\n" + "Rabat and Madrid signed a security "
                                     "accord on Tuesday, officials said. " * 3, "utf-8")

    def slow_extract(doc, **kw):
        if doc.source.endswith("slow.txt"):
            time.sleep(5)
        return extract(doc, **kw)

    def before(signum, frame):  # the program's own handler
        raise AssertionError("not ours")

    run_chunk(Chunk([(str(tmp_path / "a.txt"), "a.txt")]), OPTS)  # gazetteers built
    monkeypatch.setattr(pipeline, "extract", slow_extract)
    old = signal.signal(signal.SIGALRM, before)
    try:
        t0 = time.perf_counter()
        res = run_chunk(Chunk([(str(tmp_path / n), n) for n in ("a.txt", "slow.txt", "c.txt")]),
                        OPTS.with_(doc_time_budget=1.0))
        assert time.perf_counter() - t0 < 4
        assert signal.getsignal(signal.SIGALRM) is before
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, old)
    assert sorted(res.corpus.articles["source"]) == ["a.txt", "c.txt"]
    errors = res.corpus.errors
    assert list(errors["source"]) == ["slow.txt"]
    assert "took longer than 1.0s (doc_time_budget)" in errors["error"].iloc[0]
