import gzip
import json

import pytest

from ctkit.ingest import (
    ErrorRow,
    InputError,
    RawDoc,
    decode,
    expand,
    read,
    read_manifest,
    sniff_binary,
)


def _read(path, **kw):
    return list(read(path, str(path), max_bytes=kw.get("max_bytes", 10_000_000)))


def test_utf8_text_file_is_one_document(tmp_path):
    f = tmp_path / "a.txt"
    f.write_text("Le Maroc et l'Espagne ont signé un accord.", "utf-8")
    (doc,) = _read(f)
    assert isinstance(doc, RawDoc) and doc.raw_text.startswith("Le Maroc")


def test_cp1252_french_is_decoded_with_a_warning(tmp_path):
    f = tmp_path / "a.txt"
    f.write_bytes("La coopération sécuritaire entre le Maroc et la Belgique.".encode("cp1252"))
    items = _read(f)
    docs = [i for i in items if isinstance(i, RawDoc)]
    warns = [i for i in items if isinstance(i, ErrorRow)]
    assert docs[0].raw_text == "La coopération sécuritaire entre le Maroc et la Belgique."
    assert warns and warns[0].severity == "warning"


def test_utf16_with_bom_and_mojibake_repair():
    assert decode("المغرب".encode("utf-16"))[0] == "المغرب"
    text, warning = decode("la coopÃ©ration".encode())
    assert text == "la coopération" and warning == "repaired mojibake"


def test_binary_and_empty_files_become_error_rows(tmp_path):
    (tmp_path / "x.txt").write_bytes(b"%PDF-1.4 binary")
    (tmp_path / "e.txt").write_text("  \n\n ", "utf-8")
    assert sniff_binary(b"\x89PNG\r\n") == "a PNG image"
    (pdf,) = _read(tmp_path / "x.txt")
    (empty,) = _read(tmp_path / "e.txt")
    assert isinstance(pdf, ErrorRow) and "PDF" in pdf.error
    assert isinstance(empty, ErrorRow) and "empty" in empty.error


def test_gzip_and_size_limit(tmp_path):
    f = tmp_path / "a.txt.gz"
    f.write_bytes(gzip.compress(b"Morocco and Spain met in Rabat." * 1000))
    (doc,) = _read(f)
    assert isinstance(doc, RawDoc)
    (err,) = _read(f, max_bytes=1000)
    assert isinstance(err, ErrorRow) and "limit" in err.error


def test_jsonl_bad_lines_are_errors_with_line_numbers(tmp_path):
    f = tmp_path / "export.jsonl"
    good = {"id": 1, "url": "https://x.ma/a", "title": "T", "publish_date": "2023-03-14",
            "media_name": "Le Matin", "language": "fr", "text": "Le Maroc et la France."}
    f.write_text(json.dumps(good) + "\n{broken\n" + json.dumps({"title": "no text"}) + "\n")
    items = _read(f)
    assert [type(i).__name__ for i in items] == ["RawDoc", "ErrorRow", "ErrorRow"]
    assert items[0].outlet == "Le Matin" and items[0].published == "2023-03-14"
    assert items[1].source.endswith("#L2") and "text column" in items[2].error


def test_csv_with_missing_text_column_names_expected_columns(tmp_path):
    f = tmp_path / "export.csv"
    f.write_text("id,url,headline\n1,http://a,b\n", "utf-8")
    (err,) = _read(f)
    assert "text" in err.error and "media_name" in err.error


def test_csv_rows_parse_and_short_rows_are_errors(tmp_path):
    f = tmp_path / "export.csv"
    f.write_text('id,title,text\n1,A,"Le Maroc, la France."\n2,B\n', "utf-8")
    items = _read(f)
    assert isinstance(items[0], RawDoc) and items[0].raw_text == "Le Maroc, la France."
    assert isinstance(items[1], ErrorRow) and items[1].source.endswith("#L3")


