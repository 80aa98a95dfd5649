from __future__ import annotations

import pandas as pd

from sentcast.reporting.forecast_summary import headlines, overall_sentence, verdict
from tests.reporting.summary_results import results_frame


def test_best_model_is_chosen_on_validation_and_scored_on_test() -> None:
    (item,) = headlines(results_frame())
    assert (item.model, item.feature_set, item.split) == ("lstm", "BTC+Sentiment", "test")
    assert item.ratio == 0.9 and item.n == 30
    assert item.dm_pvalue == 0.02  # the largest over seeds
    assert item.cov80 == 0.8 and item.cov95 == 0.93


def test_beats_naive_only_when_every_seed_is_significant() -> None:
    (winner,) = headlines(results_frame(test_p=(0.01, 0.02)))
    assert winner.beats_naive and winner.verdict == "better"
    assert overall_sentence([winner]) == (
        "LSTM on BTC+Sentiment beats naive at h = 1, window 7 (0.900x, p = 0.02)"
    )
    (unsure,) = headlines(results_frame(test_p=(0.01, 0.3)))
    assert not unsure.beats_naive and unsure.verdict == "same"
    assert overall_sentence([unsure]).startswith("no model beats naive (best: LSTM on BTC+")
    assert "not significantly different" in unsure.sentence()


def test_worse_model_is_said_to_be_worse() -> None:
    (item,) = headlines(results_frame(test_ratio=1.3))
    assert item.verdict == "worse"
    assert "is worse (test ratio 1.300" in item.sentence()
    assert overall_sentence([item]) == (
        "no model beats naive (best: LSTM on BTC+Sentiment 1.300x at h = 1, window 7, test)"
    )


def test_windows_are_in_numeric_order() -> None:
    items = headlines(results_frame(windows=(90, 7, 30)))
    assert [h.window for h in items] == [7, 30, 90]


def test_missing_dm_p_is_no_difference_and_no_rows_no_answer() -> None:
    assert verdict(pd.DataFrame({"dm_stat": [-3.0], "dm_pvalue": [float("nan")]})) == "same"
    assert headlines(results_frame().iloc[0:0]) == []
    assert overall_sentence([]) == "no finished model to compare with naive"


def test_labels_use_display_names_and_cells_keep_their_slots() -> None:
    (item,) = headlines(results_frame(), {"BTC": "ETH-USD"})
    assert item.feature_set == "BTC+Sentiment"  # the cell's file name
    assert item.label == "LSTM on ETH-USD+Sentiment"
    assert "LSTM on ETH-USD+Sentiment" in overall_sentence([item])
