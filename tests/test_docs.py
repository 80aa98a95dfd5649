"""The documentation site's generated reference covers the code (scripts/docs_hooks.py).

The site itself is built with ``mkdocs build --strict`` by ``make docs`` (part of ``make
test``); these tests check what the generators produce, without building it.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest
import yaml

import sentcast

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_hooks", ROOT / "scripts" / "docs_hooks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _object(path: str) -> object:
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def test_every_public_name_has_a_reference_entry_with_a_summary(hooks: ModuleType) -> None:
    page = hooks.api_reference()
    for name in sentcast.__all__:
        if name == "__version__":
            assert "`sentcast.__version__`" in page
            continue
        path = f"{sentcast._EXPORTS[name]}.{name}"
        assert f"::: {path}\n" in page, name
        doc = inspect.getdoc(_object(path)) or ""
        assert doc.strip() and doc.splitlines()[0].strip(), f"{name}: no summary line"


def test_estimators_have_a_reference_entry_with_a_summary(hooks: ModuleType) -> None:
    page = hooks.api_reference()
    for path in hooks.ESTIMATORS:
        assert f"::: {path}\n" in page
        assert (inspect.getdoc(_object(path)) or "").strip(), path


def test_every_cli_command_has_a_generated_page(hooks: ModuleType) -> None:
    pages = hooks.cli_pages()
    paths = [path for path, _, _ in hooks._commands()]
    assert len(paths) > 20
    assert set(pages) == {hooks.cli_slug(path) for path in paths}
    for path in paths:
        page = pages[hooks.cli_slug(path)]
        assert page.startswith(f"# `{' '.join(path)}`\n")
        assert re.search(r"```\n" + re.escape(" ".join(path)), page)
    assert "--cpus-per-cell" in pages["experiment-run"]  # options come from the app itself
    nav = str(hooks.cli_nav())
    for path in paths:
        assert f"reference/cli/{hooks.cli_slug(path)}.md" in nav


def test_config_reference_covers_every_section_and_key(hooks: ModuleType) -> None:
    from pydantic import BaseModel

    from sentcast.config.forecast import ForecastExperiment
    from sentcast.config.textclf import TextclfExperiment

    page = hooks.config_reference()
    for section in (
        "[data]",
        "[data.sentiment]",
        "[[data.sources]]",
        "[data.text_embedding]",
        "[split]",
        "[grid]",
        "[model.cnn-lstm]",
        "[model.statistical]",
        "[train]",
        "[evaluation.backtest]",
        "[evaluation.intervals]",
        "[[datasets]]",
        "[[datasets.eval]]",
        "[variants.NAME]",
    ):
        assert f"### `{section}`" in page, section

    def keys(model: type[BaseModel], seen: set[type]) -> set[str]:
        found = set()
        for name, field in model.model_fields.items():
            subs = hooks._models_in(field.annotation)
            if not subs or any(shape != "table" for shape, _ in subs):
                found.add(field.alias or name)
            for _, sub in subs:
                if sub not in seen:
                    seen.add(sub)
                    found |= keys(sub, seen)
        return found

    for model in (ForecastExperiment, TextclfExperiment):
        for key in keys(model, set()):
            assert f"| `{key}` |" in page, key


def test_example_pages_show_each_script(hooks: ModuleType) -> None:
    pages = hooks.example_pages()
    assert set(pages) == {p.stem for p in (ROOT / "examples").glob("*.py")}
    for stem, page in pages.items():
        source = (ROOT / "examples" / f"{stem}.py").read_text(encoding="utf-8")
        assert source.rstrip() in page


def test_site_builds_offline_and_strict() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["strict"] is True
    assert config["theme"]["font"] is False  # no Google Fonts at build or view time
    assert config["hooks"] == ["scripts/docs_hooks.py"]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test: lint docs$", makefile, re.M)
    assert "mkdocs build --strict" in makefile
    # generated pages are never committed
    assert not (ROOT / "docs" / "reference").exists()
    assert not (ROOT / "docs" / "examples").exists()


def test_every_docs_page_is_in_the_navigation() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = set(re.findall(r"'([\w/.-]+\.md)'", str(config["nav"])))
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    assert pages == listed - {"reference/api.md", "reference/config.md"}  # those two: generated
