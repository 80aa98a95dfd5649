"""Labels, display names and cells of the forecast tables
(``sentcast.reporting.forecast_format``)."""

from __future__ import annotations

import pandas as pd

from sentcast.reporting.forecast_format import (
    display_label,
    display_set,
    format_number,
    markdown_table,
    mean_std,
)


def test_mean_std_formats() -> None:
    assert mean_std(pd.Series([1.0])) == "1.0000"
    assert mean_std(pd.Series([], dtype=float)) == "–"


def test_display_names_replace_the_slots() -> None:
    names = {"BTC": "ETH-USD"}
    assert display_set("BTC+Sentiment", names) == "ETH-USD+Sentiment"
    assert display_label("BTC: Open, Close", "BTC", names) == "ETH-USD: Open, Close"
    assert display_label("Sentiment", "Sentiment", names) == "Sentiment"


def test_markdown_table_and_numbers() -> None:
    assert markdown_table(["a", "b"], [["1", "2"]]) == ["| a | b |", "| --- | --- |", "| 1 | 2 |"]
    assert format_number(float("nan"), ".2f") == "–"
    assert format_number(1.234, ".2f") == "1.23"
