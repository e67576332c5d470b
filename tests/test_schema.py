import pandas as pd
import pytest

from ctkit import schema


def test_conform_gives_contract_columns_and_dtypes():
    df = schema.conform("engagement", [{"article_id": "a", "metric": "comments", "value": 4}])
    assert list(df.columns) == list(schema.TABLES["engagement"])
    schema.validate("engagement", df)


def test_validate_rejects_bad_roles_and_missing_columns():
    bad = schema.conform("countries", [{"article_id": "a", "iso3": "ESP", "role": "friend"}])
    with pytest.raises(schema.SchemaError, match="role"):
        schema.validate("countries", bad)
    with pytest.raises(schema.SchemaError, match="missing"):
        schema.validate("errors", pd.DataFrame({"source": ["x"]}))


def test_conform_reads_row_dicts_as_it_reads_a_dataframe_of_them():
    import numpy as np

    rows = [
        {"article_id": "a1", "source": "x.txt", "url": None, "outlet": "Hespress FR",
         "title": "Rabat", "published": "2024-03-05", "language": "fr", "text": "Le Maroc…",
         "n_words": 3, "duplicate_of": None, "content_hash": "ff", "extra": [1]},
        {"article_id": "a2", "source": "y.txt", "outlet": float("nan"), "title": "",
         "published": "5 mars 2024 10:00", "language": None, "text": "", "n_words": np.int64(0),
         "duplicate_of": "a1", "content_hash": "00"},
        {"article_id": "a3", "source": "z.txt", "published": None, "n_words": None,
         "title": 12},  # not a str: pandas' conversion ("12"), not Arrow's fast path
    ]
    assert schema._ARROW_STR  # the fast path for columns of str and None is live here
    pd.testing.assert_frame_equal(schema.conform("articles", rows),
                                  schema.conform("articles", pd.DataFrame(rows)))
    events = [{"event_id": "a1-001", "article_id": "a1", "start": 3, "end": 9, "iso3": None},
              {"event_id": "a1-002", "article_id": "a1", "start": np.int32(4), "end": 5.0}]
    pd.testing.assert_frame_equal(schema.conform("events", events),
                                  schema.conform("events", pd.DataFrame(events)))
    assert schema.conform("events", []).equals(schema.empty("events"))
