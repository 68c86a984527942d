"""Run benchmarks and print medians: `uv run python -m bench [--runs N] [name…]`."""

from __future__ import annotations

import argparse
import platform
import statistics
from collections.abc import Callable

from bench import startup


def _audit_log(runs: int) -> dict[str, list[float]]:
    from bench import audit_log

    return audit_log.first_pages(runs)


# Run only when named: each builds a large database first (minutes).
ON_REQUEST: dict[str, Callable[[int], dict[str, list[float]]]] = {"audit": _audit_log}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    known = [*startup.BENCHMARKS, *ON_REQUEST]
    parser.add_argument(
        "names", nargs="*", help=f"some of {', '.join(known)} (default: {', '.join(startup.BENCHMARKS)})"
    )
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    unknown = set(args.names) - set(known)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    names = args.names or list(startup.BENCHMARKS)
    results = startup.run([name for name in names if name in startup.BENCHMARKS], args.runs)
    for name in names:
        if name in ON_REQUEST:
            results.update(ON_REQUEST[name](args.runs))
    print(f"machine: {platform.node()} {platform.machine()} python {platform.python_version()}")
    print(f"{'benchmark':45} {'median':>9} {'min':>9} {'max':>9}  runs")
    for name, samples in results.items():
        print(
            f"{name:45} {statistics.median(samples) * 1000:8.0f}ms {min(samples) * 1000:8.0f}ms"
            f" {max(samples) * 1000:8.0f}ms  {len(samples)}"
        )


if __name__ == "__main__":
    main()
