"""The `dask` engine: the same chunks as the `process` engine, run on dask.distributed
(a `LocalCluster` by default, or an existing scheduler); results come back in input order.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .options import Options
    from .pipeline import Chunk, ChunkResult

INSTALL_HINT = "the dask engine needs the `dask` extra: pip install 'ctkit[dask]'"


def run_dask(chunks: Iterable[Chunk], options: Options, *, scheduler: str | None,
             workers: int, window: int = 8) -> Iterator[ChunkResult]:
    """Run `chunks` on a dask cluster, at most `window` chunks per worker in flight."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:
        raise RuntimeError(INSTALL_HINT) from exc
    from .pipeline import run_chunk

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        pending = []
        it = iter(chunks)
        limit = max(1, window * workers)
        for ch in it:
            pending.append(client.submit(run_chunk, ch, options, pure=False))
            if len(pending) >= limit:
                yield pending.pop(0).result()
        for fut in pending:
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
