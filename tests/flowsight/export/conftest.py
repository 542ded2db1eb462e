"""Fixtures of the exporter tests."""

from __future__ import annotations

import pytest
from export_support import EXAMPLE

from flowsight.load import load_workload
from flowsight.model import Workload


@pytest.fixture(scope="session")
def relecloud() -> Workload:
    return load_workload(EXAMPLE).workload
