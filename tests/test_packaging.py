"""The wheel and the sdist install and work on their own.

Both are built once per session from the working tree with ``python -m build
--no-isolation``: no network, since hatchling and build come from the dev group.
Each is installed ``--no-deps --no-index`` into a fresh venv whose only view of
the dependencies is a ``.pth`` file naming the dev venv's site-packages. A path line
in a ``.pth`` is appended to ``sys.path`` but the ``.pth`` files in that folder are
not read, so the dev venv's editable install (its own ``.pth`` naming ``src/`` and
``fake_server/``) does not leak in: ``pailitao`` and ``fake1688`` can only come from
the installed wheel, and the tests check that they do.

The sdist is unpacked; a wheel built from it is installed and smoked the same way,
and the tests that read its non-Python files run from it against that install.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from pailitao import __version__

ROOT = Path(__file__).resolve().parents[1]
NAME = f"pailitao-{__version__}"
# The import packages and the folders of the tree they are built from.
PACKAGES = {"pailitao": ROOT / "src" / "pailitao", "fake1688": ROOT / "fake_server" / "fake1688"}
# What the sdist's tests read besides Python: the folders are compared file by file.
SDIST_FOLDERS = ("src", "fake_server", "tests", "cassettes", "docs", "bench", ".ci")
SDIST_FILES = ("pyproject.toml", "PKG-INFO", "LICENSE", "README.md", "Makefile", "mkdocs.yml")
# Folders no distribution may carry: VCS, venvs, caches and build output (.gitignore's).
STRAY = frozenset(
    [
        ".git",
        ".venv",
        "__pycache__",
        "node_modules",
        ".hypothesis",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        "site",
        "dist",
        "build",
        ".wiremock",  # bench_http.py's WireMock, installed from npm
    ]
)
# The sdist's own tests that read its non-Python files: the docs pages (their
# examples and the error-code table), the shipped cassettes, the schema copies under
# docs/, bench/_bombs.py and the source tree. These are what a wrong include list
# breaks; the rest of the suite reads only code, which the installed wheel already
# proves, and runs from the checkout in `make test`. The doc pages whose examples
# start servers or nested pytest runs (over a minute together) are left out, which
# keeps this run near 20 s on two cores.
SDIST_TESTS = (
    "tests/test_docs.py",
    "tests/test_error_codes_doc.py",
    "tests/test_architecture.py",
    "tests/pailitao/test_cassettes.py",
    "tests/pailitao/test_contract_cassettes.py",
    "tests/pailitao/test_contract_schemas.py",
    "tests/pailitao/test_contract_check.py",
    "tests/pailitao/test_scan.py",
    "tests/fake1688/engine/test_image_limits.py",
)
DOC_PAGES = ("invalid-signature.md", "reference/client.md", "reference/recording.md")
SDIST_SELECTION = " or ".join(["not test_examples_run", *DOC_PAGES])

SEARCH = """
from fake1688 import BASE_URL, FakeGateway
from fake1688.catalog import catalog, vocab
from pailitao import PailitaoClient

# The seed-0 fingerprints ship as package data; without them the catalog silently
# recomputes them, so only this tells that the data file made it into the wheel.
assert catalog._shipped_fingerprints(vocab.generate(0, catalog.DEFAULT_SIZE)) is not None
gw = FakeGateway()
photo = gw.catalog.image_bytes(gw.catalog.offers[0])
with PailitaoClient(app_key="test_app_key", app_secret="test_app_secret",
                    base_url=BASE_URL, transport=gw.transport()) as client:
    page = client.search_image(file=photo, page_size=5)