def test_expand_spells_paths_as_pathlib_does_however_the_folder_is_written(tmp_path,
                                                                         monkeypatch):
    """Files found in a folder are joined as strings, not Paths (4 s per million files): the
    same paths as `Path(root, name).as_posix()` gives, for every way of writing the folder."""
    from pathlib import Path

    files = ("a.txt", "2024/b.txt", "2024/x y/c é.txt")
    for rel in (*files, "_x/d.txt"):
        (tmp_path / "news" / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "news" / rel).write_text("x", "utf-8")
    monkeypatch.chdir(tmp_path)
    for spelling in (f"{tmp_path}/news", f"{tmp_path}//news/", f"{tmp_path}/./news/2024/..",
                     "news", "./news", "news/", "news//", "news/2024/../"):
        assert [p for p, _ in expand([spelling])] == sorted(
            Path(spelling, rel).as_posix() for rel in files), spelling


def test_expand_skips_hidden_and_underscore_files_and_sorts(tmp_path):
    for name in ["b.txt", "a.txt", "_truth.jsonl", ".hidden"]:
        (tmp_path / name).write_text("x")
    assert [s for _, s in expand([tmp_path])] == [f"{tmp_path}/a.txt", f"{tmp_path}/b.txt"]
    with pytest.raises(InputError):
        expand([tmp_path / "missing"])


def test_manifest_rejects_paths_outside_root(tmp_path):
    m = tmp_path / "m.csv"
    m.write_text("file,outlet\n../etc/passwd,X\n")
    with pytest.raises(InputError, match="outside the input root"):
        read_manifest(m)


# ---------------------------------------------------------------- fsspec URLs

@pytest.fixture()
def memory_corpus():
    """Pages in fsspec's in-memory file system (stands in for s3://, gcs:// ...)."""
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    root = f"/ctkit-test-{id(fs)}"
    fs.pipe(f"{root}/a.txt", "Le Maroc et l'Espagne ont signé un accord.".encode())
    fs.pipe(f"{root}/sub/b.txt.gz", gzip.compress(b"Morocco and Spain met in Rabat."))
    fs.pipe(f"{root}/_truth.jsonl", b"{}")
    fs.pipe(f"{root}/.cache/c.txt", b"hidden")
    yield f"memory://{root}"
    fs.rm(root, recursive=True)


def test_a_url_folder_is_listed_like_a_local_one(memory_corpus):
    found = expand([memory_corpus])
    assert [s for _, s in found] == [f"memory://{memory_corpus[9:]}/a.txt",
                                     f"memory://{memory_corpus[9:]}/sub/b.txt.gz"]
    assert all(isinstance(p, str) for p, _ in found)  # URLs stay strings, never Paths
    assert len(expand([memory_corpus + "/*.txt"])) == 1


def test_url_files_are_read_gunzipped_and_bounded(memory_corpus):
    (url_a, _), (url_b, _) = expand([memory_corpus])
    (doc,) = _read(url_b)
    assert doc.raw_text.startswith("Morocco and Spain")
    (err,) = _read(url_a, max_bytes=10)
    assert isinstance(err, ErrorRow) and "limit" in err.error


def test_missing_url_and_unknown_protocol_are_clear_input_errors(memory_corpus):
    with pytest.raises(InputError, match="not found"):
        expand([memory_corpus + "/nothing-here"])
    with pytest.raises(InputError, match="cannot open"):
        expand(["nosuchprotocol://bucket/news"])


def test_a_url_corpus_parses_to_the_same_tables_as_its_local_copy(memory_corpus, tmp_path):
    import fsspec

    import ctkit

    local = tmp_path / "copy"
    fsspec.filesystem("memory").get(memory_corpus[9:] + "/", str(local), recursive=True)
    remote, here = ctkit.parse(memory_corpus, engine="local"), ctkit.parse(local, engine="local")
    assert len(remote.articles) == 2
    for name, df in here.tables().items():
        cols = [c for c in df.columns if c != "source"]
        assert remote.tables()[name][cols].equals(df[cols]), name
