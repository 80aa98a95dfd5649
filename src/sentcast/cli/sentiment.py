"""``sentcast sentiment``: score tweet files into a daily sentiment table; inspect presets."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import typer

from sentcast.cli.common import RAY_ADDRESS, choices
from sentcast.data.tweets import (
    LAYOUTS,
    TEXT_CANDIDATES,
    iter_chunks,
    parse_label_map,
    pick_column,
    read_header,
)
from sentcast.engines import ENGINES, Engine, ray_session
from sentcast.errors import UserInputError
from sentcast.files import check_distinct_inputs, check_outputs
from sentcast.sentiment.batch import BatchScorer
from sentcast.sentiment.compare import compare_presets
from sentcast.sentiment.ingest import run_score_job
from sentcast.sentiment.score_job import ScoreJob
from sentcast.sentiment.scorer import Scorer
from sentcast.sentiment.vader import VaderScorer
from sentcast.storage import Staging, check_remote_outputs, location, staging_folder
from sentcast.text.preprocess import PRESETS, TextPipeline

app = typer.Typer(help="Tweet sentiment: VADER scoring at scale and daily aggregation.")


def _pipeline(preset: str) -> TextPipeline:
    if preset not in PRESETS:
        raise UserInputError(f"--preset must be one of {', '.join(PRESETS)}, got {preset!r}")
    return TextPipeline.preset(preset)


_LAYOUT = typer.Option(
    None, help="Column preset (see `sentcast sentiment layouts`); options below override it."
)
_TEXT_COL = typer.Option(None, help="Text column.", show_default="auto-detect")
_TIME_COL = typer.Option(None, help="Timestamp column.", show_default="auto-detect")
_ID_COL = typer.Option(
    None,
    help="Record id column: a row whose id was read before, in any input, is dropped and counted.",
    show_default="id, tweet_id or id_str if present, else none",
)
_DELIMITER = typer.Option(None, help="CSV field separator.", show_default=",")
_ENCODING = typer.Option(
    None,
    show_default="utf-8",
    help="CSV text encoding, e.g. cp1252 (undecodable bytes are replaced and the rows counted).",
)
_TIME_FORMAT = typer.Option(
    None,
    help="Format of the time column: strftime (e.g. %d/%m/%Y %H:%M), ISO8601, epoch-s or epoch-ms.",
    show_default="inferred, one format per file",
)
_DAYFIRST = typer.Option(
    None,
    "--dayfirst/--no-dayfirst",
    help="Settle inferred dates like 03/04/2020: day first (3 April) or month first.",
)
_CHUNK_SIZE = typer.Option(100_000, help="Rows per chunk (memory bound, resume unit).")


def _job(
    inputs: list[Path],
    out: Path,
    layout: str | None,
    columns: tuple[str | None, str | None, str | None],
    label_map: str | None,
    csv: tuple[str | None, str | None],
    chunk_size: int,
    dates: tuple[str | None, bool | None],
    scored: Path | None = None,
    id_col: str | None = None,
) -> ScoreJob:
    """The job of the tweet-reading options shared by ``score`` and ``embed``.

    ``columns`` is (text, time, label), ``csv`` (delimiter, encoding), ``dates`` (time format,
    dayfirst); a ``--layout`` preset fills what is not given; ``id_col`` is ``--id-col``.
    """
    if out.suffix != ".parquet" or (scored is not None and scored.suffix != ".parquet"):
        raise UserInputError("--out and --scored must end in .parquet")
    check_distinct_inputs(inputs)
    check_outputs(inputs, {"--out": out, "--scored": scored})
    base = LAYOUTS.get(layout) if layout else None
    if layout and base is None:
        raise UserInputError(f"unknown --layout {layout!r} (choose from {', '.join(LAYOUTS)})")
    text_col, time_col, label_col = columns
    delimiter, encoding = csv
    mapping = parse_label_map(label_map) if label_map else dict(base.label_map) if base else {}
    return ScoreJob(
        inputs=inputs,
        out=out,
        scored=scored,
        text_col=text_col or (base.text_col if base else None),
        time_col=time_col or (base.time_col if base else None),
        label_col=label_col or (base.label_col if base else None),
        label_map=mapping,
        id_col=id_col,
        delimiter=delimiter if delimiter is not None else base.delimiter if base else ",",
        encoding=encoding or (base.encoding if base else "utf-8"),
        chunk_size=chunk_size,
        time_format=dates[0],
        dayfirst=dates[1],
    )


@app.command()
def score(
    inputs: list[str] = typer.Argument(
        ...,
        help="Tweet files: CSV, CSV.gz or Parquet; paths or URIs (file://, s3://, gs://, hdfs://).",
    ),
    out_name: str = typer.Option(
        ..., "--out", help="Daily sentiment table to write (.parquet; path or URI)."
    ),
    scored_name: str | None = typer.Option(
        None, "--scored", help="Also write per-tweet scores (.parquet; path or URI)."
    ),
    layout: str | None = _LAYOUT,
    text_col: str | None = _TEXT_COL,
    time_col: str | None = _TIME_COL,
    label_col: str | None = typer.Option(None, help="Label column; adds label_mean."),
    label_map: str | None = typer.Option(
        None, help="Label values to numbers, e.g. positive=1,neutral=0,negative=-1."
    ),
    id_col: str | None = _ID_COL,
    delimiter: str | None = _DELIMITER,
    encoding: str | None = _ENCODING,
    time_format: str | None = _TIME_FORMAT,
    dayfirst: bool | None = _DAYFIRST,
    preset: str | None = typer.Option(
        None,
        help="Text cleaning before VADER.",
        **choices(list(PRESETS)),
        show_default="vader",
    ),
    scorer_dir: Path | None = typer.Option(
        None,
        "--scorer",
        help="vader, or a saved sentiment classifier folder (sentcast textclf train).",
        show_default="vader",
    ),
    workers: int | None = typer.Option(
        None,
        help="Worker processes (with --engine ray: scoring actors).",
        show_default="CPU cores",
    ),
    chunk_size: int = _CHUNK_SIZE,
    engine: str = typer.Option(
        "local", help="Where chunks are scored: this machine or a Ray cluster.", **choices(ENGINES)
    ),
    address: str | None = RAY_ADDRESS,
    staging: Path | None = typer.Option(
        None,
        help="Local folder for copies of remote (s3://, gs://, hdfs://) inputs and outputs; "
        "a resumed run needs the same one.",
        show_default="next to a local --out, else the sentcast cache folder",
    ),
) -> None:
    """Score tweets with VADER (or a trained classifier) and write one row per UTC day to --out.

    Each file's time column is read with one format (given or inferred from its values);
    rows with an empty text, a date not in that format, an unknown label, malformed quoting or
    the wrong number of fields are counted per reason, and so are rows whose id (--id-col) was
    read before, in this or an earlier input; a killed run resumes from its last
    finished chunk when started again with the same arguments. With --engine ray the chunks
    are scored by Ray actors and the outputs are the same. Remote inputs are copied to
    --staging first; remote outputs are written there and uploaded at the end.
    """
    sources = [location(name, "input") for name in inputs]
    check_distinct_inputs(sources)
    target = location(out_name, "--out")
    scored_target = location(scored_name, "--scored") if scored_name is not None else None
    targets = {"--out": target, "--scored": scored_target}
    if any(where is not None and not where.name.endswith(".parquet") for where in targets.values()):
        raise UserInputError("--out and --scored must end in .parquet")
    if workers is not None and workers < 1:
        raise UserInputError(f"--workers must be >= 1, got {workers}")
    run_on = Engine(engine, address, workers)
    check_remote_outputs(sources, targets)
    check_outputs(
        [where for where in sources if isinstance(where, Path)],
        {option: where for option, where in targets.items() if isinstance(where, Path)},
    )
    stage = Staging(staging_folder(target, staging))
    scored = stage.output("--scored", scored_target) if scored_target is not None else None
    out = stage.output("--out", target)  # registered last: uploaded last, so it marks the end
    paths = [stage.input(i, where) for i, where in enumerate(sources)]
    job = _job(
        paths,
        out,
        layout,
        (text_col, time_col, label_col),
        label_map,
        (delimiter, encoding),
        chunk_size,
        (time_format, dayfirst),
        scored,
        id_col,
    )
    scorer: Scorer
    if scorer_dir is not None and str(scorer_dir) == "vader" and not scorer_dir.exists():
        scorer_dir = None
    if scorer_dir is not None:
        if preset is not None:
            raise UserInputError(
                "--preset is VADER's cleaning; a --scorer model cleans its own way"
            )
        from sentcast.models.text_scorer import ClassifierScorer

        scorer = ClassifierScorer(scorer_dir)
    else:
        scorer = VaderScorer(_pipeline(preset or "vader"))
    if run_on.is_ray:
        from sentcast.sentiment.ray_scoring import RayChunks

        with ray_session(run_on) as ray, RayChunks(ray, scorer, workers) as actors:
            result = run_score_job(job, actors)
    else:
        with BatchScorer(scorer, workers) as batch:
            result = run_score_job(job, batch)
    stage.upload()
    stage.clean()
    typer.echo(result.summary())
    agreement = _label_agreement(result.daily)
    if agreement:
        typer.echo(agreement)
    typer.echo(
        f"wrote {out_name} ({len(result.daily)} days)" + (f" and {scored_name}" if scored else "")
    )


@app.command()
def embed(
    inputs: list[Path] = typer.Argument(..., help="Tweet files: CSV, CSV.gz or Parquet."),
    out: Path = typer.Option(..., help="Daily embedding table to write (.parquet)."),
    layout: str | None = _LAYOUT,
    text_col: str | None = _TEXT_COL,
    time_col: str | None = _TIME_COL,
    delimiter: str | None = _DELIMITER,
    encoding: str | None = _ENCODING,
    time_format: str | None = _TIME_FORMAT,
    dayfirst: bool | None = _DAYFIRST,
    id_col: str | None = _ID_COL,
    preset: str = typer.Option(
        "vader", help="Text cleaning before encoding.", **choices(list(PRESETS))
    ),
    model: str = typer.Option("all-MiniLM-L6-v2", help="Sentence-embedding model."),
    batch_size: int = typer.Option(64, help="Texts per encoder batch."),
    cache_dir: Path | None = typer.Option(
        None, help="Embedding cache folder (by text hash).", show_default="the encoder's own"
    ),
    max_per_day: int | None = typer.Option(
        None,
        help="Embed at most this many tweets per UTC day (the first read; the rest are "
        "counted as rejected).",
        show_default="all",
    ),
    chunk_size: int = _CHUNK_SIZE,
) -> None:
    """Write the mean sentence embedding of each UTC day's tweets (and their count) to --out.

    Rows are read and checked as by `sentcast sentiment score` (every row embedded or rejected
    for a counted reason, a tweet read twice embedded once); each distinct cleaned text is
    encoded once and cached by its hash, so a rerun encodes nothing new. Columns: n_tweets,
    emb_000 ... (NaN on days without tweets).
    """
    if batch_size < 1:
        raise UserInputError(f"--batch-size must be >= 1, got {batch_size}")
    job = _job(
        inputs,
        out,
        layout,
        (text_col, time_col, None),
        None,
        (delimiter, encoding),
        chunk_size,
        (time_format, dayfirst),
        id_col=id_col,
    )
    job = dataclasses.replace(job, label_col=None, label_map={})  # a layout's labels are unused
    from sentcast.sentiment.daily_embedding import run_embed_job
    from sentcast.text.sentence import encode_sentences

    def encode(texts: list[str]) -> np.ndarray:
        return encode_sentences(
            texts, model=model, batch_size=batch_size, cache_dir=cache_dir, progress=True
        )

    result = run_embed_job(job, encode, _pipeline(preset), max_per_day=max_per_day)
    typer.echo(result.summary())
    typer.echo(f"wrote {out} ({len(result.daily)} days, {result.daily.shape[1] - 1} dimensions)")


def _label_agreement(daily: pd.DataFrame) -> str:
    """``daily compound_mean vs label_mean: r = 0.63 (202 days)`` when the files had labels."""
    if "label_mean" not in daily:
        return ""
    both = daily[["compound_mean", "label_mean"]].dropna()
    if len(both) < 3:
        return f"daily compound_mean vs label_mean: too few labelled days ({len(both)})"
    r = both["compound_mean"].corr(both["label_mean"])
    return f"daily compound_mean vs label_mean: r = {r:.2f} ({len(both)} days)"


@app.command()
def layouts() -> None:
    """List the column presets for known tweet files."""
    for name, lay in LAYOUTS.items():
        label = f" label={lay.label_col}" if lay.label_col else ""
        typer.echo(
            f"{name}\ttext={lay.text_col} time={lay.time_col}{label} sep={lay.delimiter!r}"
            f" encoding={lay.encoding}\t{lay.note}"
        )


@app.command()
def text(
    texts: list[str] = typer.Argument(..., help="Texts to score."),
    preset: str = typer.Option(
        "vader", help="Text cleaning before VADER.", **choices(list(PRESETS))
    ),
) -> None:
    """Show each text after cleaning and its VADER scores (neg, neu, pos, compound)."""
    pipeline = _pipeline(preset)
    scores = VaderScorer(pipeline).score(texts)
    for raw, row in zip(texts, scores, strict=True):
        typer.echo(
            f"{pipeline.process(raw)!r}\tneg={row[0]} neu={row[1]} pos={row[2]} compound={row[3]}"
        )


@app.command("compare-presets")
def compare_presets_command(
    inputs: list[Path] = typer.Argument(..., help="Tweet files: CSV, CSV.gz or Parquet."),
    text_col: str | None = typer.Option(None, help="Text column.", show_default="auto-detect"),
    delimiter: str = typer.Option(",", help="CSV field separator."),
    a: str = typer.Option("vader", help="First cleaning preset.", **choices(list(PRESETS))),
    b: str = typer.Option("study", help="Second cleaning preset.", **choices(list(PRESETS))),
    limit: int = typer.Option(50_000, help="Most texts read from each file."),
    workers: int | None = typer.Option(1, help="Worker processes."),
) -> None:
    """Measure how a cleaning preset changes VADER's scores on real texts."""
    for name in (a, b):
        _pipeline(name)
    if limit < 1:
        raise UserInputError(f"--limit must be >= 1, got {limit}")
    if workers is not None and workers < 1:
        raise UserInputError(f"--workers must be >= 1, got {workers}")
    texts: list[str] = []
    for path in inputs:
        column = pick_column(read_header(path, delimiter), text_col, TEXT_CANDIDATES, "text")
        first = next(iter_chunks(path, [column], limit, delimiter), None)
        if first is not None:
            texts += [t for t in first.column(column).to_pylist() if t and t.strip()]
    typer.echo(compare_presets(texts, a, b, workers).summary())
