"""The floor plan of docs/architecture.md, enforced on every import statement.

* ``fake1688`` is built on the wire rules only: of ``pailitao`` it imports
  ``pailitao.wire`` and nothing else.
* ``pailitao.wire`` stands alone: the standard library and itself.
* Only the wiring rooms of ``pailitao`` (the pytest plugin and the command
  lines) import ``fake1688``.
* The fake's rooms import downwards only: the catalog nothing of the others,
  the engine the catalog, the admin surface the engine, the HTTP adapters the
  admin surface; the front door (``gateway``, ``server``, ``cli``) any room.
* docs/architecture.md's Rooms table lists the fake's rooms file by file as the
  tree has them, the files of the pailitao packages it details, and every part
  of pailitao.
* No module imports itself through others: the import graph of both packages
  has no cycle.

Imports inside functions and under ``TYPE_CHECKING`` count as much as the
ones at the top of a module.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAILITAO = ROOT / "src" / "pailitao"
FAKE = ROOT / "fake_server" / "fake1688"
#: The modules that wire rooms together.
WIRING = {"pytest_plugin.py", "cli/__init__.py", "cli/_search.py", "contract/cli.py"}


def _module_name(path: Path) -> str:
    base = PAILITAO.parent if PAILITAO in path.parents else FAKE.parent
    parts = path.relative_to(base).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> Iterator[str]:
    """Every module an import statement in ``path`` names, relative ones resolved."""
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _sources(root: Path) -> list[Path]:
    return sorted(root.rglob("*.py"))


def test_imports_are_resolved_as_python_does() -> None:
    found = set(imports_of(PAILITAO / "wire" / "__init__.py"))
    assert {"pailitao.wire.aop", "pailitao.wire.top"} <= found
    found = set(imports_of(FAKE / "engine" / "pipeline.py"))
    assert "fake1688.engine.checks" in found
    assert "pailitao.wire.signing" in found


@pytest.mark.parametrize("path", _sources(FAKE), ids=lambda p: str(p.relative_to(FAKE)))
def test_the_fake_takes_only_the_wire_rules_from_pailitao(path: Path) -> None:
    used = {name for name in imports_of(path) if name.split(".")[0] == "pailitao"}
    outside = sorted(name for name in used if not name.startswith("pailitao.wire"))
    assert not outside, f"{path.name} imports {outside}; the fake may use pailitao.wire only"


@pytest.mark.parametrize(
    "path", _sources(PAILITAO / "wire"), ids=lambda p: str(p.relative_to(PAILITAO))
)
def test_the_wire_rules_stand_alone(path: Path) -> None:
    for name in imports_of(path):
        root = name.split(".")[0]
        if root == "pailitao":
            assert name.startswith("pailitao.wire"), f"{path.name} imports {name}"
        else:
            assert root in sys.stdlib_module_names or root == "__future__", (
                f"{path.name} imports {name}: the wire rules use the standard library only"
            )


@pytest.mark.parametrize("path", _sources(PAILITAO), ids=lambda p: str(p.relative_to(PAILITAO)))
def test_only_the_wiring_rooms_import_the_fake(path: Path) -> None:
    if path.relative_to(PAILITAO).as_posix() in WIRING:
        return
    fake = sorted(name for name in imports_of(path) if name.split(".")[0] == "fake1688")
    assert not fake, f"{path.relative_to(PAILITAO)} imports {fake}; only {sorted(WIRING)} may"


#: The fake's rooms, lowest first: each may import the rooms before it.
ROOMS = ("catalog", "engine", "admin", "http", "ui")


def _room(module: str) -> int:
    """A fake1688 module's place in ROOMS; the front door ranks above every room."""
    room = module.split(".")[1:2]
    return ROOMS.index(room[0]) if room and room[0] in ROOMS else len(ROOMS)


