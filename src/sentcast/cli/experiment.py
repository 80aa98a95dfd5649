"""``sentcast experiment``: run a grid described by one TOML file into a RUN_DIR."""

from __future__ import annotations

from pathlib import Path

import typer

from sentcast.cli.common import RAY_ADDRESS, choices
from sentcast.engines import ENGINES, Engine
from sentcast.errors import UserInputError
from sentcast.experiments.runner import check_data, load_experiment, run_experiment

app = typer.Typer(help="Experiments: a TOML file in, a RUN_DIR with results, tables and plots out.")


@app.command()
def run(
    config: Path = typer.Argument(..., help="Experiment TOML file (see configs/)."),
    out: Path = typer.Option(..., help="RUN_DIR for results; re-running resumes."),
    set_: list[str] = typer.Option(
        [], "--set", help="Override a config value: dotted.key=value (repeatable)."
    ),
    engine: str = typer.Option(
        "local",
        help="Where forecast cells run: worker processes here (grid.jobs) or Ray tasks.",
        **choices(ENGINES),
    ),
    address: str | None = RAY_ADDRESS,
    cpus_per_cell: float | None = typer.Option(
        None,
        help="CPUs each cell declares to Ray (--engine ray).",
        show_default="grid.threads, at least 1",
    ),
) -> None:
    """Run every cell of the experiment (finished cells are skipped) and write RUN_DIR.

    A second run into the same RUN_DIR while this one works is refused at once. With
    --engine ray each forecast cell is a Ray task; the files are the same as here.
    """
    if cpus_per_cell is not None and engine != "ray":
        raise UserInputError("--cpus-per-cell is what a cell declares to Ray: use --engine ray")
    run_on = Engine(engine, address, cpus_per_task=cpus_per_cell)
    typer.echo(run_experiment(config, out, set_, engine=run_on))


@app.command()
def validate(
    config: Path = typer.Argument(..., help="Experiment TOML file."),
    set_: list[str] = typer.Option([], "--set", help="Override: dotted.key=value."),
    data: bool = typer.Option(
        True,
        "--data/--no-data",
        help="Also load the data and check windows, splits and CV folds against it (forecast).",
    ),
) -> None:
    """Check an experiment file and print it as resolved (defaults filled in).

    With --data (default) a forecast experiment's tables are loaded and every window is cut
    and split, so a config the data cannot serve fails here with the key to change; the
    samples per split follow the config as TOML comments.
    """
    import tomli_w

    kind, cfg = load_experiment(config, set_)
    checked = check_data(kind, cfg) if data else ""
    typer.echo(tomli_w.dumps({"kind": kind, **cfg.to_toml_dict()}))
    for line in checked.splitlines():
        typer.echo(f"# {line}")
