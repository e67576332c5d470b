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
