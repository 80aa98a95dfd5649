"""Train one forecaster from an experiment file and predict with a saved one (the CLI's
``sentcast forecast train`` / ``predict``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError

from sentcast.config.base import FrozenModel, format_validation_error
from sentcast.config.forecast import ForecastExperiment
from sentcast.errors import DataError, UserInputError
from sentcast.experiments.forecast_cells import Cell, build_estimator, fit_cell, score_cell
from sentcast.experiments.forecast_data import experiment_cell, load_experiment_data
from sentcast.experiments.runner import apply_overrides
from sentcast.features.sets import parse_feature_set
from sentcast.files import atomic_path, check_outputs
from sentcast.models.forecast import NETWORKS
from sentcast.models.persistence import load_estimator

METRICS_FILE = "metrics.csv"
MODELS = (*NETWORKS, "naive", "ridge", "rf")
#: ``forecast train`` saves one model; the statistical baselines are refitted, not saved.


class PredictMetadata(FrozenModel):
    """The ``metadata`` of a forecaster saved by ``forecast train`` or an experiment run."""

    cell: str
    window: int = Field(gt=0)
    horizon: int | None = Field(None, gt=0, description="absent in models saved before horizons")
    feature_set: str
    features: list[str] = Field(min_length=1)
    experiment: dict[str, Any]


def data_files(config: ForecastExperiment) -> list[Path]:
    """The files an experiment reads: market files and every daily table."""
    market = [Path(p) for p in config.data.market.values()]
    return market + [Path(t.path) for t in config.data.tables().values()]


def _pick(value: Any, options: list[Any], name: str) -> Any:
    if value is None:
        if not options:
            raise UserInputError(f"--{name} is required (the config's grid has none)")
        return options[0]
    return value


def train_model(
    config: ForecastExperiment,
    out: str | Path,
    window: int | None = None,
    feature_set: str | None = None,
    model: str | None = None,
    seed: int | None = None,
    horizon: int | None = None,
) -> str:
    """Fit one model on the experiment's data and save it (with its metrics) to ``out``.

    Unset choices take the first value of the config's grid (and of ``target.horizons``). The
    experiment config is stored in the model's metadata so :func:`predict_model` can rebuild
    the same features.

    Returns
    -------
    str
        One line per split with RMSE (scaled and USD) and the ratio to naive.
    """
    grid = config.grid
    cell = Cell(
        _pick(window, grid.windows, "window"),
        _pick(feature_set, grid.feature_sets, "feature-set"),
        _pick(model, [*grid.models, *grid.baselines], "model"),
        _pick(seed, grid.seeds, "seed"),
        _pick(horizon, config.target.horizons, "horizon"),
    )
    if cell.model not in MODELS:
        raise UserInputError(f"--model must be one of {', '.join(MODELS)}, got {cell.model!r}")
    parse_feature_set(cell.feature_set)
    data = load_experiment_data(config.data)
    cell_data = experiment_cell(data.frame, config, cell.feature_set, cell.window, cell.horizon)
    estimator = build_estimator(cell.model, config, cell.seed, cell_data)
    estimator, seconds = fit_cell(estimator, cell_data)
    rows, _ = score_cell(cell, estimator, cell_data, config.target.kind, seconds)
    folder = Path(out)
    estimator.save(
        folder,
        metadata={
            "cell": cell.id,
            "window": cell.window,
            "horizon": cell.horizon,
            "feature_set": cell.feature_set,
            "features": cell_data.features,
            "experiment": config.to_toml_dict(),
        },
    )
    with atomic_path(folder / METRICS_FILE) as tmp:
        rows.to_csv(tmp, index=False)
    lines = [f"{cell.id}: fitted in {seconds:.1f} s, saved to {folder}"]
    for row in rows.itertuples():
        lines.append(
            f"  {row.split}: rmse {row.rmse:.4f} (scaled), rmse_usd {row.rmse_usd:.2f}, "
            f"ratio to naive {row.rmse_ratio_naive:.3f}"
        )
    return "\n".join(lines)


def predict_model(
    model_dir: str | Path, overrides: list[str] | None = None, out: str | Path | None = None
) -> tuple[pd.DataFrame, str]:
    """Predict every window of the saved model's data (optionally overridden, e.g. newer files).

    ``out``, where the caller will write the predictions, is refused (``UserInputError``) if it
    is one of the files read: the model's or the data's.

    Returns
    -------
    predictions : pandas.DataFrame
        ``split, end_date, target_date, prediction, actual, last_close``; ``split`` is the
        part of each window (train, validation, test), and the last row, ``forecast``, is the
        forecast from the newest window, whose target day is not in the data yet (NaT/NaN).
    summary : str
        The newest forecast in one line.
    """
    estimator = load_estimator(model_dir, kind="forecaster")
    meta_data = getattr(estimator, "metadata_", {})
    if "experiment" not in meta_data:
        raise UserInputError(f"{model_dir}: not saved by `sentcast forecast train`")
    try:
        meta = PredictMetadata.model_validate(meta_data)
    except ValidationError as exc:
        problems = format_validation_error(exc, "metadata")
        raise DataError(f"{model_dir}: config.json: {problems}") from None
    raw = apply_overrides(dict(meta.experiment), overrides or [])
    config = ForecastExperiment.from_mapping(raw)
    model_files = [p for p in Path(model_dir).rglob("*") if p.is_file()]
    check_outputs([*data_files(config), *model_files], {"--out": out})
    window, feature_set = meta.window, meta.feature_set
    horizon = meta.horizon if meta.horizon is not None else config.target.horizons[0]
    data = load_experiment_data(config.data)
    cell_data = experiment_cell(data.frame, config, feature_set, window, horizon)
    if cell_data.features != meta.features:
        raise UserInputError(
            f"the data's features {cell_data.features} differ from the model's {meta.features}"
        )
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "split": split,
                    "end_date": p.end_dates,
                    "target_date": p.target_dates,
                    "prediction": estimator.predict(p.X),
                    "actual": p.y,
                    "last_close": p.last_close,
                }
            )
            for split, p in cell_data.split.splits().items()
        ],
        ignore_index=True,
    )
    newest = data.frame[cell_data.features].to_numpy(dtype=float)[-window:][np.newaxis]
    forecast = float(estimator.predict(newest)[0])
    last_day = data.frame.index[-1]
    extra = {
        "split": "forecast",
        "end_date": last_day,
        "target_date": pd.NaT,
        "prediction": forecast,
        "actual": np.nan,
        "last_close": float(data.frame["BTC_Close"].iloc[-1]),
    }
    frame = pd.concat([frame, pd.DataFrame([extra])], ignore_index=True)
    summary = (
        f"{meta.cell}: {len(frame) - 1} windows predicted; forecast "
        f"{horizon} day(s) after {last_day:%Y-%m-%d} ({config.target.kind}): "
        f"{forecast:.6g}"
    )
    return frame, summary
