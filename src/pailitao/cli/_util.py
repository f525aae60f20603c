"""What every ``pailitao`` subcommand shares: its error type and its streams."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

__all__ = ["CliError", "Streams"]


class CliError(Exception):
    """A usage problem, reported as one line with exit status 2 (no traceback)."""


@dataclass(frozen=True)
class Streams:
    """Where a command reads and writes (injectable for tests)."""

    out: TextIO
    err: TextIO
    stdin: TextIO
