"""Prints the mutation score of each core module from mutmut's results in ``mutants/``.

One line per module (the ``only_mutate`` files of ``[tool.mutmut]``) and one for
all of them: mutants, killed, survived, other (timeouts, no tests, not checked,
...), the equivalent mutants excluded, and the score, killed / (mutants -
equivalents). Every mutant that is neither killed nor listed as equivalent is
written, with its file, line and change, to ``mutants/survivors.txt``.

The equivalent mutants are those of ``tests/mutation/equivalent.toml``: each
``[[mutant]]`` gives mutmut's ``name``, the ``mutation`` (the changed line as
the mutant reads) and the ``reason`` it cannot change behaviour. mutmut numbers
a function's mutants afresh when the function changes, so an entry whose
mutant is gone, is killed, or no longer reads ``mutation`` is reported as stale
and excluded no more.

Run it from the repository root: ``python tests/mutation/report.py``.
"""

from __future__ import annotations

import ast
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code

FAIL_UNDER = 90.0
EQUIVALENT = Path(__file__).with_name("equivalent.toml")
SURVIVORS = Path("mutants", "survivors.txt")


@dataclass
class Tally:
    """The mutants of one module (or of all), by outcome."""

    mutants: int = 0
    killed: int = 0
    survived: int = 0
    equivalent: int = 0
    stale: list[str] = field(default_factory=list)
    names: set[str] = field(default_factory=set)

    @property
    def other(self) -> int:
        """Mutants neither killed nor survived: timeouts, no tests, not checked, ..."""
        return self.mutants - self.killed - self.survived

    @property
    def score(self) -> float:
        """Killed mutants, in percent of those that can change behaviour."""
        judged = self.mutants - self.equivalent
        return 100.0 * self.killed / judged if judged else 100.0

    def add(self, other: Tally) -> None:
        """Adds another module's counts to these."""
        self.mutants += other.mutants
        self.killed += other.killed
        self.survived += other.survived
        self.equivalent += other.equivalent
        self.names |= other.names


def core_modules() -> list[str]:
    """The mutated files, as ``[tool.mutmut] only_mutate`` lists them."""
    with open("pyproject.toml", "rb") as f:
        modules: list[str] = tomllib.load(f)["tool"]["mutmut"]["only_mutate"]
    return modules


def equivalents() -> dict[str, dict[str, str]]:
    """The reviewed list: each equivalent mutant's entry by its name."""
    with EQUIVALENT.open("rb") as f:
        entries: list[dict[str, str]] = tomllib.load(f).get("mutant", [])
    return {entry["name"]: entry for entry in entries}


def change(name: str, path: str) -> tuple[list[str], list[str]]:
    """The lines a mutant removes and adds, stripped."""
    diff = get_diff_for_mutant(name, path=path).splitlines()[2:]
    removed = [line[1:].strip() for line in diff if line.startswith("-")]
    added = [line[1:].strip() for line in diff if line.startswith("+")]
    return removed, added


def line_of(source: list[str], spans: dict[str, tuple[int, int]], name: str, text: str) -> int:
    """The line of ``text`` within the mutated function in the original source."""
    function = name.rpartition(".")[2].partition("__mutmut_")[0]
    function = function.removeprefix("x_").split("ǁ")[-1]
    start, end = spans.get(function, (1, len(source)))
    for number in range(start, end + 1):
        if source[number - 1].strip() == text:
            return number
    return start


def function_spans(path: str) -> dict[str, tuple[int, int]]:
    """Each function's first and last line (a method by its bare name)."""
    tree = ast.parse(Path(path).read_text("utf-8"))
    return {
        node.name: (
            min([node.lineno, *(d.lineno for d in node.decorator_list)]),
            node.end_lineno or 0,
        )
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def tally(path: str, reviewed: dict[str, dict[str, str]], out: list[str]) -> Tally:
    """Counts one module's mutants and appends its survivors to ``out``."""
    data = SourceFileMutationData(path=path)
    data.load()
    source = Path(path).read_text("utf-8").splitlines()
    spans = function_spans(path)
    counts = Tally(mutants=len(data.exit_code_by_key), names=set(data.exit_code_by_key))
    found: list[tuple[int, list[str]]] = []
    for name, exit_code in sorted(data.exit_code_by_key.items()):
        status = status_by_exit_code[exit_code]
        counts.killed += status == "killed"
        counts.survived += status == "survived"
        entry = reviewed.get(name)
        if status == "killed" and entry:
            counts.stale.append(f"{name}: listed as equivalent but killed")
        if status in {"killed", "not checked"}:
            continue
        removed, added = change(name, path)
        if entry:
            if entry["mutation"].strip() in added:
                counts.equivalent += 1
                continue
            counts.stale.append(f"{name}: no longer reads {entry['mutation']!r}")
        line = line_of(source, spans, name, removed[0] if removed else "")
        lines = [f"{path}:{line}: {status}: {name}"]
        lines += [f"    - {text}" for text in removed] + [f"    + {text}" for text in added]
        found.append((line, lines))
    out.extend(line for _, lines in sorted(found) for line in lines)
    return counts


def report() -> dict[str, float]:
    """Prints the table and the stale entries, writes the survivors; returns the scores."""
    reviewed = equivalents()
    survivors: list[str] = []
    total = Tally()
    scores: dict[str, float] = {}
    print(
        f"\n{'module':<42} {'mutants':>7} {'killed':>6} {'survived':>8} {'other':>5} "
        f"{'equiv':>5} {'score':>6}"
    )
    for path in core_modules():
        counts = tally(path, reviewed, survivors)
        total.add(counts)
        scores[path] = counts.score
        print(
            f"{path:<42} {counts.mutants:>7} {counts.killed:>6} {counts.survived:>8} "
            f"{counts.other:>5} {counts.equivalent:>5} {counts.score:>5.1f}%"
        )
        for problem in counts.stale:
            print(f"    stale entry in {EQUIVALENT.name}: {problem}")
    for name in sorted(set(reviewed) - total.names):
        print(f"    stale entry in {EQUIVALENT.name}: {name}: no such mutant")
    print(
        f"{'all core modules':<42} {total.mutants:>7} {total.killed:>6} {total.survived:>8} "
        f"{total.other:>5} {total.equivalent:>5} {total.score:>5.1f}%"
    )
    SURVIVORS.write_text("".join(line + "\n" for line in survivors), "utf-8")
    print(
        f"\nsurvivors (neither killed nor equivalent): {SURVIVORS}; each module needs "
        f">= {FAIL_UNDER:g}%"
    )
    return scores


if __name__ == "__main__":
    scores = report()
    sys.exit(0 if all(score >= FAIL_UNDER for score in scores.values()) else 1)
