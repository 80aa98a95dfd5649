"""The importance section of ``tables.md`` (``sentcast.reporting.importance_tables``)."""

from __future__ import annotations

import pandas as pd

from sentcast.evaluation.importance import summarize_importance
from sentcast.reporting.forecast_markdown import results_markdown
from sentcast.reporting.importance_tables import importance_tables
from tests.reporting.table_results import table_results


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
        table_results(),
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
