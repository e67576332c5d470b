"""The three engines give identical tables (DESIGN.md §2) on the sample corpus."""
import pandas as pd
import pytest

import ctkit


@pytest.mark.timeout(900)
def test_local_process_and_dask_engines_give_identical_tables(sample_dir, sample_corpus):
    pytest.importorskip("dask.distributed")
    for engine in ("process", "dask"):
        other = ctkit.parse(sample_dir, engine=engine, workers=2)
        for name, df in sample_corpus.tables().items():
            pd.testing.assert_frame_equal(df, other.tables()[name], obj=f"{engine}.{name}")


def test_dask_engine_without_dask_says_how_to_install(monkeypatch, mixed_inputs):
    import builtins

    real = builtins.__import__

    def no_dask(name, *a, **kw):
        if name.startswith("dask"):
            raise ImportError(name)
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(RuntimeError, match=r"ctkit\[dask\]"):
        ctkit.parse(mixed_inputs, engine="dask", workers=1)


@pytest.mark.timeout(900)
def test_dask_workers_read_fsspec_urls(sample_dir, sample_corpus):
    """Inputs given as URLs are listed by the client and read by the workers themselves."""
    pytest.importorskip("dask.distributed")
    remote = ctkit.parse(sample_dir.resolve().as_uri(), engine="dask", workers=2)
    assert remote.articles["source"].str.startswith("file://").all()
    for name, df in sample_corpus.tables().items():
        cols = [c for c in df.columns if c != "source"]
        pd.testing.assert_frame_equal(df[cols], remote.tables()[name][cols], obj=name)
