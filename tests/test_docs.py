"""Every code example in README.md and docs/**/*.md runs, so the docs cannot rot.

The convention (also in docs/contributing-docs.md):

* A ```python block runs with ``exec``. The blocks of one page share a namespace
  and run in order, in a scratch directory holding the photos examples name
  (``photo.jpg``, ``shoe.jpg``, ``handbag.jpg``, ``red_dress.jpg``,
  ``my_photos/*.jpg``: copies of the fake's catalog photos). ``jpeg_bytes`` is
  predefined as the bytes of ``photo.jpg``.
* A block whose first line is ``# NAME.py`` (also in ```toml, ```ini, ```yaml
  blocks), or any block preceded by
  ``<!-- docs-test: file=PATH -->``, is written to that file in the scratch
  directory instead; a later ```console block typically runs it (``$ pytest``).
* A ```console block is a shell session: ``$ `` lines are commands (a trailing
  ``\\`` continues one), the lines under a command its expected output. The
  commands run in one bash, so ``export`` and ``cd`` carry over; exported
  variables also carry over to the page's later sessions. Output is
  compared line by line; a line ``...`` stands for any number of lines and
  ``...`` inside a line for any text. A command with no output shown is not
  compared. Every command must exit 0, or the status given by
  ``<!-- docs-test: exit=N -->``. ``<!-- docs-test: cwd=repo -->`` runs a
  session in the repository root instead, for commands that read its files
  (they must not write there).
* ``http://127.0.0.1:8688`` (what ``make serve`` listens on) is rewritten to a
  fake gateway this module starts on a free port.
* A block that cannot run says so, visibly, right before it:
  ``<!-- not-run: REASON -->`` (the site renders it as a note). Any other
  ```python/```console/```bash block is an error: run it or give the reason.

Blocks in pages another team owns, which cannot carry a marker yet, are
listed in ``EXTERNAL_NOT_RUN`` with their reason; an entry that matches no
block fails, so the list cannot go stale.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fake1688 import Catalog, FakeGateway
from fake1688.server import ThreadedServer

from pailitao.contract import check as contract_check

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MAKE_SERVE_URL = "http://127.0.0.1:8688"
CODE_LANGUAGES = frozenset({"python", "py", "pycon", "console", "bash", "sh", "shell", "zsh"})
MARKER = re.compile(r"<!--\s*(not-run|docs-test):(.*?)-->", re.DOTALL)
FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<lang>[\w+-]*)[^\n]*$")
FILE_COMMENT = re.compile(r"#\s*(?:file:\s*)?(?P<path>[\w./-]+\.\w+)\s*$")
OPTIONS = frozenset({"file", "exit", "cwd"})
#: Languages whose blocks may name their file in a first-line ``# NAME.ext`` comment.
FILE_COMMENT_LANGUAGES = frozenset({"python", "py", "toml", "ini", "cfg", "yaml"})
#: Photos the examples name, by the index of the catalog offer they copy.
PHOTOS = {
    "photo.jpg": 0,
    "shoe.jpg": 1,
    "handbag.jpg": 2,
    "red_dress.jpg": 3,
    "my_photos/teapot.jpg": 4,
    "my_photos/lamp.jpg": 5,
    "my_photos/vase.jpg": 6,
}
#: (page, first line of the block) -> why it does not run; pages we may not edit yet.
EXTERNAL_NOT_RUN: dict[tuple[str, str], str] = {}
#: How many blocks are shown but not run; change it when you add or remove one on purpose.
NOT_RUN_COUNT = 14
TIMEOUT = 180
BASH = shutil.which("bash") or "/bin/bash"


@dataclass
class Block:
    """One fenced code block of a page."""

    page: str
    line: int
    lang: str
    text: str
    not_run: str | None = None
    options: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"

    @property
    def first_line(self) -> str:
        return self.text.split("\n", 1)[0]

    @property
    def file(self) -> str | None:
        if "file" in self.options:
            return self.options["file"]
        if self.lang in FILE_COMMENT_LANGUAGES:
            match = FILE_COMMENT.fullmatch(self.first_line)
            return match.group("path") if match else None
        return None

    @property
    def action(self) -> str:
        """``file``, ``python``, ``console``, ``not-run``, ``none`` (not code) or ``broken``."""
        if self.not_run is not None:
            return "not-run"
        if self.file is not None:
            return "file"
        if self.lang in ("python", "py"):
            return "python"
        if self.lang == "console" and any(line.startswith("$ ") for line in self.lines):
            return "console"
        return "broken" if self.lang in CODE_LANGUAGES else "none"

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


def pages() -> list[Path]:
    """README.md and every Markdown page under docs/."""
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def parse(path: Path) -> list[Block]:
    """The fenced blocks of a page, each with the markers right before it."""
    page = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    blocks: list[Block] = []
    number = 0
    while number < len(lines):
        opening = FENCE.match(lines[number])
        if not opening:
            number += 1
            continue
        fence, indent = opening.group("fence"), len(opening.group("indent"))
        end = number + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        body = "\n".join(line[indent:] for line in lines[number + 1 : end])
        block = Block(page, number + 1, opening.group("lang").lower(), body)
        _read_markers(block, lines, number)
        blocks.append(block)
        number = end + 1
    return blocks


def _read_markers(block: Block, lines: list[str], fence_line: int) -> None:
    """Apply the marker comments in the lines just above the fence (blank lines allowed)."""
    above = fence_line - 1
    while above >= 0 and not lines[above].strip():
        above -= 1
    while above >= 0 and lines[above].strip().startswith("<!--"):
        for kind, content in MARKER.findall(lines[above]):
            if kind == "not-run":
                block.not_run = content.strip()
            else:
                for option in content.split():
                    key, _, value = option.partition("=")
                    block.options[key] = value
        above -= 1


def all_blocks() -> list[Block]:
    return [block for path in pages() for block in parse(path)]


def external_reason(block: Block) -> str | None:
    return EXTERNAL_NOT_RUN.get((block.page, block.first_line))


# -- the convention itself -------------------------------------------------------


def test_every_code_block_runs_or_says_why_not() -> None:
    problems = []
    for block in all_blocks():
        if block.action == "broken" and external_reason(block) is None:
            problems.append(
                f"{block.where}: a ```{block.lang} block that is not run; make it a ```python "
                "block, a ```console block with '$ ' commands, or put "
                "'<!-- not-run: REASON -->' right before it"
            )
        if block.not_run is not None and not block.not_run:
            problems.append(f"{block.where}: <!-- not-run: --> needs a reason")
        unknown = set(block.options) - OPTIONS
        if unknown:
            problems.append(f"{block.where}: unknown docs-test option(s) {sorted(unknown)}")
    assert not problems, "\n".join(problems)


def test_external_exceptions_still_match_a_block() -> None:
    seen = {(block.page, block.first_line) for block in all_blocks()}
    stale = [key for key in EXTERNAL_NOT_RUN if key not in seen]
    assert not stale, f"EXTERNAL_NOT_RUN entries that match no block any more: {stale}"


def test_not_run_blocks_are_counted() -> None:
    not_run = [
        f"{block.where}: {block.not_run or external_reason(block)}"
        for block in all_blocks()
        if block.action == "not-run" or external_reason(block)
    ]
    assert len(not_run) == NOT_RUN_COUNT, (
        f"{len(not_run)} blocks are not run (NOT_RUN_COUNT says {NOT_RUN_COUNT}); "
        "if that is on purpose, update it:\n" + "\n".join(not_run)
    )


def test_the_convention_parses_markers_files_and_sessions(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- not-run: needs live credentials -->\n```python\nx = 1\n```\n\n"
        "<!-- docs-test: file=data/items.csv -->\n\n```csv\nfile,title\n```\n"
        "```python\n# test_it.py\ndef test_it(): pass\n```\n"
        "```console\n$ echo a \\\n    b\na b\n```\n```bash\nls\n```\n```text\nplain\n```\n",
        encoding="utf-8",
    )
    found = [(b.action, b.file, b.not_run) for b in parse(page)]
    assert found == [
        ("not-run", None, "needs live credentials"),
        ("file", "data/items.csv", None),
        ("file", "test_it.py", None),
        ("console", None, None),
        ("broken", None, None),
        ("none", None, None),
    ]
    assert commands(parse(page)[3]) == [("echo a \\\n    b", ["a b"])]


# -- running them ----------------------------------------------------------------


def commands(block: Block) -> list[tuple[str, list[str]]]:
    """The ``$`` commands of a console block, each with its expected output lines."""
    result: list[tuple[str, list[str]]] = []
    lines = block.lines
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith("$ "):
            index += 1
            continue
        command = [line[2:]]
        while command[-1].endswith("\\") and index + 1 < len(lines):
            index += 1
            command.append(lines[index])
        index += 1
        output = []
        while index < len(lines) and not lines[index].startswith("$ "):
            output.append(lines[index])
            index += 1
        while output and not output[-1].strip():
            output.pop()
        result.append(("\n".join(command), output))
    return result


def _line_pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in expected.rstrip().split("...")))


def output_matches(expected: list[str], actual: list[str]) -> bool:
    """Line-by-line match; a line ``...`` is any number of lines, ``...`` in a line any text."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head.strip() == "...":
        return any(output_matches(rest, actual[skip:]) for skip in range(len(actual) + 1))
    return (
        bool(actual)
        and bool(_line_pattern(head).fullmatch(actual[0].rstrip()))
        and output_matches(rest, actual[1:])
    )


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.default(0)