def test_the_tree_has_the_rooms() -> None:
    assert sorted(p.name for p in FAKE.iterdir() if (p / "__init__.py").exists()) == sorted(ROOMS)
    front_door = {p.stem for p in FAKE.glob("*.py")}
    assert front_door == {"__init__", "__main__", "cli", "gateway", "server"}


@pytest.mark.parametrize("path", _sources(FAKE), ids=lambda p: str(p.relative_to(FAKE)))
def test_the_fake_rooms_import_downwards(path: Path) -> None:
    here = _module_name(path)
    known = _modules()
    upward = sorted(
        name
        for name in _imported_modules(path, known)
        if name.startswith("fake1688.") and _room(name) > _room(here)
    )
    assert not upward, f"{here} ({_rank(here)}) imports {upward}; a room imports only lower rooms"


def _rank(module: str) -> str:
    rank = _room(module)
    return ROOMS[rank] if rank < len(ROOMS) else "front door"


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for root in (PAILITAO, FAKE) for path in _sources(root)}


def _imported_modules(path: Path, known: dict[str, Path]) -> set[str]:
    """The modules ``path`` imports: ``from p import x`` names the module ``p.x``
    when there is one, else the module ``p``."""
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.update(
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                for alias in node.names
            )
    return found & known.keys()


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in ``graph``, as the modules along it, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for other in sorted(graph[module]):
            if state.get(other) == 1:
                return [*path[path.index(other) :], other]
            if other not in state and (found := visit(other)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_the_import_graph_has_no_cycle() -> None:
    known = _modules()
    graph = {
        name: _imported_modules(path, known) - {name, *_parents(name)}
        for name, path in known.items()
    }
    cycle = _cycle(graph)
    assert cycle is None, "an import cycle: " + " -> ".join(cycle or [])


def _parents(name: str) -> set[str]:
    """A module's packages: importing one's own package (its __init__) is no cycle."""
    parts = name.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def test_a_cycle_is_found() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def _rooms_table() -> list[str]:
    """The rows of the Rooms table in docs/architecture.md."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("## Rooms", 1)[1].split("\n\n", 2)[1]
    return [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]


def _named(row: str) -> set[str]:
    """The file names a row of the table quotes (``x.py``), its code column only."""
    code = row.split(" | ")[1]
    return set(re.findall(r"`([\w]+\.py)`", code))


@pytest.mark.parametrize("room", [*ROOMS, "front door"])
def test_the_architecture_page_lists_each_fake_room_as_the_tree_has_it(room: str) -> None:
    folder = FAKE if room == "front door" else FAKE / room
    marker = f"`{folder.relative_to(ROOT).as_posix()}/`"
    (row,) = [row for row in _rooms_table() if row.split(" | ")[1].startswith(marker)]
    on_disk = {p.name for p in folder.glob("*.py")} - {"__main__.py"}
    if room != "front door":
        on_disk -= {"__init__.py"}
    assert _named(row) == on_disk


@pytest.mark.parametrize("package", ["wire", "client", "models"])
def test_the_architecture_page_lists_each_pailitao_package_it_details(package: str) -> None:
    folder = PAILITAO / package
    marker = f"`{folder.relative_to(ROOT).as_posix()}/`"
    (row,) = [row for row in _rooms_table() if marker in row.split(" | ")[1]]
    on_disk = {p.name for p in folder.glob("*.py")}
    if package == "wire":
        on_disk -= {"__init__.py"}
    assert on_disk <= _named(row)


def test_the_architecture_page_names_every_part_of_pailitao() -> None:
    code = " ".join(row.split(" | ")[1] for row in _rooms_table())
    parts = {
        p.name for p in PAILITAO.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    parts -= {"__init__.py", "py.typed"}
    spellings = ("`{}`", "/{}`", "/{}/`")
    missing = sorted(p for p in parts if not any(s.format(p) in code for s in spellings))
    assert not missing, f"docs/architecture.md's Rooms table does not name {missing}"
