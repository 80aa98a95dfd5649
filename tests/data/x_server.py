"""A fake X API v2 search endpoint for pytest-httpserver: pages by ``next_token``, faults first."""

from __future__ import annotations

import json
import threading
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

TOKEN = "test-token-Zq81"
RECENT = "/2/tweets/search/recent"


def tweet(number: int, day: int = 1, **extra: Any) -> dict[str, Any]:
    """A tweet in the API's JSON form, id ``1000 + number``."""
    return {
        "id": str(1000 + number),
        "text": f"bitcoin tweet {number}",
        "created_at": f"2024-05-{day:02d}T{number % 24:02d}:00:00.000Z",
        "author_id": str(number % 7),
        "lang": "en",
        "public_metrics": {
            "retweet_count": number,
            "reply_count": 1,
            "like_count": 2 * number,
            "quote_count": 0,
            "impression_count": 10,
        },
        "edit_history_tweet_ids": [str(1000 + number)],
        **extra,
    }


class FakeX:
    """Serves ``pages[i]`` for ``next_token=t{i}`` (page 0 without a token).

    ``faults`` are answered, in order, before any normal page; pages in ``broken`` answer 503;
    ``hold_at`` makes the request for that page wait until :meth:`release` is called (to kill
    a client mid-collection).
    """

    def __init__(self, pages: list[list[dict[str, Any]]]) -> None:
        self.pages = pages
        self.faults: list[Response] = []
        self.requests: list[dict[str, str]] = []
        self.auth: set[str] = set()
        self.hold_at: int | None = None
        self.broken: set[int] = set()
        self.held = threading.Event()
        self._release = threading.Event()

    def install(self, server: HTTPServer, path: str = RECENT) -> str:
        """Register on ``server``; return the base URL to pass as ``--api-url``."""
        server.expect_request(path).respond_with_handler(self.handle)
        return server.url_for("/").rstrip("/")

    def release(self) -> None:
        self._release.set()

    def handle(self, request: Request) -> Response:
        self.requests.append(dict(request.args))
        self.auth.add(request.headers.get("Authorization", ""))
        if self.faults:
            return self.faults.pop(0)
        token = request.args.get("next_token")
        index = int(token[1:]) if token else 0
        if index in self.broken:
            return error_reply(503)
        if index == self.hold_at:
            self.held.set()
            self._release.wait(30)
        meta: dict[str, Any] = {"result_count": len(self.pages[index])}
        if index + 1 < len(self.pages):
            meta["next_token"] = f"t{index + 1}"
        body: dict[str, Any] = {"meta": meta}
        if self.pages[index]:
            body["data"] = self.pages[index]
        return Response(json.dumps(body), content_type="application/json")


def error_reply(status: int, body: str = "unavailable", **headers: str) -> Response:
    """A non-JSON error reply (or any body) with ``status`` and ``headers``."""
    return Response(body, status=status, headers=headers)


def collect_args(url: str, out: str, *extra: str) -> list[str]:
    """``sentcast tweets collect`` arguments against the fake server."""
    return [
        "tweets", "collect", "bitcoin", "--start", "2024-05-01", "--end", "2024-05-07",
        "--out", out, "--api-url", url, "--backoff", "0.01", *extra,
    ]  # fmt: skip
