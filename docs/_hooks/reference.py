"""MkDocs hooks: reference sections generated from the code, so they cannot drift.

A page asks for a generated section with an HTML comment on a line of its own:

* ``<!-- generated: cli pailitao -->`` / ``<!-- generated: cli fake1688 -->``: the
  ``--help`` of the command and of every subcommand, from its argparse parser;
* ``<!-- generated: pytest-options -->``, ``pytest-fixtures``, ``pytest-markers``:
  from ``pailitao.pytest_plugin`` itself;
* ``<!-- generated: version -->``: the version being documented;
* ``<!-- generated: home-search -->``: what the fake answers for one of its
  catalog's photos, with the photos themselves (added to the site's files).

And ``<!-- not-run: REASON -->`` before a code block (the docs tests' marker for
an example they cannot run) is shown on the site as a note, so readers see it too.
"""

from __future__ import annotations

import argparse
import functools
import html
import inspect
import os
import re
from collections.abc import Callable, Iterator
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

_GENERATED = re.compile(r"^<!--\s*generated:\s*([\w-]+)\s*([\w-]*)\s*-->$", re.MULTILINE)
_NOT_RUN = re.compile(r"^<!--\s*not-run:\s*(.*?)\s*-->$", re.MULTILINE)
_FENCED = re.compile(r"(^(?P<fence>`{3,}|~{3,}).*?^(?P=fence)[ \t]*$)", re.MULTILINE | re.DOTALL)
_HELP_WIDTH = "100"


def on_page_markdown(markdown: str, **_: Any) -> str:
    """Expand the generated sections and show the not-run notes (outside code blocks)."""
    chunks, start = [], 0
    for fenced in _FENCED.finditer(markdown):  # fenced code is left alone
        chunks += [_expand(markdown[start : fenced.start()]), fenced.group(0)]
        start = fenced.end()
    return "".join([*chunks, _expand(markdown[start:])])


def _expand(text: str) -> str:
    text = _GENERATED.sub(lambda m: _generate(m.group(1), m.group(2)), text)
    return _NOT_RUN.sub(lambda m: f'!!! note "Not run by the docs tests"\n    {m.group(1)}\n', text)


def _generate(kind: str, argument: str) -> str:
    generators: dict[str, Callable[[], str]] = {
        "cli": lambda: cli_reference(argument),
        "pytest-options": pytest_options,
        "pytest-fixtures": pytest_fixtures,
        "pytest-markers": pytest_markers,
        "version": version,
        "home-search": home_search,
    }
    if kind not in generators:
        raise ValueError(f"unknown generated section {kind!r}; use one of {sorted(generators)}")
    return generators[kind]()


# -- command lines ---------------------------------------------------------------


def _parser(program: str) -> argparse.ArgumentParser:
    if program == "pailitao":
        from pailitao import cli  # noqa: PLC0415
    elif program == "fake1688":
        from fake1688 import cli  # type: ignore[no-redef]  # noqa: PLC0415
    else:
        raise ValueError(f"no command line called {program!r}")
    parser: argparse.ArgumentParser = cli._parser()
    return parser


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def cli_reference(program: str) -> str:
    """Every command's ``--help``, each under its own heading."""
    old = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = _HELP_WIDTH
    try:
        sections = []
        for path, parser in _commands(_parser(program), (program,)):
            level = "##" if len(path) == 1 else "###"
            title = " ".join(path)
            sections.append(f"{level} `{title}`\n\n```text\n{parser.format_help()}```\n")
        return "\n".join(sections)
    finally:
        if old is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = old


# -- the pytest plugin -----------------------------------------------------------


class _Recorder:
    """Stands in for pytest's parser, option group and config to see what the plugin adds."""

    def __init__(self) -> None:
        self.options: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        self.ini: list[tuple[str, str]] = []
        self.lines: list[tuple[str, str]] = []

    def getgroup(self, *_: Any, **__: Any) -> _Recorder:
        return self

    def addoption(self, *names: str, **options: Any) -> None:
        self.options.append((names, options))

    def addini(self, name: str, help: str, *_: Any, **__: Any) -> None:
        self.ini.append((name, help))

    def addinivalue_line(self, name: str, line: str) -> None:
        self.lines.append((name, line))


def _cell(text: str) -> str:
    """Text for a Markdown table cell: one line, no bare ``|``, ``<`` not read as a tag."""
    return html.escape(" ".join(str(text).split()), quote=False).replace("|", "\\|")


def _default(options: dict[str, Any]) -> str:
    """The option's default, or what its help says the default is (e.g. a mode from $ENV)."""
    if options.get("default") is not None:
        return f"`{options['default']}`"
    said = re.search(r"default: ([^)]*)\)", options.get("help", ""))
    return _cell(said.group(1)) if said else ""


