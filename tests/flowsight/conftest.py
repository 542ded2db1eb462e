"""Shared fixtures for flowsight's tests: the example workload and a CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flowsight.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "relecloud" / "workload.yaml"


@pytest.fixture
def example_path() -> Path:
    return EXAMPLE


def run_cli(*args: str) -> Result:
    """Run the public CLI in-process; a traceback would surface as result.exception."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"flowsight {' '.join(args)} raised {result.exception!r}\n{result.output}"
        )
    return result
