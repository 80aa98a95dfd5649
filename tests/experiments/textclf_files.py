"""A tiny textclf experiment file and its data (two words lists, 40 rows, an extra set)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

WORDS = {
    "positive": ["great", "fun", "loved", "superb"],
    "negative": ["awful", "dull", "hated", "boring"],
}


def write_data(folder: Path) -> None:
    """A 40-row two-class CSV (`data/train.csv`) and a 3-row extra set (`data/extra.csv`)."""
    rows = ["text,label"]
    for i in range(40):
        label = "positive" if i % 2 else "negative"
        words = WORDS[label]
        rows.append(f"{words[i % 4]} movie {words[(i + 1) % 4]} plot {i},{label}")
    (folder / "data").mkdir()
    (folder / "data" / "train.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    extra = ["text,label", "great fun,positive", "awful dull,negative", "superb,positive"]
    (folder / "data" / "extra.csv").write_text("\n".join(extra) + "\n", encoding="utf-8")


def textclf_toml(folder: Path) -> Path:
    """Write the data into ``folder/data`` and ``folder/configs/tiny.toml`` referring to it."""
    write_data(folder)
    config = {
        "kind": "textclf",
        "title": "tiny",
        "models": ["tfidf-lr", "cnn-small"],
        "seeds": [0],
        "datasets": [
            {
                "name": "tiny",
                "format": "csv",
                "path": "data/train.csv",
                "validation": 0.2,
                "test": 0.2,
                "max_len": 8,
                "eval": [{"name": "extra", "format": "csv", "path": "data/extra.csv"}],
                "reference": {"tfidf-lr": "99.9 (made up)"},
            }
        ],
        "model": {
            "network": {"embed_dim": 8, "filters": 4, "kernel_sizes": [2]},
            "train": {"epochs": 1, "batch_size": 8, "patience": 1, "device": "cpu"},
        },
        "variants": {"cnn-small": {"model": "cnn", "network": {"embed_dim": 4, "filters": 2}}},
    }
    path = folder / "configs" / "tiny.toml"
    path.parent.mkdir()
    # the data lives one folder up: relative to the config file, not the working directory
    config["datasets"][0]["path"] = "../data/train.csv"  # type: ignore[index]
    config["datasets"][0]["eval"][0]["path"] = "../data/extra.csv"  # type: ignore[index]
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return path


def rewrite_toml(path: Path, **changes: object) -> Path:
    """Set top-level keys of the experiment file ``path`` (e.g. ``title``); returns ``path``."""
    with path.open("rb") as fh:
        config = tomllib.load(fh)
    config.update(changes)
    path.write_text(tomli_w.dumps(config), encoding="utf-8")
    return path
