"""The command line as a whole: lazy start-up, help texts, pipes, busy ports, extras."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from flowsight.cli import COMMANDS, cli
from tests.flowsight.conftest import EXAMPLE, ROOT
from tests.flowsight.report.traffic import NOW_TEXT, build_store


def _commands() -> list[tuple[str, click.Command]]:
    context = click.Context(cli)
    return [(name, cli.get_command(context, name)) for name in cli.list_commands(context)]  # type: ignore[misc]


def _flowsight(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    """The installed entry point's code in a child process, stdout a real pipe."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("COLUMNS", None)
    return subprocess.run(
        [sys.executable, "-m", "flowsight", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )


def test_help_imports_no_subcommand_module() -> None:
    probe = (
        "import sys\n"
        "from flowsight.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.startswith('flowsight.cli.') "
        "or m.split('.')[0] in {'duckdb', 'pydantic', 'rich', 'fastapi', 'numpy', 'pyarrow'})\n"
        "print('LOADED', heavy)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        check=True,
    )
    assert "LOADED []" in done.stdout, done.stdout
    for name in COMMANDS:
        assert f"\n  {name} " in done.stdout


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda v: getattr(v, "name", v))
def test_summary_in_the_group_is_the_commands_own(name: str, command: click.Command) -> None:
    summary = COMMANDS[name][1]
    assert command.get_short_help_str(limit=500) == summary
    assert len(summary) <= 66, "keep `flowsight --help` one line per command"


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda v: getattr(v, "name", v))
def test_every_command_shows_an_example_and_every_option_has_help(
    name: str, command: click.Command
) -> None:
    text = CliRunner().invoke(cli, [name, "--help"]).output
    assert "Example:" in text and f"flowsight {name}" in text.split("Example:")[1]
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"flowsight {name} {param.opts[0]} has no help text"
    typed = {p.name: p for p in command.params if isinstance(p, click.Option)}
    if "output" in typed:
        assert typed["output"].metavar == "FILE" or isinstance(typed["output"].type, click.Path)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_store(tmp_path_factory.mktemp("pipe"), days=3)


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", str(EXAMPLE), "--now", NOW_TEXT, "--window", "3d", "--fail-on", "none"],
        ["cost", str(EXAMPLE), "--now", NOW_TEXT],
        ["review", str(EXAMPLE), "--now", NOW_TEXT, "--no-save"],
    ],
    ids=lambda args: args[0],
)
def test_tables_are_whole_in_a_pipe(args: list[str], store: Path) -> None:
    done = _flowsight(*args, "--db", str(store))
    assert done.returncode in (0, 1), done.stderr
    assert "…" not in done.stdout and "…" not in done.stderr
    assert "collect-telemetry" in done.stdout and "purchase-ticket" in done.stdout


def test_evaluate_table_in_a_pipe_is_wider_than_80_columns_not_squeezed(store: Path) -> None:
    done = _flowsight(
        "evaluate", str(EXAMPLE), "--db", str(store), "--now", NOW_TEXT, "--window", "3d"
    )
    widths = [len(line) for line in done.stdout.splitlines()]
    assert max(widths) > 80
    assert "breached" in done.stdout or "meeting" in done.stdout


def test_check_in_a_pipe_shows_whole_findings(tmp_path: Path) -> None:
    from flowsight.starter import starter_text

    workload = tmp_path / "workload.yaml"
    off_call = "escalation_path: [shop-oncall, shop-team, head-of-ecommerce]"
    workload.write_text(
        starter_text().replace("escalation_path: [shop-oncall, shop-lead]", off_call)
    )
    done = _flowsight("check", str(workload))
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert "…" not in done.stdout
    warning = next(line for line in lines if "ownership.on-call" in line)
    assert len(warning) > 80 and warning.endswith("(flows[0].escalation_path[1])")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        yield holder.getsockname()[1]


@pytest.mark.parametrize("command", ["serve", "collect"])
def test_busy_port_exits_2_without_a_banner(command: str, busy_port: int, tmp_path: Path) -> None:
    args = [command, "--db", str(tmp_path / "store"), "--port", str(busy_port)]
    if command == "serve":
        args.insert(1, str(EXAMPLE))
    done = _flowsight(*args)
    assert done.returncode == 2, done.stderr
    assert f"cannot listen on 127.0.0.1:{busy_port}" in done.stderr
    assert "--port" in done.stderr
    assert "dashboard on" not in done.stderr and "receiving OTLP" not in done.stderr
    assert "Traceback" not in done.stderr


def test_demo_without_the_relecloud_extra_names_the_pip_command(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "sys.modules['sqlalchemy'] = None  # as if the extra were not installed\n"
        "from flowsight.cli import main\n"
        f"main(['demo', '--short', '-o', {str(tmp_path / 'out')!r}])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "pip install 'flowsight[relecloud]'" in done.stderr
    assert "sqlalchemy" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_init_example_works_from_any_folder(tmp_path: Path) -> None:
    done = _flowsight("init", "--example", "relecloud", str(tmp_path / "demo"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = tmp_path / "demo" / "workload.yaml"
    assert "$schema=workload.schema.json" in written.read_text().splitlines()[0]
    assert json.loads((tmp_path / "demo" / "workload.schema.json").read_text())["title"]
    checked = _flowsight("check", str(written), "--format", "json")
    assert checked.returncode == 0 and json.loads(checked.stdout)["ok"] is True


def test_the_examples_path_is_the_packaged_example() -> None:
    packaged = ROOT / "src" / "flowsight" / "examples" / "relecloud" / "workload.yaml"
    assert EXAMPLE.resolve() == packaged.resolve()


def test_clickhouse_without_its_extra_names_the_pip_command() -> None:
    probe = (
        "import sys\n"
        "sys.modules['clickhouse_connect'] = None  # as if the extra were not installed\n"
        "from flowsight.cli import main\n"
        f"main(['evaluate', {str(EXAMPLE)!r}, '--clickhouse', 'clickhouse://127.0.0.1:1/otel'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "pip install 'flowsight[clickhouse]'" in done.stderr and "Traceback" not in done.stderr
