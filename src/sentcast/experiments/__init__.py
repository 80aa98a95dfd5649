"""Experiments: a TOML file describes a grid of cells; a run writes one RUN_DIR.

Each experiment kind lives in a module ``sentcast.experiments.<kind>`` that provides

* ``CONFIG``: the :class:`~sentcast.config.base.FrozenModel` subclass of its TOML file, and
* ``run(config, out_dir) -> str``: runs the grid (skipping finished cells) and returns a short
  summary for stdout.

The TOML file names its kind in a top-level ``kind = "forecast" | "textclf"`` key.
"""
