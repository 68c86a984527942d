"""Importers of real-world files into the research schema (daily prices first); Polars and psycopg only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from store.ingest.prices import ImportReport, import_prices
    from store.ingest.problems import ImportFailed, Problem
    from store.ingest.writer import FileReport, ProgressEvent

# Loaded on first use: `workstation --help` imports the CLI hook, which must not pull in Polars.
_EXPORTS = {
    "FileReport": "store.ingest.writer",
    "ImportReport": "store.ingest.prices",
    "ProgressEvent": "store.ingest.writer",
    "import_prices": "store.ingest.prices",
    "ImportFailed": "store.ingest.problems",
    "Problem": "store.ingest.problems",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'store.ingest' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_EXPORTS[name]), name)


__all__ = ["FileReport", "ImportFailed", "ImportReport", "Problem", "ProgressEvent", "import_prices"]
