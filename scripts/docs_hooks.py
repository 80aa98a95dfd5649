"""MkDocs hooks: the reference pages are generated from the code at build time, never by hand.

``mkdocs.yml`` loads this file (``hooks:``). On every build it adds, in memory (nothing is
written to ``docs/``):

* ``reference/config.md``: every section and key of the experiment TOML files, from the
  pydantic models (:class:`sentcast.config.forecast.ForecastExperiment`,
  :class:`sentcast.config.textclf.TextclfExperiment`): type, default, constraints, meaning.
* ``reference/cli/*.md``: one page per ``sentcast`` command, from the Typer app (click
  introspection: usage, help text, arguments and options with their defaults).
* ``reference/api.md``: a mkdocstrings entry for every name in ``sentcast.__all__`` and the
  estimators.
* ``examples/*.md``: each script of ``examples/`` as a page (its docstring, then its source).

The generators are plain functions (``config_reference()``, ``cli_pages()``, ``api_reference()``,
``example_pages()``) so the tests can check them without building the site.
"""

from __future__ import annotations

import inspect
import re
import sys
import types
import typing
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # a fresh clone without `pip install -e .`
    sys.path.insert(0, str(ROOT / "src"))

# ---------------------------------------------------------------------------------------------
# Config reference


def _type_name(annotation: Any) -> str:
    """A short, readable type: ``int``, ``list of str``, ``"ffill" | "zero"``, ``str, optional``."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type_name(args[0])
    if origin is typing.Literal:
        return " | ".join(f'`"{a}"`' if isinstance(a, str) else f"`{a}`" for a in args)
    if origin in (typing.Union, types.UnionType):
        kept = [a for a in args if a is not type(None)]
        text = " or ".join(_type_name(a) for a in kept)
        return f"{text}, optional" if len(kept) < len(args) else text
    if origin in (list, tuple, set):
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return f"table of {_type_name(args[1])}" if args else "table"
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _models_in(annotation: Any) -> list[tuple[str, type]]:
    """``(shape, model)`` for each pydantic model a field holds: ``"table"`` (``[a.b]``),
    ``"array"`` (``[[a.b]]``) or ``"named"`` (``[a.b.NAME]``)."""
    from pydantic import BaseModel

    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [("table", annotation)]
    if origin is typing.Annotated:
        return _models_in(args[0])
    if origin in (typing.Union, types.UnionType):
        return [m for a in args for m in _models_in(a)]
    if origin is list and args:
        return [("array", m) for _, m in _models_in(args[0])]
    if origin is dict and len(args) == 2:
        return [("named", m) for _, m in _models_in(args[1])]
    return []


def _default(field: Any) -> str:
    from pydantic_core import PydanticUndefined

    if field.default_factory is not None:
        value = field.default_factory()
    elif field.default is PydanticUndefined:
        return "**required**"
    else:
        value = field.default
    if hasattr(value, "model_dump"):
        return "(table)"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, list | tuple):
        inner = ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in value)
        return f"`[{inner}]`"
    return f"`{value}`"


_SYMBOLS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "min_length": "at least"}


def _constraints(field: Any) -> str:
    parts = []
    for item in field.metadata:
        for name, symbol in _SYMBOLS.items():
            value = getattr(item, name, None)
            if value is not None:
                parts.append(f"{symbol} {value}" + (" item(s)" if name == "min_length" else ""))
    return ", ".join(parts)


def _attribute_docs(model: type) -> dict[str, str]:
    """Per-field text of the NumPy ``Attributes`` (or ``Parameters``) sections in the
    docstrings of the model and its bases (``a, b : int`` documents both)."""
    found: dict[str, str] = {}
    for cls in reversed(model.__mro__):
        doc = inspect.cleandoc(cls.__doc__ or "") if "__doc__" in vars(cls) else ""
        match = re.search(
            r"^(?:Attributes|Parameters)\n-+\n(.*?)(?:\n\S[^\n]*\n-+\n|\Z)", doc, re.S | re.M
        )
        if not match:
            continue
        names: list[str] = []
        for line in match.group(1).splitlines():
            head = re.match(r"^([A-Za-z_][\w, -]*?)\s*(?::.*)?$", line)
            if head and not line.startswith(" "):
                names = [n.strip() for n in head.group(1).split(",") if n.strip()]
                for name in names:
                    found[name] = ""
            elif names and line.strip():
                for name in names:
                    found[name] = (found[name] + " " + line.strip()).strip()
    return found


def _summary(model: type) -> str:
    """The model docstring up to its first NumPy section."""
    doc = inspect.cleandoc(model.__doc__ or "")
    doc = re.split(r"\n\S[^\n]*\n-{3,}\n", doc)[0]
    return _plain(doc.strip())


_ROLE = re.compile(r":(?:func|class|mod|meth|attr|data|exc|obj):`(~?)([^`]+)`")


def _plain(text: str) -> str:
    """Sphinx roles as code: ``:class:`~a.B``` -> ```B```, ``:func:`a.f``` -> ```a.f```."""
    return _ROLE.sub(
        lambda m: f"`{m.group(2).rsplit('.', 1)[-1] if m.group(1) else m.group(2)}`", text
    )


def _cell(text: str) -> str:
    return _plain(text).replace("|", "\\|").replace("\n", " ")


def _section(model: type, path: str, shape: str, lines: list[str], seen: set[str]) -> None:
    if shape == "array":
        title = f"[[{path}]]"
    elif shape == "named":
        title = f"[{path}.NAME]"
    else:
        title = f"[{path}]" if path else "top level"
    key = f"{title}:{model.__name__}"
    if key in seen:
        return
    seen.add(key)
    lines += [f"### `{title}`" if path else "### Top level", ""]
    summary = _summary(model)
    if summary:
        lines += [summary, ""]
    lines += [f"*Model: `{model.__module__}.{model.__name__}`*", ""]
    notes = _attribute_docs(model)
    rows = []
    nested = []
    fields: dict[str, Any] = model.model_fields  # type: ignore[attr-defined]
    for name, field in fields.items():
        key_name = field.alias or name
        models = _models_in(field.annotation)
        if models:
            for sub_shape, sub in models:
                nested.append((sub, f"{path}.{key_name}" if path else key_name, sub_shape))
            if all(shape == "table" for shape, _ in models):
                continue
        text = field.description or notes.get(name, "")
        limits = _constraints(field)
        if limits:
            text = f"{text} ({limits})" if text else limits
        rows.append(
            f"| `{key_name}` | {_cell(_type_name(field.annotation))} | {_cell(_default(field))} "
            f"| {_cell(text)} |"
        )
    if rows:
        lines += ["| Key | Type | Default | Meaning |", "|---|---|---|---|", *rows, ""]
    for sub, sub_path, sub_shape in nested:
        _section(sub, sub_path, sub_shape, lines, seen)


def config_reference() -> str:
    """The page ``reference/config.md``: both experiment kinds, every section and key."""
    from sentcast.config.forecast import ForecastExperiment
    from sentcast.config.textclf import TextclfExperiment

    lines = [
        "# Configuration reference",
        "",
        "Generated from the pydantic models when the site is built, so it always matches "
        "what `sentcast experiment validate` accepts. An experiment file names its kind at the "
        'top (`kind = "forecast"` or `kind = "textclf"`); any key can be changed from the '
        "command line with `--set dotted.key=value` (e.g. `--set grid.windows=[7]`). Relative "
        "paths in a file resolve against the file's folder, those given with `--set` against "
        "the current directory. Unknown keys are errors, named by their dotted path.",
        "",
        "Examples in the repository: `configs/study_btc.toml` (the Bitcoin grid), "
        "`configs/quick_btc.toml` (a one-minute version), `configs/study_sources.toml` "
        "(`[[data.sources]]`), `configs/study_sentiment.toml` (text classification).",
        "",
        '## Forecast experiments (`kind = "forecast"`)',
        "",
    ]
    _section(ForecastExperiment, "", "table", lines, set())
    lines += ['## Text classification experiments (`kind = "textclf"`)', ""]
    _section(TextclfExperiment, "", "table", lines, set())
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# CLI reference


def _commands() -> list[tuple[list[str], Any, Any]]:
    """``(path, command, context)`` for ``sentcast`` and every command under it."""
    import typer.main

    from sentcast.cli.main import app

    root = typer.main.get_command(app)
    found: list[tuple[list[str], Any, Any]] = []

    def walk(command: Any, path: list[str], parent: Any) -> None:
        ctx = command.context_class(command, info_name=path[-1], parent=parent)
        found.append((path, command, ctx))
        for name in sorted(getattr(command, "commands", {})):
            walk(command.commands[name], [*path, name], ctx)

    walk(root, ["sentcast"], None)
    return found


def cli_slug(path: list[str]) -> str:
    """File name of a command's page: ``sentcast market load`` -> ``market-load``."""
    return "-".join(path[1:]) or "sentcast"


