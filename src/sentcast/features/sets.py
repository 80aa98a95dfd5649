"""Named feature groups (``BTC``, ``USD``, ``SP500``, ``Sentiment``) and ``+``-joined sets.

A market group is the six panel columns ``<PREFIX>_{Open,High,Low,Close,Adj_Close,Volume}``;
``Sentiment`` is every ``Sentiment_*`` column of the joined frame (one by default). The BTC close
is always the first feature of a set that contains ``BTC``, so window ``[..., 3]`` is the close.
"""

from __future__ import annotations

from collections.abc import Sequence

from sentcast.data.yahoo import OHLCV
from sentcast.errors import UserInputError

MARKET_GROUPS = ("BTC", "USD", "SP500")
SENTIMENT_GROUP = "Sentiment"
SENTIMENT_PREFIX = "Sentiment_"
#: The study's eight feature sets, in its table order.
STUDY_FEATURE_SETS = (
    "BTC",
    "BTC+USD",
    "BTC+Sentiment",
    "BTC+SP500",
    "BTC+USD+Sentiment",
    "BTC+USD+SP500",
    "BTC+Sentiment+SP500",
    "BTC+USD+Sentiment+SP500",
)


def parse_feature_set(name: str) -> list[str]:
    """Split ``"BTC+USD+Sentiment"`` into its groups; the set must contain ``BTC``.

    Raises
    ------
    UserInputError
        Unknown or repeated group, or no ``BTC`` group.
    """
    groups = [g.strip() for g in name.split("+")]
    known = (*MARKET_GROUPS, SENTIMENT_GROUP)
    for group in groups:
        if group not in known:
            raise UserInputError(
                f"feature set {name!r}: unknown group {group!r} (known: {', '.join(known)})"
            )
    if len(set(groups)) != len(groups):
        raise UserInputError(f"feature set {name!r}: a group is repeated")
    if "BTC" not in groups:
        raise UserInputError(f"feature set {name!r}: must contain BTC (the target asset)")
    return groups


def feature_groups(name: str, columns: Sequence[str]) -> dict[str, list[str]]:
    """Map each group of the set ``name`` to its columns among ``columns`` (frame columns)."""
    result: dict[str, list[str]] = {}
    for group in parse_feature_set(name):
        if group == SENTIMENT_GROUP:
            cols = [c for c in columns if c.startswith(SENTIMENT_PREFIX)]
        else:
            cols = [f"{group}_{field}" for field in OHLCV]
        missing = [c for c in cols if c not in columns]
        if missing or not cols:
            raise UserInputError(
                f"feature set {name!r}: group {group} needs column(s) "
                f"{', '.join(missing) or SENTIMENT_PREFIX + '*'} which the data lacks"
            )
        result[group] = cols
    return result


def feature_columns(name: str, columns: Sequence[str]) -> list[str]:
    """The ordered columns of feature set ``name`` (BTC first)."""
    groups = feature_groups(name, columns)
    ordered = ["BTC", *(g for g in groups if g != "BTC")]
    return [c for g in ordered for c in groups[g]]
