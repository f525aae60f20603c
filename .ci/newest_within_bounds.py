"""Fail unless every dependency with an upper bound is installed at its newest release within it.

pyproject.toml caps the libraries whose internals or young APIs the fake leans
on (starlette, uvicorn, limits, python-multipart, ...). A cap keeps a breaking
major release out; this check makes sure the suite that just passed ran
against the newest release the cap still lets in, so a breaking minor release
shows up in CI rather than on a user's machine. It asks the package index
through pip (``pip index versions``), so it honours the machine's pip
configuration. Run by ``.ci/run`` after ``make test``, as ``make newest``.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import InvalidVersion, Version

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def capped() -> list[Requirement]:
    """The project's requirements (core and extras) that carry an upper bound."""
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    texts = [*project["dependencies"]]
    for group in project.get("optional-dependencies", {}).values():
        texts += [t for t in group if not t.startswith(project["name"])]
    found: dict[str, Requirement] = {}
    for text in texts:
        requirement = Requirement(text)
        if any(spec.operator in {"<", "<=", "~=", "=="} for spec in requirement.specifier):
            found.setdefault(requirement.name.lower(), requirement)
    return sorted(found.values(), key=lambda r: r.name.lower())


def released(name: str) -> list[Version]:
    """Every release of ``name`` the package index lists."""
    answer = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", name],
        capture_output=True,
        text=True,
        check=False,
    )
    listed = re.search(r"^Available versions: (.+)$", answer.stdout, re.M)
    if answer.returncode or listed is None:
        raise SystemExit(f"cannot list the releases of {name}: {answer.stderr.strip()}")
    versions = []
    for text in listed.group(1).split(", "):
        try:
            versions.append(Version(text))
        except InvalidVersion:
            continue
    return versions


def main() -> int:
    behind = 0
    for requirement in capped():
        newest = max(
            (v for v in released(requirement.name) if requirement.specifier.contains(v)),
            default=None,
        )
        installed = Version(metadata.version(requirement.name))
        verdict = "newest" if newest is None or installed >= newest else f"behind {newest}"
        behind += verdict != "newest"
        print(f"{requirement.name:20} {requirement.specifier!s:14} {installed!s:10} {verdict}")
    if behind:
        print(
            f"{behind} capped dependency(ies) behind their newest release within the cap: "
            "upgrade them (pip install -U) and run make test again",
            file=sys.stderr,
        )
    return 1 if behind else 0


if __name__ == "__main__":
    sys.exit(main())
