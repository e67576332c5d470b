"""ctkit: tidy tables and offline reports from scraped news about security cooperation.

    import ctkit
    corpus = ctkit.parse("data/raw", focal="MAR")
    corpus.to_parquet("data/processed"); corpus = ctkit.load("data/processed")

Names are imported on first use, so `import ctkit` (and `ctkit --version`) stays fast.
"""
from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Corpus", "Options", "analysis", "geo", "load", "params", "parse", "parse_to",
           "plots", "reports", "sample", "schema", "__version__"]

_NAMES = {"Corpus": "corpus", "load": "corpus", "Options": "options", "parse": "pipeline",
          "parse_to": "pipeline"}
_MODULES = {"analysis", "plots", "geo", "schema", "reports", "sample", "params", "evaluate"}

if TYPE_CHECKING:
    from . import analysis, geo, params, plots, reports, sample, schema  # noqa: F401
    from .corpus import Corpus, load  # noqa: F401
    from .options import Options  # noqa: F401
    from .pipeline import parse, parse_to  # noqa: F401


def __getattr__(name: str) -> Any:
    """Import the public names lazily (pandas, plotly and geopandas load only when used)."""
    if name in _NAMES:
        return getattr(import_module(f".{_NAMES[name]}", __name__), name)
    if name in _MODULES:
        return import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ctkit' has no attribute {name!r}")
