from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest

from sentcast.errors import DataError, UserInputError
from sentcast.reporting.report import build_markdown, write_report

matplotlib.use("Agg")

CLI = Callable[..., tuple[int, str, str]]


@pytest.fixture()
def run_dir(tmp_path: Path) -> Path:
    import matplotlib.pyplot as plt

    run = tmp_path / "run"
    (run / "plots").mkdir(parents=True)
    (run / "config.toml").write_text('kind = "forecast"\n\n[grid]\nwindows = [7]\n')
    (run / "tables.md").write_text(
        "# Forecasting results\n\n| model | rmse |\n|---|---|\n| naive | 0.021 |\n| lstm | 0.05 |\n"
    )
    (run / "data_summary.json").write_text(
        '{"kind": "forecast", "start": "2018-01-01", "n_days": 504, "tweets_per_day": null}'
    )
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    fig.savefig(run / "plots" / "predictions_w7.png")
    plt.close(fig)
    return run


def test_markdown_has_every_section(run_dir: Path) -> None:
    text = build_markdown(run_dir)
    for heading in ("## Data", "## Results", "## Plots", "## Configuration", "## Environment"):
        assert heading in text
    assert "| naive | 0.021 |" in text
    assert "\n### Forecasting results\n" in text  # nested under "## Results"
    assert "| n_days | 504 |" in text and "| tweets_per_day | — |" in text
    assert "![predictions w7](plots/predictions_w7.png)" in text
    assert re.search(r"\| torch \| \d+\.\d+", text)


def test_html_is_self_contained(run_dir: Path) -> None:
    md_path, html_path = write_report(run_dir)
    page = html_path.read_text(encoding="utf-8")
    assert md_path.read_text(encoding="utf-8").startswith("# sentcast report: run")
    assert "<table>" in page and "<td>naive</td>" in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources, "the plot must be embedded"
    assert all(src.startswith("data:image/png;base64,") for src in sources)


def test_missing_pieces_are_reported(tmp_path: Path) -> None:
    run = tmp_path / "partial"
    run.mkdir()
    (run / "config.toml").write_text('kind = "textclf"\n')
    text = build_markdown(run)
    assert "No tables.md" in text and "No data_summary.json" in text
    assert "## Plots" not in text


def test_not_a_run_dir(tmp_path: Path, cli: CLI) -> None:
    with pytest.raises(UserInputError, match="not a run directory"):
        build_markdown(tmp_path)
    code, _, err = cli("report", str(tmp_path / "absent"))
    assert code == 2 and "run directory not found" in err


def test_corrupt_data_summary_is_a_data_error(tmp_path: Path, cli: CLI) -> None:
    (tmp_path / "config.toml").write_text('kind = "forecast"\n')
    (tmp_path / "data_summary.json").write_text("{truncated")
    with pytest.raises(DataError, match=r"data_summary\.json: not valid JSON"):
        build_markdown(tmp_path)
    code, _, err = cli("report", str(tmp_path))
    assert code == 1 and "not valid JSON" in err


def test_cli_writes_both_files(run_dir: Path, cli: CLI) -> None:
    code, out, _ = cli("report", str(run_dir))
    assert code == 0
    assert (run_dir / "report.html").is_file() and "report.html" in out


def test_forecast_report_answers_first(forecast_run: Path) -> None:
    text = build_markdown(forecast_run)
    summary, data = text.index("## Summary"), text.index("## Data")
    assert summary < data < text.index("## Results")
    assert "**LSTM on BTC+Sentiment beats naive at h = 1, window 7 (0.900x, p = 0.02)" in text
    assert "730 days from 2018-01-01 to 2019-12-31 on the daily calendar." in text
    assert "Days left out or filled: 3 (sentiment filled)." in text
    # windows in numeric order everywhere: summary rows, samples table, plots
    assert re.findall(r"^\| 1 \| (\d+) \| LSTM", text, flags=re.MULTILINE) == ["7", "30", "90"]
    assert re.findall(r"^\| 1 \| (\d+) \| \d+ \|", text, flags=re.MULTILINE) == ["7", "30", "90"]
    titles = re.findall(r"^### Predictions, horizon 1, window (\d+)$", text, flags=re.MULTILINE)
    assert titles == ["7", "30", "90"]


def test_forecast_html_collapses_config_and_raw_fields(forecast_run: Path) -> None:
    _, html_path = write_report(forecast_run)
    page = html_path.read_text(encoding="utf-8")
    assert page.index('<section id="summary">') < page.index("<h2>Data</h2>")
    assert re.search(r"<details><summary>The resolved configuration[^<]*</summary>\n<pre>", page)
    assert "<details><summary>Every field of data_summary.json</summary>" in page
    assert page.count('data-verdict="better"') == 3


def test_confusion_plots_keep_the_data_set_names_as_written(tmp_path: Path) -> None:
    from matplotlib.figure import Figure

    run = tmp_path / "textclf"
    (run / "plots").mkdir(parents=True)
    (run / "config.toml").write_text('kind = "textclf"\n')
    (run / "results.csv").write_text("dataset,eval_set,model\nSST_2-dev,test,cnn_lstm\n")
    fig = Figure()
    fig.subplots().plot([1, 2])
    fig.savefig(run / "plots" / "confusion_SST_2-dev_test_cnn_lstm.png")
    text = build_markdown(run)
    assert "### Confusion matrix: SST_2-dev, test set, cnn_lstm" in text


def test_forecast_summary_uses_the_runs_display_names(forecast_run: Path) -> None:
    config = forecast_run / "config.toml"
    config.write_text(config.read_text() + '\n[data.names]\nBTC = "ETH-USD <b>"\n')
    text = build_markdown(forecast_run)
    assert "**LSTM on ETH-USD &lt;b&gt;+Sentiment beats naive at h = 1, window 7" in text
    config.write_text('kind = "forecast"\n[data\n')  # torn: slot names, still a report
    assert "**LSTM on BTC+Sentiment beats naive" in build_markdown(forecast_run)
