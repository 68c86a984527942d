"""The layering and code-health rules hold: store never imports the UI; ruff and mypy are clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    executable = BIN / command[0]
    if not executable.exists():
        found = shutil.which(command[0])
        if found is None:
            pytest.fail(f"{command[0]} is not installed in the test environment")
        executable = Path(found)
    return subprocess.run(
        [str(executable), *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )


def test_store_never_imports_the_ui() -> None:
    result = run_tool("lint-imports")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_is_clean() -> None:
    result = run_tool("ruff", "check", "store", "tui", "tests", "alembic")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_is_clean_on_store_and_tui() -> None:
    result = run_tool("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
