"""ctkit: tidy tables and offline reports from scraped news about security cooperation.

    import ctkit
    corpus = ctkit.parse("data/raw", focal="MAR")
    corpus.to_parquet("data/processed"); corpus = ctkit.load("data/processed")
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

from .corpus import Corpus, load  # noqa: E402
from .options import Options  # noqa: E402
from .pipeline import parse, parse_to  # noqa: E402

__all__ = ["Corpus", "Options", "analysis", "geo", "load", "parse", "parse_to", "plots",
           "schema", "__version__"]

_LAZY = {"analysis", "plots", "geo", "schema", "reports", "sample"}


def __getattr__(name: str) -> Any:
    """Import the heavier modules (plotly, geopandas) only when they are used."""
    if name in _LAZY:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ctkit' has no attribute {name!r}")
