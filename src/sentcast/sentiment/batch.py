"""Batch scoring over iterables, pandas and Arrow columns: de-duplicated, cached, parallel.

Each distinct text of a batch is scored once; a bounded cache carries scores across batches
(retweets repeat over days), and cache misses are spread over worker processes.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from itertools import islice
from multiprocessing import get_context
from types import TracebackType
from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sentcast.sentiment.scorer import SCORE_COLUMNS, Scorer
from sentcast.sentiment.vader import VaderScorer
from sentcast.workers import init_worker, start_workers, stop_now

TextColumn: TypeAlias = Iterable[str | None] | pd.Series | pa.Array | pa.ChunkedArray

_WORKER: dict[str, Scorer] = {}
_MIN_PARALLEL = 2_000


def default_workers() -> int:
    """Number of CPU cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _init_worker(scorer: Scorer, main_pid: int) -> None:
    init_worker(main_pid)
    _WORKER["scorer"] = scorer


def _score_in_worker(texts: list[str] | pa.Array) -> np.ndarray:
    return _WORKER["scorer"].score(texts)


class BatchScorer:
    """Scores batches of texts with a :class:`~sentcast.sentiment.scorer.Scorer`.

    Parameters
    ----------
    scorer : Scorer, optional
        Default :class:`~sentcast.sentiment.vader.VaderScorer` (``"vader"`` preset cleaning).
    workers : int, optional
        Worker processes; default the number of cores. ``1`` scores in this process.
    cache_size : int
        Most distinct texts whose scores are kept across batches (oldest quarter evicted
        when full).

    Notes
    -----
    Use as a context manager (or call :meth:`close`) so that worker processes end. Workers
    ignore SIGINT and die with this process, even when it is killed
    (:func:`sentcast.workers.init_worker`). A scorer with ``accepts_arrow = True`` gets the
    texts of an Arrow column as a pyarrow string array (one buffer to pickle, not a list).
    """

    def __init__(
        self, scorer: Scorer | None = None, workers: int | None = None, cache_size: int = 300_000
    ) -> None:
        self.scorer: Scorer = scorer if scorer is not None else VaderScorer()
        self.workers = default_workers() if workers is None else workers
        if self.workers < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        self.cache_size = cache_size
        self.texts_seen = 0
        self.texts_scored = 0
        self._cache: dict[str, int] = {}  # text -> its row in _cached (insertion order: age)
        self._cached = np.empty((max(cache_size, 0), len(SCORE_COLUMNS)))
        self._free = list(range(max(cache_size, 0)))  # rows of _cached not in use
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> BatchScorer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None and self._pool is not None:  # failed or interrupted: do not wait
            stop_now(self._pool)
            self._pool = None
        self.close()

    def close(self) -> None:
        """Stop the worker processes (if any were started)."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def score(self, texts: TextColumn) -> np.ndarray:
        """Scores of ``texts`` as a float64 array ``(n, 4)`` in :data:`SCORE_COLUMNS` order.

        Missing texts (None / null) and texts empty after the scorer's cleaning get NaN rows.
        """
        codes, uniques, column = _factorize(texts)
        self.texts_seen += len(codes)
        unique_scores = self._score_unique(uniques, column)
        out = np.full((len(codes), len(SCORE_COLUMNS)), np.nan)
        valid = codes >= 0
        out[valid] = unique_scores[codes[valid]]
        return out

    def score_frame(self, texts: TextColumn) -> pd.DataFrame:
        """:meth:`score` as a DataFrame with columns ``neg, neu, pos, compound``."""
        index = texts.index if isinstance(texts, pd.Series) else None
        return pd.DataFrame(self.score(texts), columns=list(SCORE_COLUMNS), index=index)

    def _score_unique(self, uniques: list[str], column: pa.Array | None) -> np.ndarray:
        scores = np.empty((len(uniques), len(SCORE_COLUMNS)))
        cached = list(map(self._cache.get, uniques))
        missing = [i for i, row in enumerate(cached) if row is None]
        hits = [(i, row) for i, row in enumerate(cached) if row is not None]
        if hits:
            at, rows = zip(*hits, strict=True)
            scores[list(at)] = self._cached[list(rows)]
        if missing:
            texts = [uniques[i] for i in missing]
            batch: list[str] | pa.Array = texts
            if column is not None and getattr(self.scorer, "accepts_arrow", False):
                batch = column.take(pa.array(missing))
            fresh = self._score_many(batch)
            scores[missing] = fresh
            self.texts_scored += len(texts)
            self._remember(texts, fresh)
        return scores

    def _score_many(self, texts: list[str] | pa.Array) -> np.ndarray:
        if self.workers == 1 or len(texts) < _MIN_PARALLEL:
            return self.scorer.score(texts)
        if self._pool is None:
            context = get_context("forkserver")
            # workers fork from a server that imported only the scorer, not the CLI's __main__
            context.set_forkserver_preload([type(self.scorer).__module__])
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=_init_worker,
                initargs=(self.scorer, os.getpid()),
            )
            start_workers(self._pool, self.workers)
        step = -(-len(texts) // (self.workers * 4))
        starts = range(0, len(texts), step)
        if isinstance(texts, pa.Array):  # compact copies: a pickled slice may carry it all
            parts = [texts.take(pa.array(range(i, min(i + step, len(texts))))) for i in starts]
        else:
            parts = [texts[i : i + step] for i in starts]
        # submit, not map: an interrupted map cancels its queued futures, which the executor
        # then fails to fail once stop_now kills the workers (see sentcast.workers.stop_now)
        futures = [self._pool.submit(_score_in_worker, part) for part in parts]
        return np.concatenate([future.result() for future in futures])

    def _remember(self, texts: list[str], scores: np.ndarray) -> None:
        """Keep the newest scores, evicting the oldest quarter of the cache when it is full."""
        cache = self._cache
        if len(texts) > self.cache_size:
            texts, scores = texts[len(texts) - self.cache_size :], scores[-self.cache_size :]
        if len(cache) + len(texts) > self.cache_size:
            evicted = max(len(cache) + len(texts) - self.cache_size, self.cache_size // 4)
            self._free += [cache.pop(key) for key in list(islice(cache, evicted))]
        if not texts:
            return
        rows = self._free[-len(texts) :]
        del self._free[-len(texts) :]
        self._cached[rows] = scores
        cache.update(zip(texts, rows, strict=True))


def _factorize(texts: TextColumn) -> tuple[np.ndarray, list[str], pa.Array | None]:
    """Codes (``-1`` for missing) and distinct values of a text column (also as Arrow when
    the column is Arrow)."""
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if isinstance(texts, pa.Array):
        encoded = pc.dictionary_encode(texts.cast(pa.string()))
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
        return codes, encoded.dictionary.to_pylist(), encoded.dictionary
    values = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), [str(u) for u in uniques], None


def score_texts(
    texts: TextColumn, scorer: Scorer | None = None, workers: int | None = 1
) -> pd.DataFrame:
    """Score a column of texts once (see :class:`BatchScorer`); one row per input text.

    Parameters
    ----------
    texts : iterable of str, pandas.Series or pyarrow array
        The texts; missing values give NaN rows.
    scorer : Scorer, optional
        Default :class:`~sentcast.sentiment.vader.VaderScorer`.
    workers : int, optional
        Worker processes (``None``: one per core); default 1.

    Returns
    -------
    pandas.DataFrame
        Columns ``neg, neu, pos, compound`` (index of ``texts`` when it is a Series).
    """
    with BatchScorer(scorer, workers) as batch:
        return batch.score_frame(texts)
