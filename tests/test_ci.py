""".ci/newest_within_bounds.py: which dependencies it checks, and what it calls behind."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from packaging.version import Version

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "newest_within_bounds.py"


@pytest.fixture(scope="module")
def newest() -> ModuleType:
    spec = importlib.util.spec_from_file_location("newest_within_bounds", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_it_checks_every_capped_dependency_and_only_those(newest: ModuleType) -> None:
    names = [requirement.name for requirement in newest.capped()]
    assert {"starlette", "uvicorn", "limits", "python-multipart"} <= set(names)
    assert "Pillow" not in names  # no upper bound
    assert "pailitao" not in names  # the extras that name the project itself


def test_an_installed_release_older_than_the_newest_within_the_cap_fails(
    newest: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def released(name: str) -> list[Version]:
        installed = Version(newest.metadata.version(name))
        bumped = Version(f"{installed.major}.{installed.minor}.{installed.micro + 1}")
        # The next major release is outside every cap, so it never counts.
        return [installed, Version(f"{installed.major + 1}.0"), *([bumped] * (name == "uvicorn"))]

    monkeypatch.setattr(newest, "released", released)
    assert newest.main() == 1
    out, err = capsys.readouterr()
    assert "behind" in next(line for line in out.splitlines() if line.startswith("uvicorn"))
    assert "behind" not in next(line for line in out.splitlines() if line.startswith("starlette"))
    assert "1 capped dependency(ies) behind" in err


def test_the_newest_release_passes(newest: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(newest, "released", lambda name: [Version(newest.metadata.version(name))])
    assert newest.main() == 0
