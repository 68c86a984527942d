"""On-demand benchmarks (not run in CI): `uv run python -m bench [name…]`."""
