"""One `Options` dataclass for every tunable, with defaults read from `data/defaults.toml`."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from functools import cache
from importlib import resources
from typing import Any


@cache
def _defaults() -> dict[str, Any]:
    return tomllib.loads(resources.files("ctkit").joinpath("data/defaults.toml").read_text("utf-8"))


def _default(name: str) -> Any:
    return field(default_factory=lambda: _defaults()[name])


@dataclass(frozen=True)
class Options:
    """Parse options; every default lives in `ctkit/data/defaults.toml`."""

    focal: str = _default("focal")
    engine: str = _default("engine")
    workers: int = _default("workers")
    chunk_size: int = _default("chunk_size")
    max_bytes: int = _default("max_bytes")
    max_line_chars: int = _default("max_line_chars")
    doc_time_budget: float = _default("doc_time_budget")
    ner_models: dict[str, str] = _default("ner_models")
    use_ner: str = _default("use_ner")
    duplicate_min_words: int = _default("duplicate_min_words")

    def __post_init__(self) -> None:
        if not (isinstance(self.focal, str) and len(self.focal) == 3 and self.focal.isupper()):
            raise ValueError(f"focal must be an ISO3 code like 'MAR', got {self.focal!r}")
        if self.engine not in ("local", "process", "dask"):
            raise ValueError(f"engine must be local, process or dask, got {self.engine!r}")
        if self.use_ner not in ("auto", "yes", "no"):
            raise ValueError(f"use_ner must be auto, yes or no, got {self.use_ner!r}")
        if self.chunk_size < 1 or self.max_bytes < 1 or self.workers < 0:
            raise ValueError("chunk_size and max_bytes must be positive, workers >= 0")

    def with_(self, **changes: Any) -> Options:
        """A copy with `changes`; unknown names are an error, not silently ignored."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise TypeError(f"unknown option(s) {sorted(unknown)}")
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
