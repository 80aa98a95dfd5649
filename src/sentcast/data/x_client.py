"""GET requests to the X API v2 with bounded retries, rate-limit waits and scrubbed messages.

Every loop here that waits on the server has a bound and a floor:

* a request is tried at most ``1 + retries`` times after server errors (5xx, timeouts,
  dropped connections, malformed JSON) and at most ``1 + rate_limit_retries`` times after
  HTTP 429, and never longer than ``max_total_s`` in all (waits included);
* no pause before a retry is shorter than the backoff schedule (``backoff_s``, doubled per
  try, capped at ``max_backoff_s``): a 429 whose ``x-rate-limit-reset`` lies in the past, or
  is missing, waits that long instead of retrying at once;
* a reset further away than ``max_wait_s`` (a monthly usage cap) stops at once.

Anything printed or raised from a reply of the server (its ``detail``, its reason phrase, an
exception's text) goes through :func:`scrub` first: the bearer token and any
``Authorization`` value are replaced by ``***`` (proxies echo request headers in their error
pages).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from sentcast.errors import DataError, UserInputError
from sentcast.progress import logger, progress_enabled, stderr_console

MIN_BACKOFF_S = 0.01
"""The least first pause between two tries (a floor: no retry loop ever spins)."""
MAX_PROBLEM_CHARS = 300
"""Longest explanation from a reply that is shown."""
MASK = "***"
_AUTH_VALUE = re.compile(
    r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:bearer\s+|basic\s+|token\s+)?[^\s\"',;}\]]+"
)
_BEARER = re.compile(r"(?i)\b(bearer\s+)[^\s\"',;}\]]+")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try before giving up.

    Attributes
    ----------
    retries : int
        Retries of one request after a server error, timeout or malformed reply.
    backoff_s, max_backoff_s : float
        First pause between tries (doubled each time, at least :data:`MIN_BACKOFF_S`) and its
        ceiling. Every pause before a retry, 429 ones included, is at least this schedule.
    timeout_s : float
        Connect/read timeout of one request.
    max_wait_s : float
        Longest rate-limit wait accepted; a later reset (a monthly usage cap, say) stops the
        collection so it can be resumed later.
    min_interval_s : float or None
        Least time between two requests (default: the endpoint's, 1 s for full archive).
    rate_limit_retries : int
        Retries of one request after HTTP 429.
    max_total_s : float
        Longest time spent on one request, every try and wait included.

    Raises
    ------
    ValueError
        For a negative count, a backoff under :data:`MIN_BACKOFF_S` or a non-positive time.
    """

    retries: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 60.0
    timeout_s: float = 30.0
    max_wait_s: float = 3600.0
    min_interval_s: float | None = None
    rate_limit_retries: int = 15
    max_total_s: float = 4 * 3600.0

    def __post_init__(self) -> None:
        if self.retries < 0 or self.rate_limit_retries < 0:
            raise ValueError("retries must be >= 0")
        if not MIN_BACKOFF_S <= self.backoff_s <= self.max_backoff_s < math.inf:
            raise ValueError(
                f"backoff must be between {MIN_BACKOFF_S} s and {self.max_backoff_s} s, "
                f"got {self.backoff_s}"
            )
        for name in ("timeout_s", "max_wait_s", "max_total_s"):
            if not 0 < getattr(self, name) < math.inf:
                raise ValueError(f"{name} must be > 0 and finite")

    def backoff(self, tries: int) -> float:
        """The pause after the ``tries``-th failed try in a row (1-based)."""
        return min(self.backoff_s * 2.0 ** min(tries - 1, 60), self.max_backoff_s)


def scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret, ``Authorization`` value and bearer token replaced by ``***``.

    Parameters
    ----------
    text : str
        Text that came from a remote reply (or mentions one).
    secrets : iterable of str
        Values to mask wherever they appear (the bearer token).
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    text = _AUTH_VALUE.sub(lambda m: m.group(1) + MASK, text)
    return _BEARER.sub(lambda m: m.group(1) + MASK, text)


