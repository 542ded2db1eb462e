"""Relecloud on loopback: upcoming list with cache on/off, checkout with telemetry on/off.

Usage: .venv/bin/python bench/relecloud_bench.py [--requests 2000] [--checkouts 300]
       [--rounds 3]

Seeds one SQLite database and starts ``relecloud serve`` (uvicorn) three times side by
side on 127.0.0.1: cache on/telemetry on, cache off/telemetry on, cache on/telemetry
off. A bounded generator (raw HTTP/1.1 keep-alive over asyncio streams, 8 connections,
fixed request counts, a time cap per slice) measures them in interleaved slices within
each round; the figures printed are medians over the rounds. With telemetry on, spans
are exported over OTLP/HTTP to a sink on loopback in this process.
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
SLICES = 5
TIME_CAP_S = 10.0  # per slice
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


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "relecloud", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc, port
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("relecloud did not start")


class Http:
    """One HTTP/1.1 keep-alive connection over raw asyncio streams.

    httpx costs about as much CPU per request as a cached page does on the server, and
    the generator shares the 2 cores with it; this client parses only the status line
    and Content-Length, so the figures measure the server rather than the client.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, port: int) -> Http:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def request(self, head: bytes, body: bytes = b"") -> tuple[int, bytes]:
        self.writer.write(head + body)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        status = int(raw[9:12])
        length = 0
        for line in raw.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def post(path: str, body: bytes, headers: dict[str, str]) -> tuple[bytes, bytes]:
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n{lines}\r\n"
    )
    return head.encode(), body


async def _load(port: int, count: int, make: Any) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = 0
    queue = iter(range(count))
    conns = [await Http.open(port) for _ in range(CONCURRENCY)]
    started = time.perf_counter()

    async def worker(conn: Http) -> None:
        nonlocal errors
        for i in queue:
            if time.perf_counter() - started > TIME_CAP_S:
                return
            t0 = time.perf_counter()
            status, _ = await conn.request(*make(i))
            latencies.append(time.perf_counter() - t0)
            errors += status >= 400

    try:
        await asyncio.gather(*(worker(c) for c in conns))
    finally:
        for conn in conns:
            conn.close()
    return latencies, errors, time.perf_counter() - started


def summary(parts: list[tuple[list[float], int, float]]) -> dict[str, float]:
    """req/s over the summed busy time of the slices, percentiles over all requests."""
    latencies = sorted(x for part in parts for x in part[0])
    elapsed = sum(part[2] for part in parts)
    return {
        "requests": len(latencies),
        "errors": sum(part[1] for part in parts),
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
    }


def load(port: int, count: int, make: Any) -> tuple[list[float], int, float]:
    """Send ``count`` requests over CONCURRENCY connections (TIME_CAP_S at most)."""
    return asyncio.run(_load(port, count, make))


def upcoming(i: int) -> tuple[bytes, bytes]:
    return get(f"/api/concerts/upcoming?page={1 + i % 5}&page_size=20"), b""


def checkout_factory(token: str, run: str) -> Any:
    def checkout(i: int) -> tuple[bytes, bytes]:
        body = json.dumps({**CHECKOUT, "items": {str(1 + i % 1000): 1}}).encode()
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"{run}-{i}"}
        return post("/api/checkout", body, headers)

    return checkout


CONFIGS = {
    "cache on, telemetry on": {},
    "cache off, telemetry on": {"RELECLOUD_CACHE": "off"},
    "cache on, telemetry off": {"RELECLOUD_TELEMETRY": "off"},
}
CHECKOUT_RUNS = ("cache on, telemetry on", "cache on, telemetry off")


def token_for(port: int, password: str) -> str:
    response = httpx.post(
        f"http://127.0.0.1:{port}/api/auth/token",
        json={"username": "alice", "password": password},
    )
    return str(response.json()["access_token"])


