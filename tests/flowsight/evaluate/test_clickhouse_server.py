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


@pytest.mark.parametrize("command", ["evaluate", "report", "cost", "review", "serve"])
def test_a_failed_connection_never_echoes_the_password(command: str, tmp_path: Path) -> None:
    url = f"https://reader:hunter2-secret@127.0.0.1:{_closed_port()}/otel"
    local = ["--db", str(tmp_path / "store")] if command in ("review", "serve") else []
    result = CliRunner().invoke(cli, [command, str(EXAMPLE), "--clickhouse", url, *local])
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


def _first_bytes(url_for: str) -> tuple[bytes, str]:
    """What a client sends first to a loopback listener, and the error the command reports."""
    import threading

    from flowsight.errors import StoreError
    from flowsight.evaluate.clickhouse_server import connect_clickhouse

    received: list[bytes] = []
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.settimeout(10)
        port = listener.getsockname()[1]

        def serve() -> None:
            """Answer nothing: record each connection's first bytes and hang up."""
            while True:
                try:
                    connection, _ = listener.accept()
                except OSError:
                    return
                with connection:
                    connection.settimeout(5)
                    try:
                        received.append(connection.recv(16))
                    except OSError:
                        received.append(b"")

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        url = url_for.format(port=port)
        with pytest.raises(StoreError) as failed:
            connect_clickhouse(url, environ={}).execute("SELECT 1")
        listener.close()
        thread.join(10)
    return (received[0] if received else b""), failed.value.message


def test_https_speaks_tls_and_http_does_not() -> None:
    tls, message = _first_bytes("https://reader:s3cret-pw@127.0.0.1:{port}/otel")
    assert tls[:1] == b"\x16"  # a TLS handshake record (ClientHello)
    assert "s3cret-pw" not in message and "https://reader@127.0.0.1" in message
    plain, _ = _first_bytes("http://reader:s3cret-pw@127.0.0.1:{port}/otel")
    assert plain[:4] in (b"GET ", b"POST")
