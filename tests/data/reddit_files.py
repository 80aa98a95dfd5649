"""Small generated Reddit dump files (zstd NDJSON with the dumps' 2 GiB window)."""

from __future__ import annotations

import io
import json
from typing import Any

import zstandard


def zst(lines: list[bytes], frames: int = 1) -> bytes:
    """``lines`` as zstd NDJSON in ``frames`` frames, declaring a 2**31-byte window."""
    params = zstandard.ZstdCompressionParameters.from_level(
        3, window_log=31, write_content_size=False
    )
    compressor = zstandard.ZstdCompressor(compression_params=params)
    size = -(-len(lines) // frames)
    out = io.BytesIO()
    for start in range(0, len(lines), size):
        with compressor.stream_writer(out, closefd=False) as writer:
            writer.write(b"".join(line + b"\n" for line in lines[start : start + size]))
    return out.getvalue()


def comment(n: int, sub: str = "Bitcoin", body: str = "to the moon", **extra: Any) -> bytes:
    """A comment record, id ``c{n}``, created ``1_700_000_000 + n``."""
    record = {"id": f"c{n}", "subreddit": sub, "created_utc": 1_700_000_000 + n, "body": body,
              "author": "a", "score": n, **extra}  # fmt: skip
    return json.dumps(record).encode()


def submission(n: int, title: str, selftext: str = "", sub: str = "Bitcoin") -> bytes:
    """A submission record, id ``s{n}``, created ``1_700_000_000 + n`` (as a string)."""
    record = {"id": f"s{n}", "subreddit": sub, "created_utc": str(1_700_000_000 + n),
              "title": title, "selftext": selftext, "author": "b", "score": 1}  # fmt: skip
    return json.dumps(record).encode()