def _help_text(text: str) -> str:
    # Typer/click help: paragraphs separated by blank lines; \b marks a verbatim block.
    return inspect.cleandoc(text.replace("\b", "")).strip()


def cli_pages() -> dict[str, str]:
    """``{slug: markdown}`` for every command (groups list their sub-commands)."""
    pages = {}
    for path, command, ctx in _commands():
        name = " ".join(path)
        args = [p for p in command.params if p.param_type_name == "argument"]
        opts = [p for p in command.params if p.param_type_name == "option"]
        subs = getattr(command, "commands", {})
        usage = [name]
        if subs and path == ["sentcast"]:
            usage.append("[GLOBAL OPTIONS]")
        elif opts:
            usage.append("[OPTIONS]")
        for arg in args:
            word = arg.name.upper() + ("..." if arg.nargs == -1 else "")
            usage.append(word if arg.required else f"[{word}]")
        if subs:
            usage.append("COMMAND [ARGS]...")
        lines = [f"# `{name}`", "", "```", " ".join(usage), "```", ""]
        if command.help:
            lines += [_help_text(command.help), ""]
        if args:
            lines += ["## Arguments", "", "| Argument | Meaning |", "|---|---|"]
            for arg in args:
                record = arg.get_help_record(ctx)
                meaning = record[1] if record else ""
                lines.append(f"| `{arg.name.upper()}` | {_cell(meaning)} |")
            lines.append("")
        if opts:
            lines += ["## Options", "", "| Option | Meaning |", "|---|---|"]
            for opt in opts:
                if opt.hidden:
                    continue
                record = opt.get_help_record(ctx)
                if record is None:
                    continue
                lines.append(f"| `{_cell(record[0])}` | {_cell(record[1])} |")
            lines.append("")
        if subs:
            lines += ["## Commands", "", "| Command | What it does |", "|---|---|"]
            for sub_name in sorted(subs):
                sub = subs[sub_name]
                summary = sub.get_short_help_str(limit=120)
                slug = cli_slug([*path, sub_name])
                lines.append(f"| [`{name} {sub_name}`]({slug}.md) | {_cell(summary)} |")
            lines.append("")
        if path == ["sentcast"]:
            lines += [
                "Exit codes: 0 success; 1 a data problem; 2 a usage problem (missing file, "
                "bad option, invalid config); 130 interrupted (the next run resumes). Errors "
                "are one line on stderr (`--debug` shows the traceback); logs and progress go "
                "to stderr, results to files, a short summary to stdout.",
                "",
            ]
        lines.append("*Generated from the Typer app (`sentcast.cli.main.app`) at build time.*")
        pages[cli_slug(path)] = "\n".join(lines) + "\n"
    return pages