@pytest.fixture(scope="module")
def server() -> Iterator[ThreadedServer]:
    """The fake gateway standing in for ``make serve``."""
    with ThreadedServer(FakeGateway()) as running:
        yield running


@pytest.fixture
def workdir(tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, index in PHOTOS.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(catalog.image_bytes(catalog.offers[index]))
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("PAILITAO_"):
            monkeypatch.delenv(name)
    return tmp_path


def _shell_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAILITAO_", "PYTEST_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(workdir)
    env["COLUMNS"] = "80"
    env.pop("VIRTUAL_ENV", None)
    # A reader's pytest has no schemathesis (our own test dependency); its plugin
    # would add 1.7 s to every pytest the pages run.
    env["PYTEST_ADDOPTS"] = "-p no:schemathesis"
    return env


def run_console(block: Block, workdir: Path, url: str) -> None:
    steps = commands(block)
    where = ROOT if block.options.get("cwd") == "repo" else workdir
    saved = workdir / ".docs-test-env"  # exports carry over to the page's next sessions
    script = [f"[ -f {_quote(str(saved))} ] && . {_quote(str(saved))}", "cd " + _quote(str(where))]
    for number, (command, _) in enumerate(steps):
        script.append(f"printf '\\n@@docs-test {number}@@\\n'")
        script.append("{ " + command.replace(MAKE_SERVE_URL, url) + "\n} 2>&1")
        script.append(f"printf '\\n@@docs-status {number} %s@@\\n' $?")
    script.append(f"export -p > {_quote(str(saved))}")
    result = subprocess.run(
        [BASH, "-c", "\n".join(script)],
        capture_output=True,
        text=True,
        env=_shell_env(workdir),
        timeout=TIMEOUT,
        check=False,
    )
    text = result.stdout.replace(url, MAKE_SERVE_URL)
    want_status = int(block.options.get("exit", "0"))
    for number, (command, expected) in enumerate(steps):
        match = re.search(
            rf"\n@@docs-test {number}@@\n(.*?)\n@@docs-status {number} (\d+)@@", text, re.DOTALL
        )
        assert match, f"{block.where}: `{command}` did not run:\n{text}{result.stderr}"
        output, status = match.group(1).split("\n"), int(match.group(2))
        while output and not output[-1].strip():
            output.pop()
        shown = "\n".join(output)
        assert status == want_status, (
            f"{block.where}: `{command}` exited {status}, expected {want_status}:\n{shown}"
        )
        if expected:
            assert output_matches(expected, output), (
                f"{block.where}: `{command}` printed\n{shown}\n--- but the docs show\n"
                + "\n".join(expected)
            )


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def run_page(page: Path, workdir: Path, url: str) -> int:
    """Run every runnable block of a page in order; returns how many ran."""
    namespace: dict[str, Any] = {
        "__name__": "__docs__",
        "jpeg_bytes": (workdir / "photo.jpg").read_bytes(),
    }
    ran = 0
    for block in parse(page):
        if external_reason(block) is not None:
            continue
        if block.action == "file":
            target = workdir / str(block.file)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.text.replace(MAKE_SERVE_URL, url), encoding="utf-8")
            if target.suffix == ".py":
                compile(block.text, block.where, "exec")
        elif block.action == "python":
            code = compile(block.text.replace(MAKE_SERVE_URL, url), block.where, "exec")
            exec(code, namespace)  # noqa: S102 - our own docs
        elif block.action == "console":
            run_console(block, workdir, url)
        else:
            continue
        ran += 1
    return ran