print(len(page.items), page.items[0].num_iid == gw.catalog.offers[0].num_iid)
"""
WHEREABOUTS = '''
import sys

def pytest_terminal_summary(terminalreporter):
    """Where the modules the tests used were imported from."""
    for name in ("pailitao", "fake1688"):
        terminalreporter.write_line(f"{name} from {sys.modules[name].__file__}")
'''


@dataclass(frozen=True, slots=True)
class Dists:
    wheel: Path
    sdist: Path


@dataclass(frozen=True, slots=True)
class Venv:
    """A fresh venv that sees the dev venv's packages but not its editable install."""

    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def env(self) -> dict[str, str]:
        """The environment minus what would steer imports or pytest from outside."""
        dropped = {"PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONSAFEPATH", "VIRTUAL_ENV"}
        prefixes = ("PYTEST_", "PAILITAO_", "FAKE1688_")
        env = {
            k: v for k, v in os.environ.items() if k not in dropped and not k.startswith(prefixes)
        }
        env["PATH"] = f"{self.path / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return env

    def run(self, command: str, *args: str, cwd: Path, env: dict[str, str] | None = None) -> str:
        """Run one of the venv's commands; its stdout."""
        return run(self.path / "bin" / command, *args, cwd=cwd, env=env or self.env())


