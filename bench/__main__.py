"""Run benchmarks and print medians: `uv run python -m bench [--runs N] [name…]`."""

from __future__ import annotations

import argparse
import platform
import statistics

from bench import startup


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("names", nargs="*", help=f"some of {', '.join(startup.BENCHMARKS)} (default: all)")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    unknown = set(args.names) - set(startup.BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    results = startup.run(args.names or list(startup.BENCHMARKS), args.runs)
    print(f"machine: {platform.node()} {platform.machine()} python {platform.python_version()}")
    print(f"{'benchmark':45} {'median':>9} {'min':>9} {'max':>9}  runs")
    for name, samples in results.items():
        print(
            f"{name:45} {statistics.median(samples) * 1000:8.0f}ms {min(samples) * 1000:8.0f}ms"
            f" {max(samples) * 1000:8.0f}ms  {len(samples)}"
        )


if __name__ == "__main__":
    main()
