"""Scoring chunks on Ray: ``sentcast sentiment score --engine ray``.

The run itself is :func:`sentcast.sentiment.ingest.run_score_job`: this process reads the
inputs in chunks (the same reader, the same chunks, the same work folder as the local engine,
so a run killed under one engine resumes under the other), and :class:`RayChunks` sends each
chunk to one of a set of Ray actors, each holding one scorer. An actor returns the chunk's
counts, partial aggregate and scored rows; this process writes them atomically and merges the
partial aggregates into the exact daily table, as locally. Neither the inputs nor the outputs
need to be reachable from the cluster's nodes: chunks travel through Ray's object store.

An actor whose process dies (killed, out of memory) is restarted by Ray and its chunks are
scored again (:data:`RETRIES` times); an error raised while scoring a chunk fails the run with
one line naming the chunk, and the chunks finished before it are kept for the next run.
"""

from __future__ import annotations

import collections
from types import ModuleType, TracebackType
from typing import Any

from sentcast.engines import task_error
from sentcast.sentiment.batch import BatchScorer
from sentcast.sentiment.chunk_scoring import Chunk, ChunkResult, score_table
from sentcast.sentiment.score_job import ScoreJob
from sentcast.sentiment.scorer import Scorer

RETRIES = 3
"""How many times a chunk is scored again after its actor's process died."""
IN_FLIGHT = 2
"""Chunks queued per actor: one being scored, one waiting (bounds the object store use)."""


class ScoringActor:
    """A Ray actor's state: one scorer, with its cache of texts already scored."""

    def __init__(self, scorer: Scorer) -> None:
        self.batch = BatchScorer(scorer, workers=1)

    def score(self, chunk: Chunk, job: ScoreJob) -> ChunkResult:
        """Score ``chunk`` (see :func:`sentcast.sentiment.chunk_scoring.score_table`)."""
        return score_table(chunk.table, chunk.columns, job, self.batch)


class RayChunks:
    """:class:`~sentcast.sentiment.ingest.ChunkRunner` that scores chunks on Ray actors.

    Parameters
    ----------
    ray : module
        The connected ``ray`` module (:func:`sentcast.engines.ray_session`).
    scorer : Scorer
        Sent once to every actor.
    actors : int, optional
        Actors (one CPU each); default the cluster's CPUs.

    Notes
    -----
    Use as a context manager (or call :meth:`close`) so that the actors end. Results come
    back in the order the chunks were submitted; at most :data:`IN_FLIGHT` chunks per actor
    are pending at a time.
    """

    def __init__(self, ray: ModuleType, scorer: Scorer, actors: int | None = None) -> None:
        self.ray = ray
        self.scorer = scorer
        n = actors or max(int(ray.cluster_resources().get("CPU", 1)), 1)
        remote = ray.remote(num_cpus=1, max_restarts=RETRIES, max_task_retries=RETRIES)
        actor_class = remote(ScoringActor)
        self._actors = [actor_class.remote(scorer) for _ in range(n)]
        self._load = [0] * n
        self._pending: collections.deque[tuple[Chunk, int, Any]] = collections.deque()

    def __enter__(self) -> RayChunks:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def submit(self, chunk: Chunk, job: ScoreJob) -> list[tuple[Chunk, ChunkResult]]:
        """Queue ``chunk`` on the least busy actor; return the oldest results once the queue
        is full."""
        i = min(range(len(self._actors)), key=self._load.__getitem__)
        self._pending.append((chunk, i, self._actors[i].score.remote(chunk, job)))
        self._load[i] += 1
        done = []
        while len(self._pending) >= IN_FLIGHT * len(self._actors):
            done.append(self._oldest())
        return done

    def finish(self) -> list[tuple[Chunk, ChunkResult]]:
        """Wait for every queued chunk; return their results in submission order."""
        return [self._oldest() for _ in range(len(self._pending))]

    def _oldest(self) -> tuple[Chunk, ChunkResult]:
        chunk, i, ref = self._pending.popleft()
        self._load[i] -= 1
        try:
            result: ChunkResult = self.ray.get(ref)
        except self.ray.exceptions.RayError as exc:
            self.close()
            raise task_error(exc, f"scoring {chunk.stem.name}") from None
        return chunk, result

    def close(self) -> None:
        """End the actors (the chunks still queued are dropped)."""
        for actor in self._actors:
            self.ray.kill(actor)
        self._actors, self._load = [], []
        self._pending.clear()
