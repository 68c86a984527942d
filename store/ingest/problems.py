"""What is wrong with an input file, row by row, in words that name the file, the line and the column."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store.errors import InvalidInput

SHOWN_PROBLEMS = 20
LOGGED_PROBLEMS = 100


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem: where (file, 1-based line counting the header, column), the value as written, and why."""

    file: str
    line: int | None
    column: str | None
    value: str | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.reason}"

    @property
    def reason(self) -> str:
        """The problem without its place: what a rejected row's `reason` column says."""
        if self.column is None:
            return self.message
        return f"column '{self.column}' = '{self.value or ''}' {self.message}"

    def as_json(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "value": self.value,
            "message": self.message,
        }


class Unverified(Exception):
    """Rows read typed broke a rule while being loaded: the load stops and the file is read again as text."""


class ImportFailed(InvalidInput):
    """Nothing was imported because the input has problems; `problems` lists them all, in file and line order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        files = sorted({problem.file for problem in self.problems})
        count = len(self.problems)
        message = (
            f"{count} problem{'s' if count != 1 else ''} in {', '.join(files)}: nothing was imported\n"
            + "\n".join(shown_lines(self.problems))
        )
        fields = {_field_key(problem): problem.message for problem in self.problems[:SHOWN_PROBLEMS]}
        super().__init__(message, fields=fields)


def _field_key(problem: Problem) -> str:
    where = problem.file if problem.line is None else f"{problem.file}:{problem.line}"
    return f"{where} {problem.column}" if problem.column else where


def shown_lines(problems: Sequence[Problem], limit: int = SHOWN_PROBLEMS) -> list[str]:
    """The first `limit` problems, one per line, then "… and N more"."""
    lines = [str(problem) for problem in problems[:limit]]
    if len(problems) > limit:
        lines.append(f"… and {len(problems) - limit} more")
    return lines


def logged(problems: Iterable[Problem], limit: int = LOGGED_PROBLEMS) -> list[dict[str, Any]]:
    """What an ingestion_logs row keeps of the problems: the first `limit`, and how many were left out."""
    kept = list(problems)
    entries = [problem.as_json() for problem in kept[:limit]]
    if len(kept) > limit:
        entries.append({"message": f"… and {len(kept) - limit} more"})
    return entries


def rejected_path(path: Path) -> Path:
    """Where the rejected rows of `path` go, as CSV next to the input: prices.csv → prices.rejected.csv."""
    return path.with_name(f"{path.stem}.rejected.csv")
