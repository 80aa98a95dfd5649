"""``sentcast experiment``: run a grid described by one TOML file into a RUN_DIR."""

from __future__ import annotations

from pathlib import Path

import typer

from sentcast.experiments.runner import run_experiment, validate_experiment

app = typer.Typer(help="Experiments: a TOML file in, a RUN_DIR with results, tables and plots out.")


@app.command()
def run(
    config: Path = typer.Argument(..., help="Experiment TOML file (see configs/)."),
    out: Path = typer.Option(..., help="RUN_DIR for results; re-running resumes."),
    set_: list[str] = typer.Option(
        [], "--set", help="Override a config value: dotted.key=value (repeatable)."
    ),
) -> None:
    """Run every cell of the experiment (finished cells are skipped) and write RUN_DIR."""
    typer.echo(run_experiment(config, out, set_))


@app.command()
def validate(
    config: Path = typer.Argument(..., help="Experiment TOML file."),
    set_: list[str] = typer.Option([], "--set", help="Override: dotted.key=value."),
) -> None:
    """Check an experiment file (and what it needs of its data) and print it as resolved."""
    import tomli_w

    kind, cfg, report = validate_experiment(config, set_)
    typer.echo(tomli_w.dumps({"kind": kind, **cfg.to_toml_dict()}))
    if report:
        typer.echo(report)
