from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from sentcast.evaluation.importance import summarize_importance
from sentcast.reporting.forecast_tables import (
    backtest_tables,
    best_cells,
    feature_set_summary,
    headline_split,
    importance_tables,
    mean_std,
    model_overview,
    results_markdown,
)

SIZES = {"train": 600, "validation": 200, "test": 190}


def _results(horizons: tuple[int, ...] = (1,)) -> pd.DataFrame:
    rows = []
    for h, fs, model, seed, split in itertools.product(
        horizons, ["BTC", "BTC+Sentiment"], ["lstm", "ridge"], [0, 1], list(SIZES)
    ):
        rmse = 0.01 * (1 + seed) if model == "lstm" else 0.03
        if fs == "BTC+Sentiment" and model == "lstm":
            rmse /= 4
        if split == "test" and model == "ridge" and fs == "BTC":
            rmse = 0.01  # best on test, never on validation: must not be chosen
        rows.append(
            {
                "window": 7,
                "horizon": h,
                "feature_set": fs,
                "n_features": 6 if fs == "BTC" else 7,
                "model": model,
                "seed": seed,
                "split": split,
                "n": SIZES[split],
                "rmse": rmse,
                "rmse_usd": rmse * 1000,
                "mae_usd": rmse * 800,
                "dir_acc": 0.55,
                "dir_pvalue": 0.04,
                "rmse_ratio_naive": rmse / 0.02,
                "dm_stat": -3.0 if rmse < 0.02 else 3.0,
                "dm_pvalue": 0.001,
            }
        )
    for h, split in itertools.product(horizons, SIZES):
        rows.append(
            {
                "window": 7,
                "horizon": h,
                "feature_set": "BTC",
                "n_features": 6,
                "model": "naive",
                "seed": 0,
                "split": split,
                "n": SIZES[split],
                "rmse": 0.02,
                "rmse_usd": 20.0,
                "mae_usd": 15.0,
                "dir_acc": np.nan,
                "dir_pvalue": np.nan,
                "rmse_ratio_naive": 1.0,
            }
        )
    return pd.DataFrame(rows)


def test_test_part_is_the_headline_with_n_and_the_study_view_follows() -> None:
    text = results_markdown(_results(), ["BTC", "BTC+Sentiment"], "Reddit comments", "Data: x.")
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


@pytest.mark.parametrize(
    ("stat", "seed1_stat", "seed1_pvalue", "mark"),
    [
        (-3.0, -3.0, 0.001, " (better*)"),  # DM(model, naive) < 0: the model's loss is smaller
        (3.0, 3.0, 0.001, " (worse*)"),
        (-3.0, -3.0, 0.05, ""),  # every seed must be significant below 5 %
        (-3.0, 3.0, 0.001, ""),  # and agree on the side
    ],
)
def test_dm_marks_need_every_seed_significant_on_the_same_side(
    stat: float, seed1_stat: float, seed1_pvalue: float, mark: str
) -> None:
    results = _results()
    ridge = results["model"] == "ridge"
    results.loc[ridge, "dm_stat"] = stat
    results.loc[ridge & (results["seed"] == 1), ["dm_stat", "dm_pvalue"]] = [
        seed1_stat,
        seed1_pvalue,
    ]
    text = results_markdown(results, ["BTC", "BTC+Sentiment"], None, "Data: x.")
    headline = text[text.index("**Headline: test part**") : text.index("Study view")]
    assert f"| BTC | 0.750 ± 0.354 | 0.500 ± 0.000{mark} |" in headline


def test_without_a_test_part_the_headline_says_it_is_biased() -> None:
    results = _results()
    results = results[results["split"] != "test"]
    assert headline_split(results) == "validation"
    text = results_markdown(results, ["BTC"], None, "Data: x.")
    assert "**Headline: validation part (no test part: selection-biased)**" in text


def test_several_horizons_get_an_overview() -> None:
    text = results_markdown(_results((1, 3)), ["BTC", "BTC+Sentiment"], None, "Data: x.")
    assert "## Horizon 1, window 7 days" in text and "## Horizon 3, window 7 days" in text
    assert "| Window | Feature set | Model | h = 1 (n 190) | h = 3 (n 190) |" in text
    assert (
        "| 7 | BTC+Sentiment | LSTM | 0.188 ± 0.088 (better*) | 0.188 ± 0.088 (better*) |" in text
    )


