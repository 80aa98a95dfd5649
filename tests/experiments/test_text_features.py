"""The TextEmb group: principal components fitted on training days only, in the chronological
split and in every walk-forward fold."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sentcast.config.forecast import DataConfig, SplitConfig, TargetConfig
from sentcast.errors import ConfigError
from sentcast.evaluation.backtest import walk_forward
from sentcast.experiments.forecast_data import CellData, load_experiment_data, prepare_cell
from sentcast.models.flat_baselines import RidgeForecaster
from sentcast.sentiment.daily_embedding import embedding_columns
from tests.features.synthetic import synthetic_panel, write_experiment_files

WINDOW, DIM, K = 5, 12, 3
SPLIT = SplitConfig(validation=0.25, test=0.25)


def _frame(n: int = 160, seed: int = 0) -> pd.DataFrame:
    frame = synthetic_panel(n, seed, with_sentiment=False)
    rng = np.random.default_rng(seed + 1)
    emb = pd.DataFrame(
        rng.normal(size=(n, DIM)),
        index=frame.index,
        columns=[f"TextEmb_emb_{i}" for i in range(DIM)],
    )
    return pd.concat([frame, emb], axis=1)


def _cell(frame: pd.DataFrame) -> CellData:
    return prepare_cell(frame, "BTC+TextEmb", WINDOW, 1, TargetConfig(), SPLIT, {"TextEmb": K})


def _last_training_day(cell: CellData) -> pd.Timestamp:
    return pd.Timestamp(cell.split.train.end_dates[-1])


def test_textemb_enters_as_components(tmp_path: Path) -> None:
    cell = _cell(_frame())
    assert cell.features[6:] == ["TextEmb_pc1", "TextEmb_pc2", "TextEmb_pc3"]
    assert cell.groups["TextEmb"] == cell.features[6:]
    assert cell.split.train.X.shape[1:] == (WINDOW, 6 + K)


def test_later_embeddings_change_neither_training_features_nor_fit() -> None:
    frame = _frame()
    cell = _cell(frame)
    later = frame.index > _last_training_day(cell)
    changed = frame.copy()
    columns = [c for c in frame.columns if c.startswith("TextEmb_")]
    changed.loc[later, columns] = changed.loc[later, columns] * -3.0 + 1.0
    again = _cell(changed)
    np.testing.assert_array_equal(again.split.train.X, cell.split.train.X)
    fits = [
        RidgeForecaster(alpha=1.0).fit(c.split.train.X, c.split.train.y).predict(c.split.train.X)
        for c in (cell, again)
    ]
    np.testing.assert_array_equal(*fits)
    # the later days' own features do follow their new embeddings
    assert not np.allclose(again.split.test.X[:, :, 6:], cell.split.test.X[:, :, 6:])
    # and a change on a training day does move the fit
    moved = frame.copy()
    moved.iloc[10, moved.columns.get_loc(columns[0])] += 10.0
    assert not np.allclose(_cell(moved).split.train.X[:2], cell.split.train.X[:2])


_SEEN: list[np.ndarray] = []


class _Recorder(RidgeForecaster):
    """Ridge that keeps the training windows of every fit in ``_SEEN``."""

    def fit(self, X: np.ndarray, y: np.ndarray, *args: Any, **kwargs: Any) -> _Recorder:
        _SEEN.append(X.copy())
        super().fit(X, y, *args, **kwargs)
        return self


def _fold_training(cell: CellData) -> tuple[list[np.ndarray], pd.DataFrame]:
    _SEEN.clear()
    predictions = walk_forward(_Recorder(), cell.samples, folds=3, refit=cell.refit_samples)
    return list(_SEEN), predictions


def test_each_fold_fits_components_on_its_own_training_days() -> None:
    frame = _frame(200)
    cell = _cell(frame)
    seen, predictions = _fold_training(cell)
    # change every day after fold 0's training windows: fold 0 trains on the same features
    first_test = pd.Timestamp(predictions.loc[predictions["fold"] == 0, "end_date"].iloc[0])
    changed = frame.copy()
    later = changed.index >= first_test - pd.Timedelta(days=1)
    columns = [c for c in frame.columns if c.startswith("TextEmb_")]
    changed.loc[later, columns] = 50.0
    changed_cell = _cell(changed)
    seen_again, _ = _fold_training(changed_cell)
    assert len(seen) == len(seen_again) == 3
    np.testing.assert_array_equal(seen_again[0], seen[0])
    # the cell's own samples (fitted on the main split's training part) would have leaked
    assert not np.array_equal(
        changed_cell.samples.X[: len(seen[0])], cell.samples.X[: len(seen[0])]
    )
    assert not np.array_equal(seen_again[-1], seen[-1])


def _embedding_table(path: Path, days: pd.DatetimeIndex) -> Path:
    rng = np.random.default_rng(3)
    table = pd.DataFrame(
        rng.normal(size=(len(days), DIM)), index=days, columns=embedding_columns(DIM)
    )
    table.insert(0, "n_tweets", np.full(len(days), 5, dtype=np.int64))
    table.index.name = "date"
    table.to_parquet(path)
    return path


def test_text_embedding_table_joins_as_textemb(tmp_path: Path) -> None:
    files = write_experiment_files(tmp_path, n=160)
    emb = _embedding_table(tmp_path / "emb.parquet", pd.date_range("2020-01-10", "2020-06-08"))
    config = DataConfig.model_validate(
        {
            "market": {"BTC": str(files["BTC"])},
            "calendar": "daily",
            "text_embedding": {"path": str(emb), "components": K, "label": "tweets"},
        }
    )
    assert config.components() == {"TextEmb": K}
    data = load_experiment_data(config, ["BTC+TextEmb"])
    assert data.feature_set_days["BTC+TextEmb"] == 151
    assert [c for c in data.frame.columns if c.startswith("TextEmb_")] == [
        f"TextEmb_emb_{i:03d}" for i in range(DIM)
    ]
    assert data.summary(config)["sources"]["TextEmb"]["label"] == "tweets"


def test_textemb_without_its_table_is_a_config_error(tmp_path: Path) -> None:
    from sentcast.config.forecast import ForecastExperiment

    files = write_experiment_files(tmp_path, n=60)
    with pytest.raises(ConfigError, match=r"data.text_embedding: required key is missing"):
        ForecastExperiment.from_mapping(
            {
                "data": {"market": {"BTC": str(files["BTC"])}},
                "grid": {"feature_sets": ["BTC+TextEmb"]},
            }
        )


def test_an_experiment_runs_btc_textemb_end_to_end(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from tests.experiments.forecast_files import experiment_toml

    path = experiment_toml(
        tmp_path / "exp",
        data={"text_embedding": {"path": "data/emb.parquet", "components": K}},
        grid={
            "windows": [3],
            "feature_sets": ["BTC", "BTC+TextEmb"],
            "models": ["lstm"],
            "seeds": [0],
        },
        evaluation={"plots": False, "backtest": {"folds": 2, "models": ["ridge"]}},
    )
    _embedding_table(path.parent / "data" / "emb.parquet", pd.date_range("2019-12-01", periods=400))
    code, _, err = cli("experiment", "run", str(path), "--out", str(tmp_path / "run"))
    assert code == 0, err
    results = pd.read_csv(tmp_path / "run" / "results.csv")
    textemb = results[results["feature_set"] == "BTC+TextEmb"]
    assert set(textemb["n_features"]) == {6 + K} and set(textemb["model"]) == {"lstm", "ridge"}
    backtest = pd.read_csv(tmp_path / "run" / "backtest_pooled.csv")
    assert "BTC+TextEmb" in set(backtest["feature_set"])
    importance = pd.read_csv(tmp_path / "run" / "importance.csv")
    assert "TextEmb" in set(importance["group"])


def test_data_summary_names_the_embedding_columns_by_pattern(tmp_path: Path) -> None:
    files = write_experiment_files(tmp_path, n=60)
    emb = _embedding_table(tmp_path / "emb.parquet", pd.date_range("2020-01-01", periods=60))
    config = DataConfig.model_validate(
        {"market": {"BTC": str(files["BTC"])}, "text_embedding": {"path": str(emb)}}
    )
    summary = load_experiment_data(config).summary(config)
    assert summary["sources"]["TextEmb"]["columns"] == ["TextEmb_emb_*"]