def pytest_options() -> str:
    """A table of the plugin's command-line options and ini settings."""
    from pailitao import pytest_plugin  # noqa: PLC0415

    recorder = _Recorder()
    pytest_plugin.pytest_addoption(recorder)  # type: ignore[arg-type]
    rows = ["| option | values | default | what it does |", "|---|---|---|---|"]
    for names, options in recorder.options:
        choices = options.get("choices")
        values = " \\| ".join(f"`{c}`" for c in choices) if choices else options.get("metavar", "")
        rows.append(
            f"| `{', '.join(names)}` | {values} | {_default(options)} | "
            f"{_cell(options.get('help', ''))} |"
        )
    for name, text in recorder.ini:
        rows.append(f"| `{name}` (ini) | | | {_cell(text)} |")
    return "\n".join(rows) + "\n"


def _fixture(value: object) -> tuple[str, str] | None:
    """(name, scope) of a pytest fixture function, for pytest 8.4+ and earlier."""
    marker = getattr(value, "_fixture_function_marker", None)  # pytest >= 8.4
    marker = marker or getattr(value, "_pytestfixturefunction", None)
    if marker is None:
        return None
    return marker.name or getattr(value, "__name__", ""), str(marker.scope)


def pytest_fixtures() -> str:
    """A table of the plugin's public fixtures, their scope and their docstring."""
    from pailitao import pytest_plugin  # noqa: PLC0415

    rows = ["| fixture | scope | what it gives |", "|---|---|---|"]
    for name, value in inspect.getmembers(pytest_plugin):
        fixture = _fixture(value)
        if fixture is not None and not name.startswith("_"):
            doc = inspect.cleandoc(value.__doc__ or "").split("\n\n")[0]
            rows.append(f"| `{fixture[0]}` | {fixture[1]} | {_cell(_plain(doc))} |")
    return "\n".join(rows) + "\n"


def pytest_markers() -> str:
    """The plugin's markers as registered with pytest."""
    from pailitao import pytest_plugin  # noqa: PLC0415

    recorder = _Recorder()
    pytest_plugin.pytest_configure(recorder)  # type: ignore[arg-type]
    entries = []
    for kind, line in recorder.lines:
        if kind == "markers":
            signature, _, text = line.partition(": ")
            entries.append(f"- `@pytest.mark.{signature}`: {text}")
    return "\n".join(entries) + "\n"


def _plain(text: str) -> str:
    """Sphinx roles as code: ``:class:`X``` becomes ``X`` in backticks."""
    return re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text).replace("``", "`")


# -- the home page ---------------------------------------------------------------

#: The catalog offer whose photo the home page searches with, and how many offers it shows.
_HOME_QUERY, _HOME_SHOWN = 7, 5
_HOME_ASSETS = "assets/home"


def version() -> str:
    """``pailitao X.Y.Z``."""
    from pailitao import __version__  # noqa: PLC0415

    return f"pailitao {__version__}\n"


@functools.cache
def _home_search() -> tuple[bytes, list[tuple[Any, bytes]]]:
    """The query photo, and each offer the fake returns for it with its photo."""
    from fake1688 import (  # noqa: PLC0415
        DEMO_APP,
        Catalog,
        FakeGateway,
    )

    from pailitao import PailitaoClient  # noqa: PLC0415
    from pailitao.wire import in_process_url  # noqa: PLC0415

    catalog = Catalog.default(0)
    gateway = FakeGateway(catalog=catalog)
    offers = {offer.num_iid: offer for offer in catalog.offers}
    photo = catalog.image_bytes(catalog.offers[_HOME_QUERY])
    with PailitaoClient(
        app_key=DEMO_APP.app_key,
        app_secret=DEMO_APP.app_secret,
        base_url=in_process_url("top"),
        transport=gateway.transport(),
    ) as client:
        page = client.search_image(file=photo, page_size=_HOME_SHOWN)
    return photo, [(item, catalog.image_bytes(offers[item.num_iid])) for item in page.items]


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Add the home page's photos to the site."""
    photo, found = _home_search()
    files.append(File.generated(config, f"{_HOME_ASSETS}/query.jpg", content=photo))
    for rank, (_, data) in enumerate(found, 1):
        files.append(File.generated(config, f"{_HOME_ASSETS}/offer-{rank}.jpg", content=data))
    return files


def home_search() -> str:
    """The query photo beside the offers the fake returns for it, best first."""
    _, found = _home_search()
    ranks = range(1, len(found) + 1)
    rows = [
        "| the photo | " + " | ".join(f"#{rank}" for rank in ranks) + " |",
        "|---" * (len(found) + 1) + "|",
        f"| ![the query photo]({_HOME_ASSETS}/query.jpg) | "
        + " | ".join(f"![offer {rank}]({_HOME_ASSETS}/offer-{rank}.jpg)" for rank in ranks)
        + " |",
        "| | " + " | ".join(_cell(item.title) for item, _ in found) + " |",
        "| | " + " | ".join(f"¥{item.price}" for item, _ in found) + " |",
    ]
    return "\n".join(rows) + "\n"
