"""Property test: whatever the mutation, the loader answers with findings or its own errors."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml
import yaml_rs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowsight.errors import FlowsightError
from flowsight.load import read_workload
from flowsight.load.block_scan import scan_block_positions
from flowsight.load.source import event_positions
from tests.flowsight.conftest import EXAMPLE

EXAMPLE_TEXT = EXAMPLE.read_text(encoding="utf-8")
EXAMPLE_DATA = yaml.safe_load(EXAMPLE_TEXT)

junk = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=8), st.integers(), max_size=3),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


ALL_PATHS = [p for p in _paths(EXAMPLE_DATA) if p]


def _mutate(data: Any, path: tuple[Any, ...], action: str, value: Any) -> Any:
    data = copy.deepcopy(data)
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    last = path[-1]
    if action == "replace":
        parent[last] = value
    elif action == "delete":
        del parent[last]
    elif action == "add-key" and isinstance(parent, dict):
        parent[f"{last}_x"] = value
    return data


def _check(path: Path) -> None:
    try:
        result = read_workload(path)
    except FlowsightError:
        return
    assert result.loaded is not None or result.findings


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=st.sampled_from(ALL_PATHS),
    action=st.sampled_from(["replace", "delete", "add-key"]),
    value=junk,
)
def test_structural_mutations_only_give_findings(
    tmp_path: Path, target: tuple[Any, ...], action: str, value: Any
) -> None:
    path = tmp_path / "workload.yaml"
    path.write_text(yaml.safe_dump(_mutate(EXAMPLE_DATA, target, action, value)), encoding="utf-8")
    _check(path)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    position=st.integers(min_value=0, max_value=len(EXAMPLE_TEXT) - 1),
    length=st.integers(min_value=0, max_value=40),
    insert=st.text(alphabet=st.characters(codec="utf-8"), max_size=10),
)
def test_text_mutations_only_give_findings(
    tmp_path: Path, position: int, length: int, insert: str
) -> None:
    path = tmp_path / "workload.yaml"
    text = EXAMPLE_TEXT[:position] + insert + EXAMPLE_TEXT[position + length :]
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _check(path)


def _agrees_with_full_walk(text: str) -> None:
    """Every position the block scanner records is the one PyYAML's events give.

    Compared only where both parsers read the whole text: yaml_rs (YAML 1.2)
    accepts some documents libyaml rejects, and then the event walk stops early.
    """
    try:
        yaml_rs.loads(text)
        yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml_rs.YAMLDecodeError, yaml.YAMLError):
        return
    quick = scan_block_positions(text)
    values, keys = event_positions(text, "w.yaml")
    for path, position in quick.values.items():
        assert (values[path].line, values[path].column) == position, path
    for path, position in quick.keys.items():
        assert (keys[path].line, keys[path].column) == position, path


def test_block_scanner_covers_the_example() -> None:
    quick = scan_block_positions(EXAMPLE_TEXT)
    assert ("flows", 3, "targets", "reliability") in quick.values
    _agrees_with_full_walk(EXAMPLE_TEXT)


@settings(max_examples=150, deadline=None)
@given(
    position=st.integers(min_value=0, max_value=len(EXAMPLE_TEXT) - 1),
    length=st.integers(min_value=0, max_value=30),
    insert=st.sampled_from(
        [
            "",
            " ",
            "  ",
            "- ",
            ": ",
            "'",
            '"',
            "{",
            "[",
            "#",
            "\n",
            "x: y\n",
            "|\n",
            ">-\n",
            "&a ",
            "*a",
        ]
    ),
)
def test_block_scanner_never_disagrees(position: int, length: int, insert: str) -> None:
    _agrees_with_full_walk(EXAMPLE_TEXT[:position] + insert + EXAMPLE_TEXT[position + length :])


def test_block_scanner_on_empty_items_and_unindented_sequences() -> None:
    for text in ("flows:\n- id: a\n  name: b\n", "a:\n  - #c\n  - x\n"):
        _agrees_with_full_walk(text)
