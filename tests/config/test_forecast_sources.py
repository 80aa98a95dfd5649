from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sentcast.config.forecast import ForecastExperiment, resolve_paths
from sentcast.errors import ConfigError


def _raw(tmp_path: Path, **data: Any) -> dict[str, Any]:
    return {
        "data": {"market": {"BTC": str(tmp_path / "btc.csv")}, **data},
        "grid": {"feature_sets": ["BTC"]},
    }


def _source(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "path": "s.csv", "columns": ["v"], **extra}


def test_sources_become_known_groups_with_a_default_fill_age(tmp_path: Path) -> None:
    raw = _raw(tmp_path, sources=[_source("Reddit"), _source("FearGreed", max_fill_days=0)])
    raw["grid"]["feature_sets"] = ["BTC", "BTC+Reddit", "BTC+Reddit+FearGreed"]
    config = ForecastExperiment.from_mapping(raw)
    assert list(config.data.tables()) == ["Reddit", "FearGreed"]
    assert config.data.sources[0].max_fill_days == 5 and config.data.sources[0].fill == "ffill"
    assert config.data.sources[1].max_fill_days == 0


@pytest.mark.parametrize(
    ("sources", "sentiment", "message"),
    [
        ([_source("Reddit"), _source("Reddit")], None, "'Reddit' is used twice"),
        ([_source("BTC")], None, "'BTC' is used twice"),
        ([_source("Sentiment")], {"path": "x.csv"}, "'Sentiment' is used twice"),
        ([_source("Red dit")], None, "data.sources.0.name: .*letters and digits"),
        ([_source("R", max_fill_days=-1)], None, "data.sources.0.max_fill_days"),
        ([_source("R", columns=[])], None, "data.sources.0.columns"),
    ],
)
def test_bad_sources_are_config_errors(
    tmp_path: Path, sources: list[dict[str, Any]], sentiment: Any, message: str
) -> None:
    raw = _raw(tmp_path, sources=sources)
    if sentiment is not None:
        raw["data"]["sentiment"] = sentiment
    with pytest.raises(ConfigError, match=message):
        ForecastExperiment.from_mapping(raw)


def test_a_feature_set_group_without_data_names_the_known_groups(tmp_path: Path) -> None:
    raw = _raw(tmp_path, sources=[_source("Reddit")])
    raw["grid"]["feature_sets"] = ["BTC+Twitter"]
    with pytest.raises(ConfigError, match=r"grid.feature_sets: .*'Twitter' \(known: BTC, Reddit\)"):
        ForecastExperiment.from_mapping(raw)


def test_sentiment_keeps_its_group_and_gets_a_fill_age(tmp_path: Path) -> None:
    raw = _raw(tmp_path, sentiment={"path": "x.csv", "max_fill_days": 2})
    raw["grid"]["feature_sets"] = ["BTC+Sentiment"]
    config = ForecastExperiment.from_mapping(raw)
    assert config.data.tables()["Sentiment"].max_fill_days == 2


def test_source_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    raw = _raw(tmp_path, sentiment={"path": "a.csv"}, sources=[_source("R")])
    resolve_paths(raw, tmp_path / "configs")
    assert raw["data"]["sources"][0]["path"] == str(tmp_path / "configs" / "s.csv")
    assert raw["data"]["sentiment"]["path"] == str(tmp_path / "configs" / "a.csv")
