"""Connecting to a ClickHouse server: the URL, TLS, and a password that is never shown.

`clickhouse://` and `http://` speak HTTP; `https://` and `clickhouses://` speak
HTTPS (TLS, port 8443 by default). The password comes from the URL, from
FLOWSIGHT_CLICKHOUSE_PASSWORD, or from a file (--clickhouse-password-file);
every message shows the URL with the password masked, and a driver's error text
has the password removed before it is shown.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flowsight.errors import StoreError, UsageError
from flowsight.evaluate.clickhouse import ClickHouseBackend

PASSWORD_VARIABLE = "FLOWSIGHT_CLICKHOUSE_PASSWORD"
SCHEMES = {"clickhouse": False, "http": False, "https": True, "clickhouses": True}


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    secure: bool
    username: str
    password: str
    database: str

    def shown(self) -> str:
        """The address as it may be printed: no password, ever."""
        scheme = "https" if self.secure else "http"
        user = f"{self.username}@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}/{self.database}"

    def client_arguments(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "port": self.port,
            "secure": self.secure,
            "username": self.username or "default",
            "password": self.password,
            "database": self.database,
        }


def server_settings(
    url: str, password_file: str | Path | None = None, environ: Mapping[str, str] | None = None
) -> ServerSettings:
    """Settings from the URL, the environment and the password file (file wins, then env)."""
    environ = os.environ if environ is None else environ
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        raise UsageError(
            "--clickhouse takes a URL such as https://user@clickhouse.example:8443/otel "
            "(clickhouse://, http:// or https://)"
        )
    secure = SCHEMES[parts.scheme]
    try:
        port = parts.port or (8443 if secure else 8123)
    except ValueError:
        raise UsageError("--clickhouse URL has a port that is not a number") from None
    password = unquote(parts.password or "")
    if environ.get(PASSWORD_VARIABLE):
        password = environ[PASSWORD_VARIABLE]
    if password_file is not None:
        try:
            password = Path(password_file).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as error:
            raise UsageError(
                f"--clickhouse-password-file {password_file}: cannot be read ({error.strerror})"
            ) from None
    return ServerSettings(
        host=parts.hostname,
        port=port,
        secure=secure,
        username=unquote(parts.username or ""),
        password=password,
        database=parts.path.strip("/") or "default",
    )


def _masked(text: str, secret: str) -> str:
    return text.replace(secret, "***") if secret else text


def connect_clickhouse(
    url: str,
    table: str = "otel_traces",
    password_file: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClickHouseBackend:
    """A backend over clickhouse-connect (HTTP or HTTPS)."""
    import clickhouse_connect

    settings = server_settings(url, password_file, environ)
    try:
        client = clickhouse_connect.get_client(**settings.client_arguments())
    except Exception as error:  # the driver's own errors, shown without the password
        raise StoreError(
            f"cannot connect to ClickHouse at {settings.shown()}: "
            f"{_masked(str(error), settings.password)}",
            hint=f"check the address and the credentials ({PASSWORD_VARIABLE} or "
            "--clickhouse-password-file)",
        ) from None

    def execute(sql: str) -> Any:
        try:
            return client.query_arrow(sql, use_strings=True)
        except Exception as error:
            raise StoreError(_masked(str(error), settings.password)) from None

    return ClickHouseBackend(execute, table)
