"""The long-lived objects one Relecloud app uses, built once from Settings."""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry import trace

from relecloud import telemetry
from relecloud.cache import UpcomingCache
from relecloud.config import Settings
from relecloud.db import Database
from relecloud.faults import FaultRegistry
from relecloud.payment import PaymentGateway, ResilientGateway
from relecloud.resilience import CircuitBreaker, Retry
from relecloud.security import LoginThrottle, PasswordChecks, SessionManager, TokenManager
from relecloud.store import KeyValueStore, make_store


@dataclass
class Services:
    settings: Settings
    db: Database
    store: KeyValueStore
    cache: UpcomingCache
    sessions: SessionManager
    tokens: TokenManager
    throttle: LoginThrottle
    password_checks: PasswordChecks
    faults: FaultRegistry
    gateway: PaymentGateway
    payments: ResilientGateway
    tracer: trace.Tracer

    @classmethod
    def build(cls, settings: Settings) -> Services:
        faults = FaultRegistry.from_settings(settings.faults)
        db = Database(settings.database_url, is_down=lambda: faults.is_down("database"))
        store = make_store(settings.redis_url)
        tracer = telemetry.tracer(settings.telemetry_enabled)
        if settings.telemetry_enabled:
            telemetry.instrument_engine(db.engine, tracer)
            if settings.otlp_endpoint:
                telemetry.export_otlp(settings.otlp_endpoint, settings.otlp_delay_ms)
        gateway = PaymentGateway(is_down=lambda: faults.is_down("payment-gateway"))
        payments = ResilientGateway(
            gateway,
            Retry(settings.retry_attempts, settings.retry_base_ms),
            CircuitBreaker("payment-gateway", settings.breaker_failures, settings.breaker_open_s),
        )
        return cls(
            settings=settings,
            db=db,
            store=store,
            cache=UpcomingCache(store, settings.cache_ttl_s, settings.cache_enabled),
            sessions=SessionManager(store, settings.session_ttl_s),
            tokens=TokenManager(store, settings.session_ttl_s),
            throttle=LoginThrottle(store, settings.login_max_failures, settings.login_window_s),
            password_checks=PasswordChecks.sized_to_memory(
                settings.password_memory_mib, settings.password_wait_s
            ),
            faults=faults,
            gateway=gateway,
            payments=payments,
            tracer=tracer,
        )