class XClient:
    """GET requests to the X API with rate-limit waits and bounded retries.

    Parameters
    ----------
    api_url : str
        Base URL, e.g. ``https://api.x.com``.
    token : str
        Bearer token (sent in the ``Authorization`` header only, masked in every message).
    policy : RetryPolicy
        Retries, backoff, timeouts and bounds.
    sleep : callable
        ``time.sleep`` (replaceable in tests).
    clock : callable
        ``time.monotonic`` (replaceable in tests, with ``sleep``).
    """

    def __init__(
        self,
        api_url: str,
        token: str,
        policy: RetryPolicy,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._clock = clock
        self._last = -math.inf
        self._secrets = (token, f"Bearer {token}")
        self._http = httpx.Client(
            base_url=api_url,
            headers={"Authorization": f"Bearer {token}", "User-Agent": "sentcast"},
            timeout=policy.timeout_s,
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> XClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def scrub(self, text: str) -> str:
        """``text`` without this client's token or any ``Authorization`` value."""
        return scrub(text, self._secrets)

    def get_json(self, path: str, params: Mapping[str, str], min_interval_s: float) -> Any:
        """``GET path`` and the decoded JSON body, after any rate-limit waits and retries.

        Raises
        ------
        UserInputError
            For 4xx replies other than 429 (bad query, token or access level).
        DataError
            When retries or the time budget are exhausted, or a rate limit resets later than
            ``max_wait_s``.
        """
        began = self._clock()
        failures = limited = 0
        while True:
            self._sleep(max(0.0, self._last + min_interval_s - self._clock()))
            self._last = self._clock()
            try:
                response = self._http.get(path, params=params)
            except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
                problem = f"{type(exc).__name__} ({exc})"
            else:
                if response.status_code == 429:
                    limited += 1
                    if limited > self.policy.rate_limit_retries:
                        raise DataError(
                            f"{path}: rate limited (HTTP 429) {limited} times; "
                            f"gave up after {failures + limited} tries"
                        )
                    wait = self._rate_limit_wait(response, limited)
                    self._check_budget(path, "HTTP 429", began, wait, failures + limited)
                    countdown(wait, "rate limited (HTTP 429)", self._sleep)
                    continue
                if 400 <= response.status_code < 500:
                    raise UserInputError(
                        f"X API refused {path} (HTTP {response.status_code}): "
                        f"{self.scrub(api_problem(response))}"
                    )
                problem = f"HTTP {response.status_code} {response.reason_phrase}"
                if response.status_code < 400:
                    try:
                        return response.json()
                    except (ValueError, RecursionError):  # bad JSON, a 5000-digit number
                        problem = f"malformed JSON in an HTTP {response.status_code} reply"
            problem = self.scrub(problem)[:MAX_PROBLEM_CHARS]
            failures += 1
            if failures > self.policy.retries:
                raise DataError(f"{path}: {problem}; gave up after {failures + limited} tries")
            wait = self.policy.backoff(failures)
            self._check_budget(path, problem, began, wait, failures + limited)
            logger.warning("%s: %s; retry %d in %.1f s", path, problem, failures, wait)
            self._sleep(wait)

    def _check_budget(self, path: str, problem: str, began: float, wait: float, tries: int) -> None:
        """Raise when waiting ``wait`` more seconds would pass ``max_total_s``."""
        spent = self._clock() - began
        if spent + wait > self.policy.max_total_s:
            raise DataError(
                f"{path}: {problem}; gave up after {tries} tries in {spent:.0f} s "
                f"(at most {self.policy.max_total_s:.0f} s per request)"
            )

    def _rate_limit_wait(self, response: httpx.Response, limited: int) -> float:
        """Seconds to wait after a 429: until ``x-rate-limit-reset``, never less than the
        backoff schedule (a reset in the past, missing or malformed waits the backoff).

        Raises
        ------
        DataError
            When the reset is more than ``max_wait_s`` away.
        """
        floor = self.policy.backoff(limited)
        try:
            reset = float(response.headers.get("x-rate-limit-reset", ""))
        except ValueError:
            return floor
        if not math.isfinite(reset):
            return floor
        wait = reset - time.time()
        if wait > self.policy.max_wait_s:
            try:
                when = f"{dt.datetime.fromtimestamp(reset, dt.UTC):%Y-%m-%d %H:%M} UTC"
            except (OverflowError, OSError, ValueError):
                when = "an unreadable time"
            raise DataError(f"rate limited until {when} ({wait / 60:.0f} min; a usage cap?)")
        return max(wait, floor)


def countdown(seconds: float, why: str, sleep: Callable[[float], None] = time.sleep) -> None:
    """Sleep ``seconds``: one log line, then the time left counting down on a terminal."""
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds)
    logger.warning("%s: waiting %.1f s, until %s UTC", why, seconds, f"{until:%H:%M:%S}")
    if not progress_enabled():
        sleep(seconds)
        return
    left = seconds
    with stderr_console.status("") as status:
        while left > 0:
            status.update(f"{why}: resuming in {math.ceil(left)} s")
            step = min(1.0, left)
            sleep(step)
            left -= step


def api_problem(response: httpx.Response) -> str:
    """The API's explanation of an error reply (``detail``/``title`` or ``errors[0]``), on one
    line and at most :data:`MAX_PROBLEM_CHARS` characters; not yet scrubbed."""
    try:
        body = response.json()
    except (ValueError, RecursionError):
        body = None
    text = response.reason_phrase
    if isinstance(body, dict):
        errors = body.get("errors")
        first = errors[0] if isinstance(errors, list) and errors else {}
        found = [
            source[key]
            for source in (body, first if isinstance(first, dict) else {})
            for key in ("detail", "message", "title")
            if isinstance(source.get(key), str)
        ]
        text = found[0] if found else text
    text = " ".join(text.split())
    return text if len(text) <= MAX_PROBLEM_CHARS else text[: MAX_PROBLEM_CHARS - 3] + "..."