def test_backtest_tables_show_pooled_and_per_fold_scores() -> None:
    key = {"window": 7, "horizon": 1, "feature_set": "BTC", "seed": 0}
    folds = pd.DataFrame(
        [
            {**key, "model": m, "fold": f, "test_start": f"2019-0{f + 1}-01",
             "test_end": f"2019-0{f + 1}-20", "n_train": 100 + f, "n_test": 14,
             "rmse_usd": 10.0 + f + (m == "ridge"),
             "rmse_ratio_naive": 1.1 if m == "ridge" else 1.0}
            for m in ("naive", "ridge") for f in (0, 1)
        ]
    )  # fmt: skip
    pooled = pd.DataFrame(
        [
            {**key, "model": m, "folds": 2, "n_test": 28, "rmse_usd": 11.0, "mae_usd": 9.0,
             "mape": 1.5, "dir_acc": np.nan if m == "naive" else 0.5,
             "dir_pvalue": np.nan if m == "naive" else 0.6, "rmse_ratio_naive": 1.0,
             "dm_stat": np.nan if m == "naive" else 1.2,
             "dm_pvalue": np.nan if m == "naive" else 0.2}
            for m in ("naive", "ridge")
        ]
    )  # fmt: skip
    text = "\n".join(backtest_tables(folds, pooled))
    assert "### Horizon 1, window 7 days: 2 folds, 28 out-of-sample predictions" in text
    assert "| BTC | Naive | 11.00 | 9.00 | 1.50 | – | 1.000 | – | – |" in text
    assert "| BTC | Ridge | 11.00 | 9.00 | 1.50 | 0.500 (p 0.6) | 1.000 | 1.20 | 0.2 |" in text
    assert "fold 1: 2019-02-01..2019-02-20 (train 101, test 14)" in text
    assert "| BTC | Ridge | 11.00 (1.100) | 12.00 (1.100) |" in text


def test_direction_targets_show_accuracy_in_the_study_view() -> None:
    results = _results().assign(rmse=np.nan)
    text = results_markdown(results, ["BTC"], None, "Data: x.")
    assert "Study view: direction accuracy on train and validation" in text
    assert "| BTC | 6 | 0.5500 ± 0.0000 |" in text


def test_mean_std_formats() -> None:
    assert mean_std(pd.Series([1.0])) == "1.0000"
    assert mean_std(pd.Series([], dtype=float)) == "–"


def test_best_cells_choose_on_validation_never_on_test() -> None:
    best = best_cells(_results(), ["lstm", "ridge"])
    assert best[["horizon", "feature_set", "model"]].iloc[0].tolist() == [
        1,
        "BTC+Sentiment",
        "lstm",
    ]


def test_feature_set_summary_has_a_row_per_set_model_and_horizon() -> None:
    results = _results(horizons=(1, 15))
    results.loc[(results["model"] == "lstm") & (results["seed"] == 1), "dm_pvalue"] = 0.2
    results["cov80"] = np.where(results["split"] == "test", 0.78, np.nan)
    results["cov95"] = np.where(results["split"] == "test", 0.93, np.nan)
    lines = feature_set_summary(results, "test")
    rows = [line for line in lines if line.startswith("| BTC")]
    assert len(rows) == 2 * (2 * 2 + 1)  # horizons x (feature sets x models + naive)
    lstm = next(r for r in rows if r.startswith("| BTC+Sentiment | LSTM | 15 | 190 |"))
    cells = [c.strip() for c in lstm.strip("|").split("|")]
    # seeds 0 and 1: ratios 0.125 and 0.25; the largest DM p over seeds is shown
    assert cells[4].startswith("0.188 ± 0.088") and cells[5] == "0.2"
    assert cells[7:] == ["0.780 ± 0.000", "0.930 ± 0.000"]
    assert "Coverage 80 %" in lines[4] and "feature set × horizon (test part)" in lines[0]


