from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sentcast.config.base import load_toml
from sentcast.config.forecast import (
    DataConfig,
    ForecastExperiment,
    SplitConfig,
    TargetConfig,
    resolve_paths,
)
from sentcast.errors import DataError
from sentcast.experiments.forecast_data import load_experiment_data, prepare_cell
from tests.features.synthetic import write_experiment_files


def _source(path: Path, days: pd.DatetimeIndex, column: str = "v") -> Path:
    pd.DataFrame({"date": days.strftime("%Y-%m-%d"), column: range(len(days))}).to_csv(
        path, index=False
    )
    return path


@pytest.fixture()
def data_config(tmp_path: Path) -> DataConfig:
    files = write_experiment_files(tmp_path, n=160)  # 2020-01-01 .. 2020-06-08, every day
    late = _source(tmp_path / "late.csv", pd.date_range("2020-03-01", "2020-06-08"))
    early = _source(tmp_path / "early.csv", pd.date_range("2019-06-01", "2020-02-29"), "n")
    return DataConfig.model_validate(
        {
            "market": {"BTC": str(files["BTC"])},
            "calendar": "daily",
            "sentiment": {"path": str(files["sentiment"]), "columns": ["CL sentiment"]},
            "sources": [
                {"name": "Late", "path": str(late), "columns": ["v"], "label": "starts in March"},
                {"name": "Early", "path": str(early), "columns": ["n"], "fill": "zero"},
            ],
        }
    )


def test_each_feature_set_keeps_the_days_its_groups_serve(data_config: DataConfig) -> None:
    sets = ["BTC", "BTC+Sentiment", "BTC+Late", "BTC+Early", "BTC+Late+Sentiment"]
    data = load_experiment_data(data_config, sets)
    # Early ends 2020-02-29: filled (zero) up to 5 days later, 2020-03-06 .. 06-08 excluded.
    assert data.feature_set_days == {
        "BTC": 160,
        "BTC+Sentiment": 160,
        "BTC+Late": 100,
        "BTC+Early": 65,
        "BTC+Late+Sentiment": 100,
    }
    summary = data.summary(data_config)
    early = summary["sources"]["Early"]
    assert early["last_value"] == "2020-02-29" and early["columns"] == ["Early_n"]
    assert (early["filled"], early["excluded_fill_too_old"], early["usable"]) == (5, 95, 65)
    late = summary["sources"]["Late"]
    assert late["label"] == "starts in March" and late["excluded_before_first_value"] == 60
    assert summary["days_per_feature_set"]["BTC+Late"] == 100
    assert summary["sentiment_columns"] == ["Sentiment_CL_sentiment"]


def test_prepare_cell_uses_only_the_served_days(data_config: DataConfig) -> None:
    data = load_experiment_data(data_config)
    # 100 served days: parts of 35 % each keep validation and test above the 30-sample minimum
    target, split = TargetConfig(), SplitConfig(validation=0.35, test=0.35)
    cell = prepare_cell(data.frame, "BTC+Late", 5, 1, target, split)
    assert cell.features[-1] == "Late_v"
    assert cell.split.train.end_dates[0] == pd.Timestamp("2020-03-05")
    full = prepare_cell(data.frame, "BTC", 5, 1, target, split)
    assert full.split.train.end_dates[0] == pd.Timestamp("2020-01-05")


def test_a_feature_set_without_any_day_is_refused(data_config: DataConfig) -> None:
    narrow = data_config.model_copy(update={"start": "2020-04-01"})
    with pytest.raises(DataError, match=r"feature set BTC\+Early: no day .*Early: .*too old"):
        load_experiment_data(narrow, ["BTC", "BTC+Early"])
    assert load_experiment_data(narrow, ["BTC", "BTC+Late"]).feature_set_days["BTC"] == 69


def test_source_start_ignores_earlier_rows(data_config: DataConfig, tmp_path: Path) -> None:
    late = data_config.sources[0].model_copy(update={"start": "2020-05-01"})
    config = data_config.model_copy(update={"sources": [late]})
    data = load_experiment_data(config, ["BTC+Late"])
    assert data.feature_set_days["BTC+Late"] == 39
    assert data.joins["Late"].first == pd.Timestamp("2020-05-01")


def test_study_sources_config_serves_every_source(shared_data: Path) -> None:
    """configs/study_sources.toml on the real daily tables (Twitter VADER and TextEmb are built
    by the benchmark, so they are left out here; target and split keys as on every branch)."""
    path = Path(__file__).resolve().parents[2] / "configs" / "study_sources.toml"
    raw = resolve_paths(load_toml(path), path.parent)
    raw.pop("kind")
    raw["target"] = {"kind": "price"}
    raw["data"]["sources"] = [s for s in raw["data"]["sources"] if s["name"] != "TwitterVader"]
    assert raw["data"].pop("text_embedding")["components"] == 8
    built = ("BTC+TwitterVader", "BTC+TextEmb")
    sets = [s for s in raw["grid"]["feature_sets"] if s not in built]
    raw["grid"]["feature_sets"] = sets
    config = ForecastExperiment.from_mapping(raw)
    days = load_experiment_data(config.data, sets).feature_set_days
    assert len(days) == 9 and days["BTC"] == 1893
    assert all(days[f"BTC+{name}"] == 1893 for name in ("RedditComments", "RedditCommentVolume"))
    assert days["BTC+StockTwits"] == days["BTC+StockTwitsVolume"] == 1893 - 71
    assert days["BTC+FearGreed"] == 661  # 2018-02-01 .. 2019-11-23
    assert days["BTC+TwitterVolume"] == 1893 - 43  # blank runs longer than 5 days
