"""Fault cases of the daily text-embedding table and the TextEmb feature group (issue 11)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sentcast.config.forecast import DataConfig
from sentcast.errors import ConfigError, DataError
from sentcast.experiments.forecast_data import load_experiment_data
from sentcast.features.reduce import reduce_groups
from sentcast.sentiment.daily_embedding import run_embed_job
from sentcast.sentiment.score_job import ScoreJob
from sentcast.text import TextPipeline
from tests.features.synthetic import write_experiment_files


def _job(tmp_path: Path, texts: list[str]) -> ScoreJob:
    src = tmp_path / "t.csv"
    lines = ["time,text", *(f'"2020-01-0{i % 3 + 1}","{t}"' for i, t in enumerate(texts))]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ScoreJob([src], tmp_path / "emb.parquet", time_format="%Y-%m-%d")


def _embed(job: ScoreJob, encode) -> None:  # type: ignore[no-untyped-def]
    run_embed_job(job, encode, TextPipeline.preset("vader"))


def test_encoder_returning_too_few_rows(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"encoder returned shape \(1, 4\) for 2 texts"):
        _embed(_job(tmp_path, ["a b", "c d"]), lambda texts: np.zeros((1, 4)))
    assert not (tmp_path / "emb.parquet").exists()


def test_encoder_returning_nan(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="non-finite"):
        _embed(_job(tmp_path, ["a b"]), lambda texts: np.full((len(texts), 4), np.nan))


def test_no_text_left_after_cleaning(tmp_path: Path) -> None:
    job = _job(tmp_path, ["http://t.co/x", "@alice", ""])
    with pytest.raises(DataError, match=r"no row could be embedded: .*empty after cleaning=2"):
        _embed(job, lambda texts: np.ones((len(texts), 4)))


def test_cli_refuses_a_bad_batch_size(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    job = _job(tmp_path, ["a b"])
    code, _, err = cli(
        "sentiment", "embed", str(job.inputs[0]), "--out", str(job.out), "--batch-size", "0"
    )
    assert code == 2 and err.strip() == "error: --batch-size must be >= 1, got 0"


def test_cli_refuses_an_output_that_is_not_parquet(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    job = _job(tmp_path, ["a b"])
    code, _, err = cli("sentiment", "embed", str(job.inputs[0]), "--out", str(tmp_path / "x.csv"))
    assert code == 2 and "must end in .parquet" in err and len(err.strip().splitlines()) == 1


def _config(tmp_path: Path, columns: list[str]) -> DataConfig:
    files = write_experiment_files(tmp_path, n=60)
    days = pd.date_range("2020-01-01", periods=60, name="date")
    table = pd.DataFrame({"n_tweets": 1, "emb_000": np.arange(60.0)}, index=days)
    table.to_parquet(tmp_path / "emb.parquet")
    return DataConfig.model_validate(
        {
            "market": {"BTC": str(files["BTC"])},
            "text_embedding": {"path": str(tmp_path / "emb.parquet"), "columns": columns},
        }
    )


def test_embedding_columns_missing_from_the_table(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"emb.parquet: no column matches 'vec_\*'"):
        load_experiment_data(_config(tmp_path, ["vec_*"]))


def test_more_components_than_embedding_columns(tmp_path: Path) -> None:
    frame = pd.DataFrame({"TextEmb_emb_000": np.arange(50.0)})
    with pytest.raises(DataError, match=r"8 principal components need .* 50 days and 1 columns"):
        reduce_groups(frame, slice(0, 50), {"TextEmb": 8})


def test_a_source_named_textemb_beside_the_text_embedding_table(tmp_path: Path) -> None:
    config = _config(tmp_path, ["emb_*"]).model_dump()
    config["sources"] = [
        {"name": "TextEmb", "path": config["text_embedding"]["path"], "columns": ["n_tweets"]}
    ]
    with pytest.raises(ConfigError, match=r"name 'TextEmb' is used twice"):
        DataConfig.from_mapping(config)
