"""Fixtures: the Relecloud example measured on generated OTLP traffic (see traffic.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowsight.report import Review, build_review
from tests.flowsight.conftest import EXAMPLE
from tests.flowsight.report.traffic import NOW, build_store


@pytest.fixture(scope="session")
def relecloud_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("relecloud-traffic"))


@pytest.fixture(scope="session")
def relecloud_review(relecloud_store: Path) -> Review:
    return build_review(EXAMPLE, relecloud_store, now=NOW)
