"""Model versions of a daily job: trained on the schedule (chosen on validation), or given.

A version is a saved window model (``RUN_DIR/models/<version>/``, a model folder that
``sentcast forecast predict`` reads too) plus what forecasting with it needs: the cell
(window, feature set, horizon), the last training target day (the statistical baselines are
fitted on the closes up to it) and the validation predictions of the model and of naive
(the first calibration scores of their conformal intervals, ``calibration.parquet``).

Training on day ``D`` uses the data known on ``D`` only, split as the experiment splits it
but without a test part: every choice (early stopping, ridge penalty, the model among
``daily.models`` x ``grid.windows`` x ``grid.feature_sets``) is made on the validation part.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sentcast.config.forecast import ForecastExperiment
from sentcast.daily.config import DailyConfig
from sentcast.daily.store import Store
from sentcast.errors import DataError, UserInputError
from sentcast.experiments.forecast_cells import Cell, build_estimator, fit_cell
from sentcast.experiments.forecast_data import CellData, experiment_cell, load_experiment_data
from sentcast.experiments.forecast_model import PredictMetadata
from sentcast.files import atomic_path, atomic_write_text, read_json_object, safe_name
from sentcast.models.baselines import NaiveForecaster
from sentcast.models.forecast import NETWORKS
from sentcast.models.persistence import load_estimator
from sentcast.models.statistical import StatisticalForecaster

logger = logging.getLogger(__name__)

CALIBRATION = "calibration.parquet"
#: ``{"fit_end": day, ...}`` beside the model files (the model's metadata stays the one
#: ``forecast predict`` reads).
VERSION_FILE = "daily.json"


@dataclass
class ModelVersion:
    """One usable model: the fitted window model and what its forecasts need."""

    version: str
    cell: Cell
    estimator: Any
    features: list[str]
    fit_end: pd.Timestamp
    calibration: pd.DataFrame
    trained_on: dt.date
    statistical: dict[str, StatisticalForecaster] = field(default_factory=dict)

    @property
    def validation_end(self) -> pd.Timestamp:
        """The last origin of the validation part (live scores count after it)."""
        return pd.Timestamp(self.calibration["end_date"].max())


def daily_experiment(config: ForecastExperiment) -> ForecastExperiment:
    """The experiment with its test part off: a daily job validates on its newest days."""
    split = config.split.model_copy(update={"test": 0.0, "test_start": None})
    return config.model_copy(update={"split": split})


def _calibration(estimator: Any, data: CellData, kind: str) -> pd.DataFrame:
    """Validation predictions of the model and of naive, one row per sample and series."""
    part = data.split.validation
    naive = NaiveForecaster(target_kind=kind, close_index=data.close_index)
    naive.fit(part.X, part.y)
    frames = []
    for series, pred in (("chosen", estimator.predict(part.X)), ("naive", naive.predict(part.X))):
        frames.append(
            pd.DataFrame(
                {
                    "series": series,
                    "end_date": part.end_dates,
                    "y_true": part.y,
                    "y_pred": np.asarray(pred, dtype=float),
                    "last_close": part.last_close,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _usd_rmse(pred: np.ndarray, data: CellData, kind: str) -> float:
    part = data.split.validation
    usd = pred if kind == "price" else part.last_close * np.exp(pred)
    return float(np.sqrt(np.mean((usd - part.target_close) ** 2)))


def train_version(
    config: DailyConfig, frame: pd.DataFrame, day: dt.date, horizon: int, models_dir: Path
) -> tuple[ModelVersion, float]:
    """Fit every candidate on the data known on ``day``, keep the best on validation, save it.

    Returns
    -------
    version : ModelVersion
    rmse : float
        The chosen model's validation RMSE (USD).
    """
    experiment = daily_experiment(config.experiment)
    kind, seed = experiment.target.kind, experiment.grid.seeds[0]
    if experiment.grid.threads and any(m in NETWORKS for m in config.candidates()):
        import torch

        torch.set_num_threads(experiment.grid.threads)
    best: tuple[float, Cell, Any, CellData] | None = None
    for window in experiment.grid.windows:
        for feature_set in experiment.grid.feature_sets:
            data = experiment_cell(frame, experiment, feature_set, window, horizon)
            for model in config.candidates():
                cell = Cell(window, feature_set, model, seed, horizon)
                estimator, seconds = fit_cell(build_estimator(model, experiment, seed, data), data)
                rmse = _usd_rmse(estimator.predict(data.split.validation.X), data, kind)
                logger.info("%s: validation RMSE %.2f USD (%.1f s)", cell.id, rmse, seconds)
                if best is None or rmse < best[0]:
                    best = (rmse, cell, estimator, data)
    assert best is not None
    rmse, cell, estimator, data = best
    version = safe_name(f"{day:%Y-%m-%d}_{cell.id}", "model version")
    folder = models_dir / version
    calibration = _calibration(estimator, data, kind)
    fit_end = pd.Timestamp(data.split.train.target_dates[-1])
    if not (folder / "config.json").is_file():
        tmp = models_dir / f".{version}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        estimator.save(tmp, metadata=_metadata(cell, data, experiment))
        _write_extras(tmp, calibration, {"fit_end": f"{fit_end:%Y-%m-%d}", "trained_on": str(day)})
        shutil.rmtree(folder, ignore_errors=True)
        tmp.replace(folder)
    mv = ModelVersion(version, cell, estimator, data.features, fit_end, calibration, day)
    return mv, rmse


def _metadata(cell: Cell, data: CellData, experiment: ForecastExperiment) -> dict[str, Any]:
    return {
        "cell": cell.id,
        "window": cell.window,
        "horizon": cell.horizon,
        "feature_set": cell.feature_set,
        "features": data.features,
        "experiment": experiment.to_toml_dict(),
    }


def _write_extras(folder: Path, calibration: pd.DataFrame, extras: dict[str, str]) -> None:
    with atomic_path(folder / CALIBRATION) as part:
        calibration.to_parquet(part)
    atomic_write_text(folder / VERSION_FILE, json.dumps(extras))


def load_version(folder: Path, version: str, trained_on: dt.date, kind: str) -> ModelVersion:
    """A version saved by :func:`train_version` or registered by :func:`given_version`."""
    estimator = load_estimator(folder, kind="forecaster")
    meta = PredictMetadata.model_validate(estimator.metadata_)
    horizon = meta.horizon or 1
    seed = int(getattr(estimator, "seed", 0) or 0)
    cell = Cell(meta.window, meta.feature_set, meta.cell.split("_")[3], seed, horizon)
    calibration_path = folder / CALIBRATION
    if not calibration_path.is_file():
        raise DataError(f"{folder}: no {CALIBRATION}; remove the folder to retrain")
    calibration = pd.read_parquet(calibration_path)
    extras = read_json_object(folder / VERSION_FILE)
    if extras is None or "fit_end" not in extras:
        raise DataError(f"{folder}: no {VERSION_FILE}; remove the folder to retrain")
    fit_end = pd.Timestamp(extras["fit_end"])
    return ModelVersion(
        version, cell, estimator, list(meta.features), fit_end, calibration, trained_on
    )


def given_version(config: DailyConfig, models_dir: Path) -> tuple[ModelVersion, dt.date]:
    """Register ``daily.model_dir`` (saved by ``forecast train`` or an experiment run).

    Its own experiment (stored in the model) gives its training and validation parts: the
    calibration scores are its validation predictions, as in ``experiment run``.

    Returns
    -------
    version, data_end
        The version and the last day its fit or validation saw.
    """
    assert config.daily.model_dir is not None
    source = config.input_path(config.daily.model_dir)
    estimator = load_estimator(source, kind="forecaster")
    meta_data = getattr(estimator, "metadata_", {})
    if "experiment" not in meta_data:
        raise UserInputError(f"daily.model_dir {source}: not saved by `sentcast forecast train`")
    meta = PredictMetadata.model_validate(meta_data)
    experiment = ForecastExperiment.from_mapping(meta.experiment)
    horizon = meta.horizon or experiment.target.horizons[0]
    frame = load_experiment_data(experiment.data).frame
    data = experiment_cell(frame, experiment, meta.feature_set, meta.window, horizon)
    if data.features != meta.features:
        raise UserInputError(f"{source}: the data's features differ from the model's")
    fit_end = pd.Timestamp(data.split.train.target_dates[-1])
    data_end = pd.Timestamp(data.split.validation.target_dates[-1]).date()
    version = safe_name(f"given_{meta.cell}", "model version")
    folder = models_dir / version
    if not (folder / "config.json").is_file():
        tmp = models_dir / f".{version}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        calibration = _calibration(estimator, data, experiment.target.kind)
        estimator.save(tmp, metadata=meta_data)
        _write_extras(tmp, calibration, {"fit_end": f"{fit_end:%Y-%m-%d}", "given": str(source)})
        shutil.rmtree(folder, ignore_errors=True)
        tmp.replace(folder)
    return load_version(folder, version, data_end, experiment.target.kind), data_end


def register(store: Store, mv: ModelVersion, folder: Path, rmse: float, data_end: dt.date) -> None:
    """Add the version's row to ``models`` (nothing when it is there)."""
    row = pd.DataFrame(
        [
            {
                "model_version": mv.version,
                "model": mv.cell.model,
                "cell": mv.cell.id,
                "horizon": mv.cell.horizon,
                "trained_on": mv.trained_on,
                "data_end": data_end,
                "fit_end": mv.fit_end.date(),
                "validation_rmse": rmse,
                "folder": str(folder),
                "created_at": pd.Timestamp.now(tz="UTC").tz_localize(None),
            }
        ]
    )
    with store.transaction():
        store.insert("models", row)