def test_model_overview_chooses_each_feature_set_on_validation_not_test() -> None:
    results = _results()
    val_ridge_sent = (
        (results["split"] == "validation")
        & (results["model"] == "ridge")
        & (results["feature_set"] == "BTC+Sentiment")
    )
    results.loc[val_ridge_sent, "rmse_ratio_naive"] = 1.4  # ridge: best on validation here
    rows = [line for line in model_overview(results) if line.startswith("| 1 |")]
    chosen = {r.split("|")[3].strip(): r.split("|")[4].strip() for r in rows}
    # ridge on BTC is best on test (0.5), but the choice is made on validation
    assert chosen == {"Ridge": "BTC+Sentiment", "LSTM": "BTC+Sentiment"}
    ridge = next(r for r in rows if "| Ridge |" in r)
    assert "| 1.500 ± 0.000 (worse*) |" in ridge  # its test ratio, 0.03 / 0.02


def _importance(sentiment: list[float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Permutation summary (LSTM on BTC+Sentiment) and ablation rows (Sentiment, two seeds)."""
    rows = pd.DataFrame(
        {
            "horizon": 1,
            "window": 7,
            "feature_set": "BTC+Sentiment",
            "model": "lstm",
            "level": ["group"] * 6 + ["cluster"] * 3,
            "group": ["BTC"] * 3 + ["Sentiment"] * 3 + ["BTC"] * 3,
            "feature": ["BTC"] * 3 + ["Sentiment"] * 3 + ["BTC: Open, Close"] * 3,
            "importance": [0.5, 0.6, 0.7, *sentiment, 0.4, 0.5, 0.6],
        }
    )
    summary = summarize_importance(rows, ["horizon", "window", "feature_set", "model"])
    ablation = pd.DataFrame(
        {
            "group": "Sentiment",
            "without": "BTC",
            "with": "BTC+Sentiment",
            "window": 7,
            "horizon": 1,
            "model": ["lstm", "lstm", "ridge"],
            "seed": [0, 1, 0],
            "n": 190.0,
            "rmse_change": [-0.01, 0.02, -0.1],
            "dm_stat": [-0.5, 0.7, -3.0],
            "dm_pvalue": [0.6, 0.5, 0.003],
        }
    )
    return summary, ablation


def test_importance_section_leads_with_groups_names_the_target_and_pairs_ablation() -> None:
    summary, ablation = _importance([0.1, 0.12, 0.14])
    text = results_markdown(
        _results(),
        ["BTC", "BTC+Sentiment"],
        "x",
        "d",
        None,
        (summary, ablation),
        {"BTC": "ETH-USD"},
    )
    section = text[text.index("## Feature importance (test part; target ETH-USD)") :]
    lstm = next(line for line in section.splitlines() if "| LSTM |" in line and "BTC →" in line)
    assert "no significant difference" in lstm and "better 0, worse 0 of 2" in lstm
    assert "0.1200 ± 0.0200 (n 3)" in lstm  # the group's permutation next to its ablation
    ridge = next(line for line in section.splitlines() if "| Ridge |" in line)
    assert "helps*" in ridge and ridge.endswith("| – |")
    # permutation says the network uses Sentiment, ablation finds no gain: a plain sentence
    assert "LSTM, Sentiment (BTC → BTC+Sentiment): permuting Sentiment raises the error" in section
    detail = section[section.index("Permutation importance by feature set") :].splitlines()
    levels = [line.split(" | ")[2] for line in detail if line.startswith("| BTC+Sentiment")]
    assert levels == ["group", "group", "cluster"]
    assert "ETH-USD: Open, Close" in section and "| BTC: Open" not in section


def test_importance_section_says_when_both_methods_agree() -> None:
    summary, ablation = _importance([-0.01, 0.0, 0.02])  # interval includes 0, as ablation says
    lines = importance_tables(summary, ablation, "test", {})
    assert "Permutation and ablation agree wherever both are computed." in lines
    assert any("0 in interval" in line for line in lines)


def test_tables_show_display_names_of_slots_while_files_keep_them() -> None:
    results = _results()
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
