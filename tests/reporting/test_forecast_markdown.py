"""The whole ``tables.md`` text (``sentcast.reporting.forecast_markdown``)."""

from __future__ import annotations

import numpy as np

from sentcast.reporting.forecast_markdown import results_markdown
from sentcast.reporting.forecast_tables import headline_split
from tests.reporting.table_results import table_results


def test_test_part_is_the_headline_with_n_and_the_study_view_follows() -> None:
    text = results_markdown(
        table_results(), ["BTC", "BTC+Sentiment"], "Reddit comments", "Data: x."
    )
    assert "Sentiment source: **Reddit comments**" in text
    assert "Samples per part: train 600, validation 200, test 190." in text
    assert "**Headline: test part**, n = 190." in text
    headline = text.index("**Headline: test part**")
    study = text.index("Study view")
    assert headline < study
    # headline ratios are the test ones: ridge on BTC 0.01 / 0.02
    assert "| BTC | 0.750 ± 0.354 | 0.500 ± 0.000 (better*) |" in text[headline:study]
    assert "Naive (test, h-step persistence): RMSE 20.00 USD" in text
    assert "0.550 ± 0.000 (p 0.04)" in text
    assert "(train 600, validation 200 samples). Sentiment: Reddit comments." in text
    assert "| Feature set | n | LSTM train | LSTM val | Ridge train | Ridge val |" in text
    assert "| BTC | 6 | 0.0150 ± 0.0071 | 0.0150 ± 0.0071 | 0.0300 ± 0.0000 |" in text
    assert "| Naive (persistence; same for every column) | 1 | 0.0200 | 0.0200 |" in text
    assert "(worse*)" in text
    beats = "Mean test ratio to naive below 1: LSTM on BTC, Ridge on BTC, LSTM on BTC+Sentiment."
    assert beats in text
    assert "Across horizons" not in text


def test_without_a_test_part_the_headline_says_it_is_biased() -> None:
    results = table_results()
    results = results[results["split"] != "test"]
    assert headline_split(results) == "validation"
    text = results_markdown(results, ["BTC"], None, "Data: x.")
    assert "**Headline: validation part (no test part: selection-biased)**" in text


def test_several_horizons_get_an_overview() -> None:
    text = results_markdown(table_results((1, 3)), ["BTC", "BTC+Sentiment"], None, "Data: x.")
    assert "## Horizon 1, window 7 days" in text and "## Horizon 3, window 7 days" in text
    assert "| Window | Feature set | Model | h = 1 (n 190) | h = 3 (n 190) |" in text
    assert (
        "| 7 | BTC+Sentiment | LSTM | 0.188 ± 0.088 (better*) | 0.188 ± 0.088 (better*) |" in text
    )


def test_direction_targets_show_accuracy_in_the_study_view() -> None:
    results = table_results().assign(rmse=np.nan)
    text = results_markdown(results, ["BTC"], None, "Data: x.")
    assert "Study view: direction accuracy on train and validation" in text
    assert "| BTC | 6 | 0.5500 ± 0.0000 |" in text


def test_tables_show_display_names_of_slots_while_files_keep_them() -> None:
    results = table_results()
    results["cov80"] = results["cov95"] = 0.8
    results["width80_usd"] = results["width95_usd"] = results["iscore95_usd"] = 5.0
    names = {"BTC": "ETH-USD", "Sentiment": "Reddit"}
    text = results_markdown(results, ["BTC", "BTC+Sentiment"], None, "Data: x.", names=names)
    headline = text[text.index("**Headline: test part**") : text.index("Study view")]
    assert "| ETH-USD | 0.750 ± 0.354 | 0.500 ± 0.000 (better*) |" in headline
    assert "| ETH-USD+Reddit |" in headline
    assert "| ETH-USD (naive) | Naive |" in text  # the interval table's naive row
    assert "| BTC" not in text and "Sentiment |" not in text
    assert set(results["feature_set"]) == {"BTC", "BTC+Sentiment"}  # the caller's frame unchanged
