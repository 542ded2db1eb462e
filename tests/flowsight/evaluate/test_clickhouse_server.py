"""Connecting to a ClickHouse server: TLS for https://, and the password never shown."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from flowsight.cli import cli
from flowsight.errors import UsageError
from flowsight.evaluate.clickhouse_server import server_settings

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "relecloud" / "workload.yaml"


def test_https_means_tls_and_the_password_comes_from_env_or_file(tmp_path: Path) -> None:
    settings = server_settings("https://reader@ch.example/otel", environ={})
    assert (settings.secure, settings.port, settings.database) == (True, 8443, "otel")
    plain = server_settings("clickhouse://reader:pw@ch.example", environ={})
    assert (plain.secure, plain.port, plain.password) == (False, 8123, "pw")
    from_env = server_settings(
        "http://reader@ch.example", environ={"FLOWSIGHT_CLICKHOUSE_PASSWORD": "env-secret"}
    )
    assert from_env.password == "env-secret"
    secret = tmp_path / "password"
    secret.write_text("file-secret\n")
    from_file = server_settings("https://reader@ch.example", secret, environ={})
    assert from_file.password == "file-secret"
    assert "secret" not in from_file.shown() and from_file.shown().startswith("https://")
    with pytest.raises(UsageError, match="takes a URL"):
        server_settings("ftp://ch.example", environ={})


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("command", ["evaluate", "report", "cost"])
def test_a_failed_connection_never_echoes_the_password(command: str, tmp_path: Path) -> None:
    url = f"https://reader:hunter2-secret@127.0.0.1:{_closed_port()}/otel"
    result = CliRunner().invoke(cli, [command, str(EXAMPLE), "--clickhouse", url])
    assert result.exit_code == 2, result.output
    assert "hunter2" not in result.output
    assert "https://reader@127.0.0.1:" in result.output


def test_the_reading_commands_all_take_clickhouse() -> None:
    for command in ("evaluate", "report", "serve", "cost", "review"):
        result = CliRunner().invoke(cli, [command, "--help"])
        assert "--clickhouse" in result.output and "--clickhouse-password-file" in result.output


def test_one_source_only(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["evaluate", str(EXAMPLE), "--db", str(tmp_path), "--clickhouse", "http://x"]
    )
    assert result.exit_code == 2 and "exactly one of --db" in result.output
