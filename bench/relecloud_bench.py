"""Relecloud on loopback: upcoming list with cache on/off, checkout with telemetry on/off.

Usage: .venv/bin/python bench/relecloud_bench.py [--requests 2000] [--checkouts 300]

Starts ``relecloud serve`` (uvicorn) three times on 127.0.0.1 against one seeded SQLite
database, drives each with a bounded async load generator (fixed request count, time
cap) and prints requests/s, p50 and p99 and the ratios. With telemetry on, spans are
exported over OTLP/HTTP to an in-process sink on loopback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

CONCURRENCY = 8
TIME_CAP_S = 30.0
CHECKOUT = {
    "customer": {"name": "Bench", "email": "bench@example.com", "phone": "555-0100"},
    "payment": {
        "name_on_card": "Bench",
        "card_number": "4111111111111111",
        "security_code": "123",
        "expiration": "1239",
    },
}


class Sink(BaseHTTPRequestHandler):
    """A stand-in OTLP/HTTP collector: accepts and counts export requests."""

    requests = 0
    bytes = 0

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Sink.requests += 1
        Sink.bytes += len(body)
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "relecloud", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("relecloud did not start")


async def load(base: str, count: int, make: Any) -> dict[str, float]:
    """Send ``count`` requests (CONCURRENCY at a time, TIME_CAP_S at most)."""
    latencies: list[float] = []
    errors = 0
    queue = iter(range(count))
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:

        async def worker() -> None:
            nonlocal errors
            for i in queue:
                if time.perf_counter() - started > TIME_CAP_S:
                    return
                t0 = time.perf_counter()
                response = await make(client, i)
                latencies.append(time.perf_counter() - t0)
                if response.status_code >= 400:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    }


def upcoming(client: httpx.AsyncClient, i: int) -> Any:
    return client.get("/api/concerts/upcoming", params={"page": 1 + i % 5, "page_size": 20})


def checkout_factory(token: str, run: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"}

    def checkout(client: httpx.AsyncClient, i: int) -> Any:
        body = {**CHECKOUT, "items": {str(1 + i % 1000): 1}}
        key = {"Idempotency-Key": f"{run}-{i}"}
        return client.post("/api/checkout", json=body, headers={**headers, **key})

    return checkout


def measure(env: dict[str, str], requests: int, checkouts: int) -> dict[str, Any]:
    proc, base = start_server(env)
    try:
        out: dict[str, Any] = {}
        asyncio.run(load(base, 100, upcoming))  # warm-up (fills the cache when on)
        out["upcoming"] = asyncio.run(load(base, requests, upcoming))
        if checkouts:
            token = httpx.post(
                base + "/api/auth/token",
                json={"username": "alice", "password": env["RELECLOUD_EMPLOYEE_PASSWORD"]},
            ).json()
            run = uuid.uuid4().hex[:8]
            make = checkout_factory(token["access_token"], run)
            asyncio.run(load(base, 20, checkout_factory(token["access_token"], run + "w")))
            out["checkout"] = asyncio.run(load(base, checkouts, make))
        return out
    finally:
        proc.terminate()
        proc.wait(20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--checkouts", type=int, default=300)
    args = parser.parse_args()
    sink = ThreadingHTTPServer(("127.0.0.1", 0), Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory(prefix="relecloud-bench-") as tmp:
        env = {
            **os.environ,
            "RELECLOUD_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}",
            "RELECLOUD_EMPLOYEE_PASSWORD": "bench-employee-pw",
            "RELECLOUD_OTLP_ENDPOINT": f"http://127.0.0.1:{sink.server_address[1]}",
        }
        subprocess.run(
            [sys.executable, "-m", "relecloud", "seed"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        results = {
            "cache on, telemetry on": measure(env, args.requests, args.checkouts),
            "cache off, telemetry on": measure({**env, "RELECLOUD_CACHE": "off"}, args.requests, 0),
            "cache on, telemetry off": measure(
                {**env, "RELECLOUD_TELEMETRY": "off"}, args.requests, args.checkouts
            ),
        }
    sink.shutdown()
    print(
        f"{'run':28} {'endpoint':10} {'n':>6} {'err':>4} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
    )
    for name, run in results.items():
        for endpoint, r in run.items():
            print(
                f"{name:28} {endpoint:10} {r['requests']:6d} {r['errors']:4d} {r['rps']:8.1f} "
                f"{r['p50_ms']:8.2f} {r['p99_ms']:8.2f}"
            )
    on = results["cache on, telemetry on"]
    off = results["cache on, telemetry off"]
    ratios = {
        "cache speed-up (upcoming, cached / uncached req/s)": on["upcoming"]["rps"]
        / results["cache off, telemetry on"]["upcoming"]["rps"],
        "telemetry cost, upcoming (1 - on/off req/s)": 1
        - on["upcoming"]["rps"] / off["upcoming"]["rps"],
        "telemetry cost, checkout (1 - on/off req/s)": 1
        - on["checkout"]["rps"] / off["checkout"]["rps"],
    }
    for label, value in ratios.items():
        print(f"{label}: {value:.2f}" if "speed" in label else f"{label}: {value:.1%}")
    print(f"OTLP sink received {Sink.requests} export requests, {Sink.bytes} bytes")
    print(json.dumps({"results": results, "ratios": ratios}))


if __name__ == "__main__":
    main()