def cli_nav() -> list[Any]:
    """The CLI reference's navigation: the top page, then each group with its commands."""
    nav: list[Any] = [{"sentcast": "reference/cli/sentcast.md"}]
    for path, command, _ in _commands():
        if len(path) != 2:
            continue
        if getattr(command, "commands", None):
            children = [
                {f"{path[1]} {sub}": f"reference/cli/{cli_slug([*path, sub])}.md"}
                for sub in sorted(command.commands)
            ]
            nav.append({path[1]: [f"reference/cli/{cli_slug(path)}.md", *children]})
        else:
            nav.append({path[1]: f"reference/cli/{cli_slug(path)}.md"})
    return nav


# ---------------------------------------------------------------------------------------------
# API reference

#: Beyond ``sentcast.__all__``: the estimators and scorers a user builds directly, and the
#: evaluation functions the examples use.
ESTIMATORS = (
    "sentcast.models.statistical.StatisticalForecaster",
    "sentcast.models.flat_baselines.MajorityForecaster",
    "sentcast.models.text.make_text_model",
    "sentcast.models.text.load_text_classifier",
    "sentcast.models.text_classifier.TextClassifier",
    "sentcast.models.text_tfidf.TfidfClassifier",
    "sentcast.models.text_neural.NeuralTextClassifier",
    "sentcast.models.text_embedding.SentenceEmbeddingClassifier",
    "sentcast.models.text_embedding.WordVectorClassifier",
    "sentcast.models.text_tfidf_sentence.TfidfSentenceClassifier",
    "sentcast.models.text_finetune.FineTunedEncoderClassifier",
    "sentcast.models.training.Trainer",
    "sentcast.models.training.TrainingHistory",
    "sentcast.models.text_scorer.ClassifierScorer",
    "sentcast.evaluation.stats.diebold_mariano",
    "sentcast.evaluation.stats.direction_pvalue",
    "sentcast.evaluation.intervals.relative_scores",
    "sentcast.evaluation.intervals.split_conformal",
    "sentcast.evaluation.intervals.adaptive_conformal",
    "sentcast.evaluation.intervals.interval_metrics",
    "sentcast.evaluation.backtest.walk_forward",
)

_OPTIONS = """    options:
      show_root_heading: true
      show_root_full_path: false
      heading_level: 3"""


