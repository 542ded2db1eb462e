"""The test tree itself: modules in folders without __init__.py share one namespace."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parent


def test_rootless_test_modules_have_unique_names() -> None:
    rootless = [
        path.name for path in TESTS.rglob("test_*.py") if not (path.parent / "__init__.py").exists()
    ]
    duplicated = sorted(name for name, count in Counter(rootless).items() if count > 1)
    assert duplicated == [], f"rename these test modules or add __init__.py: {duplicated}"
