"""``sentcast forecast``: train one forecaster from an experiment file, predict with it."""

from __future__ import annotations

from pathlib import Path

import typer

from sentcast.cli.common import choices
from sentcast.config.forecast import ForecastExperiment
from sentcast.errors import ConfigError, UserInputError
from sentcast.experiments.runner import load_experiment
from sentcast.files import check_output_folder

app = typer.Typer(help="Forecast BTC with one model: train it from a config, predict with it.")


#: The CLI spelling of every forecasting model; the old ``cnn_lstm`` is accepted with a note.
MODELS = ("lstm", "gru", "cnn-lstm", "ridge", "rf", "naive")


@app.command()
def train(
    config: Path | None = typer.Argument(None, help="Forecast experiment TOML (see configs/)."),
    out: Path = typer.Option(..., help="MODEL_DIR to save the fitted model in."),
    window: int | None = typer.Option(
        None, help="Window T (days).", show_default="first of grid.windows"
    ),
    feature_set: str | None = typer.Option(
        None, help="e.g. BTC+Sentiment.", show_default="first of grid.feature_sets"
    ),
    model: str | None = typer.Option(
        None,
        help="Model to fit.",
        **choices(MODELS, {"cnn_lstm": "cnn-lstm"}),
        show_default="first of grid.models, then grid.baselines",
    ),
    seed: int | None = typer.Option(None, help="Seed.", show_default="first of grid.seeds"),
    horizon: int | None = typer.Option(
        None, help="Rows ahead.", show_default="first of target.horizons"
    ),
    set_: list[str] = typer.Option([], "--set", help="Override: dotted.key=value."),
    config_option: Path | None = typer.Option(None, "--config", hidden=True),
) -> None:
    """Fit one model on the config's data and split; save it with its metrics.

    CONFIG is positional, as in every command (`--config CONFIG` is still accepted).
    """
    from sentcast.experiments.forecast_model import data_files, train_model
    from sentcast.models.persistence import check_model_folder

    if (config is None) == (config_option is None):
        raise UserInputError("give the experiment file once: sentcast forecast train CONFIG")
    config = config or config_option
    assert config is not None
    kind, cfg = load_experiment(config, set_)
    if not isinstance(cfg, ForecastExperiment):
        raise ConfigError(f"kind: must be 'forecast' for this command, got {kind!r}")
    check_output_folder([config, *data_files(cfg)], "--out", out)
    check_model_folder(out)
    typer.echo(train_model(cfg, out, window, feature_set, model, seed, horizon))


@app.command()
def predict(
    model_dir: Path = typer.Argument(..., help="MODEL_DIR written by `forecast train`."),
    out: Path | None = typer.Option(
        None, help="CSV of all predictions, each row marked with its split.", show_default="none"
    ),
    set_: list[str] = typer.Option(
        [], "--set", help="Override the stored data config, e.g. data.end=2020-06-30."
    ),
) -> None:
    """Predict every window of the model's data and the next, not yet known, day."""
    from sentcast.experiments.forecast_model import predict_model

    frame, summary = predict_model(model_dir, set_, out)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(out, index=False)
        summary += f"\npredictions written to {out}"
    typer.echo(summary)
