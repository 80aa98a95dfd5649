"""Typed, frozen experiment configuration that one TOML file fully expresses.

``load_config(path)`` reads a TOML file, validates it and returns the config object of the
experiment kind named by its top-level ``kind`` key. Invalid keys or values raise
:class:`sentcast.errors.ConfigError` whose message names each problem by dotted path,
e.g. ``grid.windows.0: must be > 0, got -7``.
"""

from sentcast.config.base import FrozenModel, dump_toml, format_validation_error, load_toml

__all__ = ["FrozenModel", "dump_toml", "format_validation_error", "load_toml"]