def api_names() -> list[tuple[str, str]]:
    """``(public name, defining path)`` of every documented object, ``__all__`` first."""
    import sentcast

    exports: dict[str, str] = sentcast._EXPORTS
    names = [(n, f"{exports[n]}.{n}") for n in sentcast.__all__ if n in exports]
    return names + [(p.rsplit(".", 1)[1], p) for p in ESTIMATORS]


#: Section of the API page per subpackage, in data-flow order.
API_SECTIONS = {
    "data": "Data in",
    "features": "Features and windows",
    "sentiment": "Sentiment",
    "models": "Models",
    "evaluation": "Evaluation",
    "experiments": "Experiments",
    "reporting": "Reports",
    "paths": "Paths and errors",
    "errors": "Paths and errors",
}


def api_reference() -> str:
    """The page ``reference/api.md``: ``sentcast.__all__`` by pipeline stage, then the
    estimators."""
    import sentcast

    lines = [
        "# API reference",
        "",
        "Generated from the docstrings (NumPy style) when the site is built. The top-level "
        "names are `sentcast.__all__`: `from sentcast import load_panel, SequenceForecaster` "
        "works (each is imported on first use, so `import sentcast` stays fast). After them, "
        "the estimators a user builds directly from their modules. Worked examples: the "
        "Examples pages.",
        "",
        f"`sentcast.__version__`: the package version (`{sentcast.__version__}`).",
        "",
    ]
    top = set(sentcast.__all__)
    names = api_names()
    by_section: dict[str, list[str]] = {}
    for name, path in names:
        if name in top:
            section = API_SECTIONS.get(path.split(".")[1], "Other")
            by_section.setdefault(section, []).append(path)
    for section in dict.fromkeys([*API_SECTIONS.values(), "Other"]):
        if section in by_section:
            lines += [f"## {section}", ""]
            for path in by_section[section]:
                lines += [f"::: {path}", _OPTIONS, ""]
    lines += ["## Estimators, scorers, training and evaluation", ""]
    for name, path in names:
        if name not in top:
            lines += [f"::: {path}", _OPTIONS, ""]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Examples


def example_pages() -> dict[str, str]:
    """``{stem: markdown}``: each ``examples/*.py`` as its docstring, then its source."""
    import ast

    pages = {}
    for path in sorted((ROOT / "examples").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(source)) or ""
        title, _, body = doc.partition("\n")
        lines = [
            f"# {title.strip() or path.stem}",
            "",
            body.strip(),
            "",
            f"Source: `examples/{path.name}` (the test suite runs it: `tests/test_examples.py`).",
            "",
            "```python",
            source.rstrip(),
            "```",
            "",
        ]
        pages[path.stem] = "\n".join(lines)
    return pages


def example_nav() -> list[Any]:
    """One navigation entry per example, titled by its docstring's first line (up to a
    colon)."""
    nav: list[Any] = []
    for stem, text in example_pages().items():
        title = text.splitlines()[0].removeprefix("# ").split(":")[0].rstrip(".")
        nav.append({title: f"examples/{stem}.md"})
    return nav


# ---------------------------------------------------------------------------------------------
# MkDocs hooks


def _replace_nav(nav: list[Any], key: str, value: list[Any]) -> bool:
    for item in nav:
        if isinstance(item, dict):
            for title, child in item.items():
                if title == key:
                    item[title] = value
                    return True
                if isinstance(child, list) and _replace_nav(child, key, value):
                    return True
    return False


def on_config(config: Any) -> Any:
    """Fill the generated parts of the navigation (``CLI reference``, ``Examples``)."""
    nav = config["nav"]
    if nav is not None:
        _replace_nav(nav, "CLI reference", cli_nav())
        _replace_nav(nav, "Examples", example_nav())
    return config


_HTML_ROLE = re.compile(r":(?:func|class|mod|meth|attr|data|exc|obj):<code>(~?)([^<]*)</code>")


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    """Docstrings use Sphinx roles (``:func:`x```), which mkdocstrings leaves as text: show
    them as plain code (``~a.b.C`` as ``C``)."""

    def code(match: re.Match[str]) -> str:
        name = match.group(2).rsplit(".", 1)[-1] if match.group(1) else match.group(2)
        return f"<code>{name}</code>"

    return _HTML_ROLE.sub(code, html)


def on_files(files: Any, config: Any) -> Any:
    """Add the generated pages to the build (in memory; ``docs/`` is not written)."""
    from mkdocs.structure.files import File

    generated = {
        "reference/config.md": config_reference(),
        "reference/api.md": api_reference(),
    }
    for slug, text in cli_pages().items():
        generated[f"reference/cli/{slug}.md"] = text
    for stem, text in example_pages().items():
        generated[f"examples/{stem}.md"] = text
    for uri, text in generated.items():
        files.append(File.generated(config, uri, content=text))
    return files
