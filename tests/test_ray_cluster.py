"""Two Ray nodes simulated on this machine (``ray.cluster_utils.Cluster``): scoring and a grid
joined with ``--address`` give the local engine's outputs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest
from ray.cluster_utils import Cluster

from sentcast.engines import LOCAL_HOST, Engine, loopback_only
from sentcast.experiments.runner import load_experiment, run_experiment
from tests.experiments.forecast_files import RAY_OVERRIDES as OVERRIDES
from tests.experiments.forecast_files import experiment_toml, same_run_files
from tests.sentiment.tweet_files import write_tweets

CLI = Callable[..., tuple[int, str, str]]
NODE = {"num_cpus": 1, "object_store_memory": 100 << 20}


@pytest.fixture(scope="module")
def two_nodes() -> Iterator[str]:
    """The address of a head and a worker node of one CPU each (the worker declares a GPU),
    both on 127.0.0.1 only."""
    import ray

    with loopback_only():
        head = {**NODE, "include_dashboard": False, "node_ip_address": LOCAL_HOST}
        cluster = Cluster(initialize_head=True, head_node_args=head)
        # declared, not real: where GPU cells may go
        cluster.add_node(**NODE, num_gpus=1, node_ip_address=LOCAL_HOST)
        cluster.wait_for_nodes()
        try:
            yield cluster.address
        finally:
            ray.shutdown()
            cluster.shutdown()


def test_scoring_on_two_nodes_gives_the_local_outputs(
    two_nodes: str, cli: CLI, tmp_path: Path
) -> None:
    src = write_tweets(tmp_path / "t.csv", n=500)
    outputs = {}
    for engine in ("local", "ray"):
        out = tmp_path / engine / "daily.parquet"
        scored = out.with_name("scored.parquet")
        options = ["--engine", engine, "--chunk-size", "50", "--workers", "2"]
        if engine == "ray":
            options += ["--address", two_nodes]
        code, stdout, err = cli(
            "sentiment", "score", src.as_uri(), "--out", out.as_uri(), "--scored", str(scored),
            *options,
        )  # fmt: skip
        assert code == 0, err
        assert "rows read 500 = scored 498 + rejected 2" in stdout
        outputs[engine] = (pd.read_parquet(out), pd.read_parquet(scored))
    for local, ray in zip(outputs["local"], outputs["ray"], strict=True):
        pd.testing.assert_frame_equal(local, ray)


def test_grid_on_two_nodes_gives_the_local_files(two_nodes: str, tmp_path: Path) -> None:
    toml = experiment_toml(tmp_path / "exp")
    run_experiment(toml, tmp_path / "local", OVERRIDES)
    summary = run_experiment(toml, tmp_path / "ray", OVERRIDES, engine=Engine("ray", two_nodes))
    assert "cells: 3 (3 run, 0 already done)" in summary
    same_run_files(tmp_path / "local", tmp_path / "ray")


def test_network_cells_ask_for_a_gpu_when_the_cluster_has_one(
    two_nodes: str, tmp_path: Path
) -> None:
    import ray

    from sentcast.experiments.forecast import grid_cells
    from sentcast.experiments.forecast_ray import cell_resources

    toml = experiment_toml(tmp_path / "exp")
    cpu_only = load_experiment(toml, OVERRIDES)[1]
    any_device = load_experiment(toml, [*OVERRIDES, "train.device=auto"])[1]
    cells = grid_cells(any_device)  # type: ignore[arg-type]
    network = next(c for c in cells if c.is_network)
    ridge = next(c for c in cells if c.model == "ridge")
    ray.init(address=two_nodes)
    try:
        assert cell_resources(ray, network, any_device, None) == {"num_cpus": 1.0, "num_gpus": 1.0}
        assert cell_resources(ray, network, cpu_only, None) == {"num_cpus": 1.0}
        assert cell_resources(ray, ridge, any_device, None) == {"num_cpus": 1.0}
    finally:
        ray.shutdown()
