"""Settings read from ``RELECLOUD_*`` environment variables.

Every knob the tests, the benchmark and the demo need is here, with the default a
developer gets from ``relecloud serve`` on a laptop.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from relecloud.errors import ConfigError

DEV_ADMIN_PASSWORD = "admin-pass-123"
DEV_EMPLOYEE_PASSWORD = "employee-pass-123"


def _int(env: Mapping[str, str], name: str, default: int, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not an integer") from None
    if value < minimum:
        raise ConfigError(f"{name}={value} must be at least {minimum}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if value < 0:
        raise ConfigError(f"{name}={value} must not be negative")
    return value


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "on", "true", "yes"}:
        return True
    if raw in {"0", "off", "false", "no"}:
        return False
    raise ConfigError(f"{name}={raw!r}: use on or off")


@dataclass(frozen=True)
class Settings:
    """Runtime configuration of one Relecloud process."""

    database_url: str = "sqlite:///./relecloud.db"
    redis_url: str | None = None
    cache_enabled: bool = True
    cache_ttl_s: int = 3600
    otlp_endpoint: str | None = None
    otlp_delay_ms: int = 1000
    telemetry_enabled: bool = True
    heartbeat_s: float = 15.0
    retry_attempts: int = 3
    retry_base_ms: float = 500.0
    breaker_failures: int = 5
    breaker_open_s: float = 30.0
    login_max_failures: int = 5
    login_window_s: int = 300
    password_memory_mib: int = 256
    password_wait_s: float = 2.0
    session_ttl_s: int = 8 * 3600
    cookie_secure: bool = False
    hold_ttl_s: int = 600
    checkout_lease_s: float = 30.0
    sweep_s: float = 60.0
    admin_password: str = DEV_ADMIN_PASSWORD
    employee_password: str = DEV_EMPLOYEE_PASSWORD
    faults: list[dict[str, Any]] = field(default_factory=list)
    #: Ask the (simulated) recommendations service when a concert is opened; off by default.
    recommendations: bool = False

    def __repr__(self) -> str:  # never show passwords in logs or tracebacks
        return f"Settings(database_url={self.database_url!r}, redis_url={self.redis_url!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        faults_raw = env.get("RELECLOUD_FAULTS", "").strip()
        faults: list[dict[str, Any]] = []
        if faults_raw:
            try:
                parsed = json.loads(faults_raw)
            except json.JSONDecodeError as exc:
                raise ConfigError(f"RELECLOUD_FAULTS is not valid JSON: {exc}") from None
            if not isinstance(parsed, list) or not all(isinstance(f, dict) for f in parsed):
                raise ConfigError("RELECLOUD_FAULTS must be a JSON list of fault objects")
            faults = parsed
        return cls(
            database_url=env.get("RELECLOUD_DATABASE_URL") or cls.database_url,
            redis_url=env.get("RELECLOUD_REDIS_URL") or None,
            cache_enabled=_switch(env, "RELECLOUD_CACHE", True),
            cache_ttl_s=_int(env, "RELECLOUD_CACHE_TTL_S", 3600, 1),
            otlp_endpoint=env.get("RELECLOUD_OTLP_ENDPOINT") or None,
            otlp_delay_ms=_int(env, "RELECLOUD_OTLP_DELAY_MS", 1000, 1),
            telemetry_enabled=_switch(env, "RELECLOUD_TELEMETRY", True),
            heartbeat_s=_float(env, "RELECLOUD_HEARTBEAT_S", 15.0),
            retry_attempts=_int(env, "RELECLOUD_RETRY_ATTEMPTS", 3, 1),
            retry_base_ms=_float(env, "RELECLOUD_RETRY_BASE_MS", 500.0),
            breaker_failures=_int(env, "RELECLOUD_BREAKER_FAILURES", 5, 1),
            breaker_open_s=_float(env, "RELECLOUD_BREAKER_OPEN_S", 30.0),
            login_max_failures=_int(env, "RELECLOUD_LOGIN_MAX_FAILURES", 5, 1),
            login_window_s=_int(env, "RELECLOUD_LOGIN_WINDOW_S", 300, 1),
            password_memory_mib=_int(env, "RELECLOUD_PASSWORD_MEMORY_MIB", 256, 1),
            password_wait_s=_float(env, "RELECLOUD_PASSWORD_WAIT_S", 2.0),
            session_ttl_s=_int(env, "RELECLOUD_SESSION_TTL_S", 8 * 3600, 60),
            cookie_secure=_switch(env, "RELECLOUD_COOKIE_SECURE", False),
            hold_ttl_s=_int(env, "RELECLOUD_HOLD_TTL_S", 600, 1),
            checkout_lease_s=_float(env, "RELECLOUD_CHECKOUT_LEASE_S", 30.0),
            sweep_s=_float(env, "RELECLOUD_SWEEP_S", 60.0),
            admin_password=env.get("RELECLOUD_ADMIN_PASSWORD") or DEV_ADMIN_PASSWORD,
            employee_password=env.get("RELECLOUD_EMPLOYEE_PASSWORD") or DEV_EMPLOYEE_PASSWORD,
            faults=faults,
            recommendations=_switch(env, "RELECLOUD_RECOMMENDATIONS", False),
        )