def run(*command: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command to its end; fail with the tail of its output unless it exits 0."""
    argv = [str(a) for a in command]
    result = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    output = (result.stdout + result.stderr)[-4000:]
    assert result.returncode == 0, f"{argv} exited {result.returncode}:\n{output}"
    return result.stdout


def build(source: Path, outdir: Path, *kinds: str) -> None:
    """``python -m build --no-isolation``: the backend from the dev venv, no download."""
    run(sys.executable, "-m", "build", "--no-isolation", *kinds, "--outdir", outdir, source)


def make_venv(path: Path) -> Venv:
    """A venv without pip whose ``.pth`` names the dev venv's site-packages."""
    run(sys.executable, "-m", "venv", "--without-pip", path)
    venv = Venv(path)
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site = Path(venv.run("python", "-c", where, cwd=path).strip())
    dev = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (site / "_dev_venv.pth").write_text("".join(f"{p}\n" for p in sorted(dev)))
    return venv


def install(venv: Venv, wheel: Path) -> Venv:
    """The wheel alone, with the dev venv's pip, offline."""
    pip: list[str | Path] = [sys.executable, "-m", "pip", "--python", venv.python]
    run(*pip, "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--no-index", wheel)
    return venv


def members(sdist: Path) -> set[str]:
    """The sdist's file names below its top folder."""
    with tarfile.open(sdist) as tar:
        return {m.name.removeprefix(f"{NAME}/") for m in tar.getmembers() if m.isfile()}


def tree_files(folder: Path) -> Iterator[Path]:
    """The files of a folder of the checkout, less stray folders and bytecode."""
    for path in folder.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if path.is_file() and path.suffix != ".pyc" and not STRAY.intersection(parts):
            yield path


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    build(ROOT, out, "--sdist", "--wheel")
    return Dists(wheel=out / f"{NAME}-py3-none-any.whl", sdist=out / f"{NAME}.tar.gz")


@pytest.fixture(scope="session")
def sdist_tree(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sdist")
    with tarfile.open(dists.sdist) as tar:
        tar.extractall(out, filter="data")
    return out / NAME


@pytest.fixture(scope="session")
def wheel_venv(dists: Dists, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    return install(make_venv(tmp_path_factory.mktemp("wheel") / "venv"), dists.wheel)


@pytest.fixture(scope="session")
def sdist_venv(sdist_tree: Path, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    work = tmp_path_factory.mktemp("from-sdist")
    build(sdist_tree, work, "--wheel")
    return install(make_venv(work / "venv"), work / f"{NAME}-py3-none-any.whl")


@pytest.fixture(scope="session", params=["wheel", "sdist"])
def installed(request: pytest.FixtureRequest) -> Venv:
    """The venv with the wheel built from the tree, then the one built from the sdist."""
    venv: Venv = request.getfixturevalue(f"{request.param}_venv")
    return venv


def test_a_fresh_venv_sees_the_dependencies_but_not_the_checkout(tmp_path: Path) -> None:
    venv = make_venv(tmp_path / "venv")
    probe = (
        "import importlib.util as u, sys; "
        "print([n for n in ('pailitao', 'fake1688', 'httpx', 'pytest') if u.find_spec(n)]); "
        "print(sys.path)"
    )
    found, path = venv.run("python", "-c", probe, cwd=tmp_path).splitlines()
    assert found == "['httpx', 'pytest']"
    assert str(ROOT / "src") not in path
    assert str(ROOT / "fake_server") not in path


def test_the_wheel_holds_both_packages_and_the_license_and_no_tests(dists: Dists) -> None:
    with zipfile.ZipFile(dists.wheel) as wheel:
        names = set(wheel.namelist())
    # No tests/ or other stray top-level folder: the two packages and the metadata.
    assert {n.split("/")[0] for n in names} == {"pailitao", "fake1688", f"{NAME}.dist-info"}
    assert f"{NAME}.dist-info/licenses/LICENSE" in names
    for package, folder in PACKAGES.items():
        expected = {f"{package}/{p.relative_to(folder).as_posix()}" for p in tree_files(folder)}
        assert expected - names == set()
        assert {n for n in names if n.startswith(f"{package}/")} == expected


def test_the_sdist_holds_what_its_tests_read_and_nothing_stray(dists: Dists) -> None:
    names = members(dists.sdist)
    assert set(SDIST_FILES) <= names
    expected = {p.relative_to(ROOT).as_posix() for f in SDIST_FOLDERS for p in tree_files(ROOT / f)}
    assert expected - names == set()
    assert [n for n in names if STRAY.intersection(n.split("/")) or n.endswith(".pyc")] == []
    top = {n.split("/")[0] for n in names}
    assert top == {*SDIST_FOLDERS, *SDIST_FILES, ".gitignore"}


def test_the_packages_are_imported_from_the_venv(installed: Venv) -> None:
    probe = "import pailitao, fake1688; print(pailitao.__file__, fake1688.__file__)"
    out = installed.run("python", "-c", probe, cwd=installed.path)
    for file in map(Path, out.split()):
        assert file.is_relative_to(installed.path), file


@pytest.mark.parametrize("command", ["pailitao", "fake1688"])
def test_the_commands_print_the_version(installed: Venv, command: str) -> None:
    assert installed.run(command, "--version", cwd=installed.path) == f"{command} {__version__}\n"


def test_a_signed_search_against_the_in_process_fake_finds_the_photo(installed: Venv) -> None:
    assert installed.run("python", "-c", SEARCH, cwd=installed.path) == "5 True\n"


def test_pytest_loads_the_plugin_from_its_entry_point(installed: Venv) -> None:
    out = installed.run("python", "-m", "pytest", "--help", cwd=installed.path)
    assert "--pailitao-mode=" in out


def test_the_sdists_own_tests_pass_against_the_installed_wheel(
    sdist_tree: Path, sdist_venv: Venv, tmp_path: Path
) -> None:
    (tmp_path / "_whereabouts.py").write_text(WHEREABOUTS)
    env = sdist_venv.env() | {"PYTHONPATH": str(tmp_path)}
    options = ["-q", "-p", "no:cacheprovider", "-p", "_whereabouts", "-k", SDIST_SELECTION]
    out = sdist_venv.run("python", "-m", "pytest", *options, *SDIST_TESTS, cwd=sdist_tree, env=env)
    where = dict(re.findall(r"^(pailitao|fake1688) from (.+)$", out, re.MULTILINE))
    assert set(where) == {"pailitao", "fake1688"}, out[-2000:]
    for file in where.values():
        assert Path(file).is_relative_to(sdist_venv.path), file
    assert re.search(r"^\d+ passed\b", out, re.MULTILINE), out[-2000:]
