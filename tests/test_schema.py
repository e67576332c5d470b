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
