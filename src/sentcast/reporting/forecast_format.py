"""Labels, display names and cells shared by the Markdown tables of a forecasting run.

Model names as shown (:data:`MODEL_LABELS`), feature sets in the display names of their slots
(``[data.names]``), ``mean ± std`` cells, Diebold–Mariano markers and Markdown table lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

MODEL_LABELS = {
    "lstm": "LSTM",
    "gru": "GRU",
    "cnn-lstm": "CNN-LSTM",
    "ridge": "Ridge",
    "rf": "RF",
    "naive": "Naive",
    "majority": "Majority",
    "ets": "AutoETS",
    "arima": "AutoARIMA",
    "theta": "Theta",
    "rwd": "RW+drift",
    "lstm-ens": "LSTM ens.",
    "gru-ens": "GRU ens.",
    "cnn-lstm-ens": "CNN-LSTM ens.",
}


def model_label(model: str) -> str:
    """The display name of ``model``: :data:`MODEL_LABELS`, else the name itself."""
    return MODEL_LABELS.get(model, model)


def mean_std(values: pd.Series, digits: int = 4) -> str:
    """``"0.0123 ± 0.0004"`` (just the mean for a single value, ``–`` when empty)."""
    values = values.dropna()
    if values.empty:
        return "–"
    if len(values) == 1:
        return f"{values.iloc[0]:.{digits}f}"
    return f"{values.mean():.{digits}f} ± {values.std(ddof=1):.{digits}f}"


def dm_marker(rows: pd.DataFrame) -> str:
    """`` (better*)`` / `` (worse*)`` when Diebold–Mariano p < 0.05 with that sign in every
    row (every seed), else ``""``."""
    significant = rows["dm_pvalue"] < 0.05
    if len(rows) and (significant & (rows["dm_stat"] < 0)).all():
        return " (better*)"
    if len(rows) and (significant & (rows["dm_stat"] > 0)).all():
        return " (worse*)"
    return ""


def format_number(value: Any, spec: str) -> str:
    """``value`` formatted with ``spec``, ``–`` for NaN."""
    return "–" if np.isnan(float(value)) else format(float(value), spec)


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """The lines of a Markdown table: ``header``, its rule, then ``rows``."""
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def display_set(feature_set: str, names: Mapping[str, str]) -> str:
    """A feature-set name with every group replaced by its display name (``[data.names]``):
    ``BTC+Sentiment`` with ``{"BTC": "ETH-USD"}`` is ``ETH-USD+Sentiment``."""
    return "+".join(names.get(group, group) for group in feature_set.split("+"))


def shown_sets(frame: pd.DataFrame, names: Mapping[str, str]) -> pd.DataFrame:
    """``frame`` with its ``feature_set`` column in display names (a copy; files keep slots)."""
    if not names or "feature_set" not in frame:
        return frame
    return frame.assign(feature_set=frame["feature_set"].map(lambda s: display_set(str(s), names)))


def display_label(label: str, group: str, names: Mapping[str, str]) -> str:
    """``label`` with its leading group name replaced by the group's display name."""
    if group in names and label.startswith(group):
        return names[group] + label[len(group) :]
    return label