class Models:
    """The versions of one job, loaded once per process (a replay keeps them all day long)."""

    def __init__(self, config: DailyConfig, store: Store, models_dir: Path) -> None:
        self.config, self.store, self.models_dir = config, store, models_dir
        self._loaded: dict[str, ModelVersion] = {}

    def current(self, frame: pd.DataFrame, day: dt.date, horizon: int) -> tuple[ModelVersion, bool]:
        """The version to forecast with on ``day``, training one first when it is due.

        Returns
        -------
        version, trained
            ``trained``: whether this call fitted a new version.
        """
        row = self.store.frame(
            "SELECT model_version, trained_on FROM models WHERE horizon = ? AND trained_on <= ? "
            "ORDER BY trained_on DESC, model_version DESC LIMIT 1",
            [horizon, day],
        )
        every = self.config.daily.retrain_every_days
        if not row.empty:
            version = str(row.iloc[0, 0])
            trained_on = pd.Timestamp(str(row.iloc[0, 1])).date()
            if every == 0 or (day - trained_on).days < every:
                return self._load(version, trained_on), False
        elif self.config.daily.model_dir is not None:
            mv, data_end = given_version(self.config, self.models_dir)
            register(self.store, mv, self.models_dir / mv.version, float("nan"), data_end)
            self._loaded[mv.version] = mv
            if every == 0 or (day - mv.trained_on).days < every:
                return mv, False
        mv, rmse = train_version(self.config, frame, day, horizon, self.models_dir)
        register(self.store, mv, self.models_dir / mv.version, rmse, day)
        self._loaded[mv.version] = mv
        return mv, True

    def baseline(self, horizon: int) -> ModelVersion:
        """The version the statistical baselines follow: the job's first one, so that they
        are fitted once (on the closes up to its training end) and rolled forward with
        ``model.statistical.refit_every`` from there, whatever the later retrainings, as in
        an experiment; every run, live or replayed, finds the same one."""
        row = self.store.frame(
            "SELECT model_version, trained_on FROM models WHERE horizon = ? "
            "ORDER BY trained_on, model_version LIMIT 1",
            [horizon],
        )
        return self._load(str(row.iloc[0, 0]), pd.Timestamp(str(row.iloc[0, 1])).date())

    def _load(self, version: str, trained_on: dt.date) -> ModelVersion:
        if version not in self._loaded:
            kind = self.config.experiment.target.kind
            mv = load_version(self.models_dir / version, version, trained_on, kind)
            self._loaded[version] = mv
        return self._loaded[version]
