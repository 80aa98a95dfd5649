"""``tuning.csv`` (every trial of every tuned network cell) and its section of ``tables.md``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sentcast.config.forecast import ForecastExperiment
from sentcast.experiments.forecast_cells import Cell
from sentcast.experiments.run_files import write_csv
from sentcast.tuning.study import TUNING_COLUMNS, read_study, tuning_file

__all__ = ["collect_tuning", "tuning_markdown"]


def collect_tuning(config: ForecastExperiment, cells: list[Cell], out: Path) -> pd.DataFrame:
    """Gather the studies of the grid's tuned cells (``tuning/*.csv``) into ``tuning.csv``
    (written atomically; none without ``[tuning]``); returns the trials."""
    if not config.tuning.enabled:
        return pd.DataFrame(columns=TUNING_COLUMNS)
    paths = dict.fromkeys(tuning_file(out, c) for c in cells if c.is_network)
    frames = [read_study(p) for p in paths if p.is_file()]
    if not frames:
        return pd.DataFrame(columns=TUNING_COLUMNS)
    trials = pd.concat(frames, ignore_index=True)[TUNING_COLUMNS]
    write_csv(trials, out / "tuning.csv")
    return trials


def tuning_markdown(trials: pd.DataFrame) -> str:
    """A ``## Tuning`` section: per tuned cell the chosen parameters, their validation RMSE
    and the untuned one's (trial 0); empty when nothing was tuned."""
    if trials.empty:
        return ""
    lines = [
        "",
        "## Tuning (validation part)",
        "",
        "The networks below are **tuned**: their rows in the tables above trained with the "
        "parameters chosen by the study on the validation part (the test part was never used). "
        "Trial 0 is the untuned configuration. Every trial is in `tuning.csv`.",
        "",
        "| horizon | window | feature set | model | trials (pruned) | hidden | layers | dropout "
        "| lr | batch | val RMSE USD tuned | untuned |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    keys = ["horizon", "window", "feature_set", "model"]
    for key, study in trials.groupby(keys, sort=False):
        best = study[study["chosen"].astype(bool)].iloc[0]
        untuned = study[study["trial"] == study["trial"].min()].iloc[0]
        pruned = int((study["state"] == "pruned").sum())
        lines.append(
            f"| {key[0]} | {key[1]} | {key[2]} | {key[3]} | {len(study)} ({pruned}) "
            f"| {int(best['hidden_size'])} | {int(best['layers'])} | {best['dropout']:.2f} "
            f"| {best['learning_rate']:.2g} | {int(best['batch_size'])} "
            f"| {best['val_rmse_usd']:.2f} | {untuned['val_rmse_usd']:.2f} |"
        )
    return "\n".join(lines) + "\n"
