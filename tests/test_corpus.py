import pytest

from ctkit import schema
from ctkit.corpus import Corpus, TableWriter, load


def _corpus(text="Le Maroc."):
    arts = schema.conform("articles", [{"article_id": "a1", "source": "x.txt", "text": text,
                                        "n_words": 2}])
    return Corpus(articles=arts)


def test_roundtrip_and_text_column_loaded_only_when_asked(tmp_path):
    _corpus().to_parquet(tmp_path)
    assert "text" not in load(tmp_path).articles
    assert load(tmp_path, text=True).articles.loc[0, "text"] == "Le Maroc."


def test_failed_write_leaves_previous_output_intact(tmp_path):
    _corpus("first").to_parquet(tmp_path)
    with pytest.raises(RuntimeError):
        with TableWriter(tmp_path) as w:
            w.write(_corpus("second"))
            raise RuntimeError("killed")
    assert load(tmp_path, text=True).articles.loc[0, "text"] == "first"
    assert not list(tmp_path.glob(".*tmp*"))


def test_unwritable_output_is_a_clear_error(tmp_path):
    target = tmp_path / "file"
    target.write_text("x")
    with pytest.raises(OSError, match="not writable"):
        TableWriter(target / "out")


def test_row_reader_takes_rows_across_row_groups_typed_like_load(tmp_path):
    """Rows by position from a file written in chunks (one row group each), in any order, with
    the dtypes `load` gives; only the row groups of the last call are held."""
    import numpy as np
    import pandas as pd

    from ctkit.corpus import RowReader

    parts = [schema.conform("articles", [
        {"article_id": f"a{i}", "source": f"{i}.txt", "text": f"text {i}", "n_words": i,
         "published": "2024-01-02" if i % 2 else None} for i in range(k, k + 3)])
        for k in (0, 3, 6)]
    with TableWriter(tmp_path) as w:
        for part in parts:
            w.write(Corpus(articles=part))
    whole = load(tmp_path, text=True).articles
    takes = ([0, 1, 2], [3, 4], [8], [8, 2, 4, 4, 3], [])
    for window, held in ((1, [(0, 1), (1, 2), (2, 3), (0, 3), (0, 3)]),  # a group at a time
                         (2, [(0, 2), (0, 2), (2, 3), (0, 3), (0, 3)]),
                         (8, [(0, 3)] * 5)):  # all the file in one read
        reader = RowReader(tmp_path / "articles.parquet", table="articles", window=window)
        assert len(reader) == 9 and reader.file.metadata.num_row_groups == 3
        for at, groups in zip(takes, held, strict=True):
            got = reader.take(np.array(at, dtype=np.int64))
            pd.testing.assert_frame_equal(got, whole.iloc[at].reset_index(drop=True))
            assert reader._held[:2] == groups
    names = reader.take(np.array([7]))["source"]
    assert names.dtype == "string" and list(names) == ["7.txt"]
    batches = list(reader.column("article_id", batch=4))
    assert max(map(len, batches)) <= 4
    assert [v.as_py() for b in batches for v in b] == list(whole["article_id"])
    reader.close()
