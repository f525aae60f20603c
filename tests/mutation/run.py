"""Runs mutmut over the core modules, then prints their scores (``make mutation``).

Usage, from the repository root::

    python tests/mutation/run.py                    # test every mutant not yet tested
    python tests/mutation/run.py 'pailitao.wire.*'  # (re)test these, against today's tests

mutmut reads ``[tool.mutmut]`` in pyproject.toml. Two things it cannot be told
there are set here:

* The project has two import roots, ``src`` and ``fake_server``; mutmut knows
  ``src`` only. It would name ``fake_server/fake1688/engine/search.py``'s mutants
  ``fake_server.fake1688.engine.search...`` and leave the unmutated
  ``fake_server`` on ``sys.path``. Here the mutants are named after the module
  the tests import, and ``mutants/fake_server`` replaces ``fake_server``.
* Hypothesis runs a ``mutation`` profile: few examples, derandomised, no example
  database, so that a mutant meets the same examples in every run.

``MUTATION_BUDGET_MINUTES`` (default 45) stops the run like Ctrl-C does: what
was tested is kept, the rest is reported as not checked.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

import mutmut.__main__ as cli
from mutmut.configuration import config
from mutmut.mutation import file_mutation
from mutmut.runners.harness import PytestRunner
from mutmut.utils import file_utils, format_utils
from report import FAIL_UNDER, report

SECOND_ROOT = "fake_server"


def pytest_load_initial_conftests() -> None:
    """Registers the ``mutation`` profile before tests/conftest.py loads it by name.

    A pytest hook, not a top-level import: pytest must import Hypothesis itself, to
    rewrite its asserts, or it warns (and the suite's warnings are errors).
    """
    from hypothesis import HealthCheck, settings

    settings.register_profile(
        "mutation",
        max_examples=10,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )


def _hypothesis_profile() -> None:
    """Has every pytest run of mutmut select the ``mutation`` profile."""
    execute_pytest = PytestRunner.execute_pytest

    def with_profile(self: PytestRunner, params: list[str], **kwargs: Any) -> int:
        kwargs["plugins"] = [*kwargs.get("plugins", []), sys.modules[__name__]]
        return execute_pytest(self, params, **kwargs)

    PytestRunner.execute_pytest = with_profile  # type: ignore[method-assign]
    os.environ.setdefault("HYPOTHESIS_PROFILE", "mutation")


def _teach_mutmut_the_second_root() -> None:
    """Names ``fake_server`` mutants by module and imports them from ``mutants/``."""

    def get_mutant_name(relative_source_path: Path, mutant_method_name: str) -> str:
        name = format_utils.get_mutant_name(relative_source_path, mutant_method_name)
        return name.removeprefix(SECOND_ROOT + ".")

    def setup_source_paths() -> None:
        file_utils.setup_source_paths()
        original = Path(SECOND_ROOT).resolve()
        sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != original]
        sys.path.insert(0, str(Path("mutants", SECOND_ROOT).absolute()))

    _replace("get_mutant_name", get_mutant_name, cli, file_mutation)
    _replace("setup_source_paths", setup_source_paths, cli)


def _replace(name: str, function: Callable[..., Any], *modules: ModuleType) -> None:
    """Has ``modules`` call ``function`` where they imported ``name`` from mutmut."""
    for module in modules:
        setattr(module, name, function)


def _make_room_for_copied_files() -> None:
    """Creates the folders of ``also_copy`` files (mutmut copies a file only into an existing one)."""
    for path in config().also_copy:
        if path.is_file():
            Path("mutants", path).parent.mkdir(parents=True, exist_ok=True)


def _stop_after_budget() -> None:
    """Interrupts the run when its time is up, as Ctrl-C would."""
    minutes = float(os.environ.get("MUTATION_BUDGET_MINUTES", "45"))

    def interrupt(signum: int, frame: FrameType | None) -> None:
        print(f"\nmutation: the {minutes:g}-minute budget is spent; stopping", file=sys.stderr)
        raise KeyboardInterrupt

    signal.signal(signal.SIGALRM, interrupt)
    signal.alarm(max(1, round(minutes * 60)))


def main(mutant_names: list[str]) -> int:
    """Runs mutmut on ``mutant_names`` (all untested mutants when empty) and reports."""
    _hypothesis_profile()
    _teach_mutmut_the_second_root()
    _make_room_for_copied_files()
    _stop_after_budget()
    try:
        cli.run.main(mutant_names, standalone_mode=False)
    except KeyboardInterrupt:
        print("mutation: interrupted; the scores below count only what was tested", file=sys.stderr)
    finally:
        signal.alarm(0)
    scores = report()
    return 0 if all(score >= FAIL_UNDER for score in scores.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