RUNNABLE = [
    path.relative_to(ROOT).as_posix()
    for path in pages()
    if any(block.action in ("python", "console", "file") for block in parse(path))
]


def test_cwd_option_is_repo_or_absent() -> None:
    bad = [b.where for b in all_blocks() if b.options.get("cwd", "repo") != "repo"]
    assert not bad, f"cwd= takes only 'repo': {bad}"


@pytest.mark.parametrize("page", RUNNABLE)
def test_examples_run(
    page: str, workdir: Path, server: ThreadedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Examples may register contract checks; keep them out of the other tests.
    monkeypatch.setattr(contract_check, "_CHECKS", dict(contract_check._CHECKS))
    server.gateway.reset()
    assert run_page(ROOT / page, workdir, server.url) > 0


def test_output_matching() -> None:
    assert output_matches(["a", "...", "d"], ["a", "b", "c", "d"])
    assert output_matches(["a ... c"], ["a bb c"])
    assert output_matches(["...", "x"], ["x"])
    assert not output_matches(["a", "b"], ["a", "c"])
    assert not output_matches(["a"], ["a", "b"])


def test_shell_is_available() -> None:
    assert Path(BASH).exists(), "the console examples need bash"


def test_the_api_page_lists_the_whole_public_api() -> None:
    import pailitao

    page = (DOCS / "reference" / "api" / "pailitao.md").read_text("utf-8")
    listed = re.findall(r"^        - (\w+)$", page, re.MULTILINE)
    assert sorted(listed) == sorted(set(pailitao.__all__) - {"__version__"})
