"""Named feature groups (``BTC``, ``USD``, ``SP500``, ``Sentiment``, ``Reddit``, ...) and
``+``-joined sets.

A market group is the six panel columns ``<PREFIX>_{Open,High,Low,Close,Adj_Close,Volume}``;
a daily-table group (``Sentiment`` from ``[data.sentiment]``, ``TextEmb`` from
``[data.text_embedding]``, or a ``[[data.sources]]`` name) is every ``<NAME>_*`` column of the
joined frame. Group names are letters and digits, starting with a letter, so ``Reddit_*`` never
matches ``RedditVolume_*``. The BTC group always comes first in a set's columns, so window
``[..., 3]`` is the BTC close.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from sentcast.data.yahoo import OHLCV
from sentcast.errors import UserInputError

MARKET_GROUPS = ("BTC", "USD", "SP500")
SENTIMENT_GROUP = "Sentiment"
SENTIMENT_PREFIX = "Sentiment_"
#: The daily text-embedding group (``[data.text_embedding]``), reduced to principal components.
TEXT_EMB_GROUP = "TextEmb"
#: What a group name may be: it becomes a column prefix and a part of a feature-set name.
GROUP_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
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


def parse_feature_set(name: str, known: Sequence[str] | None = None) -> list[str]:
    """Split ``"BTC+USD+Sentiment"`` into its groups; the set must contain ``BTC``.

    Parameters
    ----------
    name : str
        ``+``-joined group names.
    known : sequence of str, optional
        The groups the data provides (market prefixes and daily-table names); default: any
        well-formed name (the data is checked later, by :func:`feature_groups`).

    Raises
    ------
    UserInputError
        Malformed, unknown or repeated group, or no ``BTC`` group.
    """
    groups = [g.strip() for g in name.split("+")]
    for group in groups:
        if not GROUP_NAME.fullmatch(group):
            raise UserInputError(
                f"feature set {name!r}: group {group!r} is not a name "
                "(letters and digits, starting with a letter)"
            )
        if known is not None and group not in known:
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
        if group in MARKET_GROUPS or f"{group}_Close" in columns:
            cols = [f"{group}_{field}" for field in OHLCV]
        else:
            cols = [c for c in columns if c.startswith(f"{group}_")]
        missing = [c for c in cols if c not in columns]
        if missing or not cols:
            raise UserInputError(
                f"feature set {name!r}: group {group} needs column(s) "
                f"{', '.join(missing) or group + '_*'} which the data lacks"
            )
        result[group] = cols
    return result


def feature_columns(name: str, columns: Sequence[str]) -> list[str]:
    """The ordered columns of feature set ``name`` (BTC first)."""
    groups = feature_groups(name, columns)
    ordered = ["BTC", *(g for g in groups if g != "BTC")]
    return [c for g in ordered for c in groups[g]]