def one_round(
    ports: dict[str, int], tokens: dict[str, str], order: list[str], args: Any, r: int
) -> dict[str, dict[str, Any]]:
    """Every configuration, in SLICES interleaved slices: A B C A B C ..., so a burst of
    other work on the machine falls on all of them alike."""
    parts: dict[tuple[str, str], list[tuple[list[float], int, float]]] = {}
    for _piece in range(SLICES):
        for name in order:
            parts.setdefault((name, "upcoming"), []).append(
                load(ports[name], args.requests // SLICES, upcoming)
            )
    for piece in range(SLICES):
        for name in order:
            if name in tokens:
                make = checkout_factory(tokens[name], f"{uuid.uuid4().hex[:8]}-{r}-{piece}")
                parts.setdefault((name, "checkout"), []).append(
                    load(ports[name], args.checkouts // SLICES, make)
                )
    out: dict[str, dict[str, Any]] = {name: {} for name in CONFIGS}
    for (name, endpoint), pieces in parts.items():
        out[name][endpoint] = summary(pieces)
    return out


def median_of(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per run and endpoint, the median of each figure over the rounds."""
    merged: dict[str, dict[str, Any]] = {}
    for name, endpoints in rounds[0].items():
        merged[name] = {}
        for endpoint, first in endpoints.items():
            merged[name][endpoint] = {
                key: statistics.median(rnd[name][endpoint][key] for rnd in rounds) for key in first
            }
    return merged


def ratios_of(results: dict[str, dict[str, Any]]) -> dict[str, float]:
    on, off = results["cache on, telemetry on"], results["cache on, telemetry off"]
    uncached = results["cache off, telemetry on"]["upcoming"]["rps"]
    return {
        "cache speed-up (upcoming, cached / uncached req/s)": on["upcoming"]["rps"] / uncached,
        "telemetry cost, upcoming (1 - on/off req/s)": 1
        - on["upcoming"]["rps"] / off["upcoming"]["rps"],
        "telemetry cost, checkout (1 - on/off req/s)": 1
        - on["checkout"]["rps"] / off["checkout"]["rps"],
    }


def run_all(env: dict[str, str], args: Any) -> list[dict[str, dict[str, Any]]]:
    """Start the three servers side by side and measure them in interleaved rounds."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        ports: dict[str, int] = {}
        for name, extra in CONFIGS.items():
            proc, ports[name] = start_server({**env, **extra})
            procs.append(proc)
        password = env["RELECLOUD_EMPLOYEE_PASSWORD"]
        tokens = {name: token_for(ports[name], password) for name in CHECKOUT_RUNS}
        for name in CONFIGS:  # warm-up: fills the cache, imports, connection pools
            load(ports[name], 100, upcoming)
            if name in tokens:
                load(ports[name], 20, checkout_factory(tokens[name], uuid.uuid4().hex[:8]))
        rounds = []
        names = list(CONFIGS)
        for r in range(args.rounds):
            order = names[r % len(names) :] + names[: r % len(names)]
            rounds.append(one_round(ports, tokens, order, args, r))
        return rounds
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(20)


def report(rounds: list[dict[str, dict[str, Any]]]) -> None:
    results = median_of(rounds)
    print(f"medians of {len(rounds)} interleaved rounds")
    header = (
        f"{'run':26} {'endpoint':9} {'n':>6} {'err':>4} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
    )
    print(header)
    for name, run in results.items():
        for endpoint, r in run.items():
            print(
                f"{name:26} {endpoint:9} {r['requests']:6.0f} {r['errors']:4.0f} "
                f"{r['rps']:8.1f} {r['p50_ms']:7.2f} {r['p99_ms']:7.2f}"
            )
    ratios = ratios_of(results)
    per_round = [ratios_of(rnd) for rnd in rounds]
    for label, value in ratios.items():
        each = ", ".join(
            f"{r[label]:.2f}" if "speed" in label else f"{r[label]:.1%}" for r in per_round
        )
        shown = f"{value:.2f}x" if "speed" in label else f"{value:.1%}"
        print(f"{label}: {shown} (rounds: {each})")
    print(f"OTLP sink received {Sink.requests} export requests, {Sink.bytes} bytes")
    print(json.dumps({"results": results, "ratios": ratios, "rounds": rounds}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--checkouts", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
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
        rounds = run_all(env, args)
    sink.shutdown()
    report(rounds)


if __name__ == "__main__":
    main()
