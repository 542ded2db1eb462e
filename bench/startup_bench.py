"""Whole-process start-up: `flowsight --help` against `python -c "import click"`.

Run: .venv/bin/python bench/startup_bench.py [--runs 30]
Goal (issue 14): `flowsight --help` takes at most 2x the start-up of a Python
that only imports click. Each run starts a fresh process, as a user's shell does;
the commands are interleaved (A B C A B C ...) after a warm-up, so a burst of
other work on the machine falls on all of them, and the medians are compared.
`flowsight check --help` is shown too: it imports its one subcommand module.
Exit code 1 when the goal is missed.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL = 2.0


def _flowsight() -> list[str]:
    """The console script next to this Python, as installed; else `python -m flowsight`."""
    script = Path(sys.executable).with_name("flowsight")
    if script.exists():
        return [str(script)]
    found = shutil.which("flowsight")
    return [found] if found else [sys.executable, "-m", "flowsight"]


def _once(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def measure(commands: dict[str, list[str]], runs: int, warmup: int = 3) -> dict[str, list[float]]:
    for _ in range(warmup):
        for command in commands.values():
            _once(command)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(_once(command))
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="interleaved runs per command")
    args = parser.parse_args()
    baseline = "python -c 'import click'"
    commands = {
        baseline: [sys.executable, "-c", "import click"],
        "flowsight --help": [*_flowsight(), "--help"],
        "flowsight check --help": [*_flowsight(), "check", "--help"],
    }
    times = measure(commands, args.runs)
    base = statistics.median(times[baseline])
    print(f"{args.runs} interleaved runs each, medians (min-max):\n")
    print("| command | median ms | min ms | max ms | x import click |")
    print("|---|---:|---:|---:|---:|")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"| `{name}` | {median * 1000:.1f} | {min(values) * 1000:.1f} | "
            f"{max(values) * 1000:.1f} | {median / base:.2f} |"
        )
    ratio = statistics.median(times["flowsight --help"]) / base
    verdict = "met" if ratio <= GOAL else "MISSED"
    print(f"\n`flowsight --help` is {ratio:.2f}x `import click` (goal <= {GOAL:g}x): {verdict}")
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
