"""Receiver benchmark: `flowsight collect` under keep-alive OTLP/HTTP protobuf clients.

    .venv/bin/python bench/receiver_bench.py --clients 4 16 --seconds 20

Measures in one run, side by side: the decode floor (opentelemetry-proto parsing
the same 512-span bodies in one process), then for each client count the acked
spans/s, p50/p99 ack latency, the receiver's peak RSS and the segment count a
few seconds after the burst (background compaction included), each with the load
average, since the clients and other work share the receiver's cores. The soak (a
steady share of this capacity for 30 minutes) is bench/soak_bench.py.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FLOWSIGHT = [sys.executable, "-m", "flowsight"]
ROUTES = [("GET", "/concerts"), ("GET", "/concerts/{id}"), ("POST", "/cart/checkout")]


def make_body(seed: int, spans: int = 512) -> bytes:
    """One export request of realistic server spans (ids, HTTP attributes, flow tags)."""
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    message = ExportTraceServiceRequest()
    resource = message.resource_spans.add()
    name = resource.resource.attributes.add()
    name.key, name.value.string_value = "service.name", "relecloud"
    scope = resource.scope_spans.add()
    scope.scope.name = "opentelemetry.instrumentation.fastapi"
    now = time.time_ns()
    for index in range(spans):
        number = seed * 1_000_000 + index + 1
        method, route = ROUTES[index % len(ROUTES)]
        span = scope.spans.add()
        span.trace_id, span.span_id = number.to_bytes(16, "big"), number.to_bytes(8, "big")
        span.name, span.kind = f"{method} {route}", 2
        span.start_time_unix_nano = now - index * 1_000_000
        span.end_time_unix_nano = span.start_time_unix_nano + 40_000_000
        for key, value in (
            ("http.request.method", method),
            ("http.route", route),
            ("url.path", route.replace("{id}", str(index))),
            ("app.flow", "list-concerts"),
            ("app.flow.step", "list-upcoming"),
        ):
            attribute = span.attributes.add()
            attribute.key, attribute.value.string_value = key, value
        status = span.attributes.add()
        status.key, status.value.int_value = "http.response.status_code", 200
    return message.SerializeToString()


def decode_floor(bodies: list[bytes], seconds: float = 3.0) -> float:
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    spans, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for body in bodies:
            spans += len(
                ExportTraceServiceRequest.FromString(body).resource_spans[0].scope_spans[0].spans
            )
    return spans / (time.perf_counter() - began)


def native_rate(bodies: list[bytes], seconds: float = 3.0) -> float:
    """The receiver's own decoder (body -> Arrow table, one thread), for context."""
    from flowsight.telemetry.otlp_native import decode_table

    spans, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        for body in bodies:
            decoded = decode_table(body)
            spans += decoded[0].num_rows if decoded else 0
    return spans / (time.perf_counter() - began)


def _client(args: tuple[int, int, float, float, list[bytes]]) -> tuple[int, list[float], int]:
    port, number, until, pause, bodies = args
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    acked, latencies, refused, turn = 0, [], 0, number
    while time.time() < until:
        body = bodies[turn % len(bodies)]
        turn += 1
        began = time.perf_counter()
        connection.request("POST", "/v1/traces", body, {"Content-Type": "application/x-protobuf"})
        answer = connection.getresponse()
        answer.read()
        if answer.status == 200:
            latencies.append(time.perf_counter() - began)
            acked += 512
        else:
            refused += 1
            time.sleep(float(answer.getheader("Retry-After", "1")))
        if pause:
            time.sleep(pause)
    return acked, latencies, refused


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(db: Path, workers: int = 1) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(
        [*FLOWSIGHT, "collect", "--db", str(db), "--port", str(port), "--workers", str(workers)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/metrics")
            connection.getresponse().read()
            while len(_tree(process.pid)) < 1 + (workers if workers > 1 else 0):
                time.sleep(0.1)
            return process, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("collect did not start")


def _metrics(port: int) -> dict[str, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/metrics")
    values = {}
    for line in connection.getresponse().read().decode().splitlines():
        name, _, value = line.rpartition(" ")
        values[name] = float(value)
    return values


def _rss_mib(pid: int, field: str = "VmHWM") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _tree(pid: int) -> list[int]:
    """`pid` and its children (collect's workers), from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                children.append(int(entry.name))
    return [pid, *children]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000 if ordered else 0.0


def burst(
    clients: int, seconds: float, bodies: list[bytes], settle: float, workers: int = 1
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as scratch:
        process, port = _start(Path(scratch) / "store", workers)
        pids = _tree(process.pid)
        until = time.time() + seconds
        with multiprocessing.Pool(clients) as pool:
            results = pool.map(_client, [(port, n, until, 0.0, bodies) for n in range(clients)])
        acked = sum(r[0] for r in results)
        latencies = [x for r in results for x in r[1]]
        time.sleep(settle)  # let the converter and the background compaction catch up
        metrics = _metrics(port)
        peak = sum(_rss_mib(pid) for pid in pids)  # shared copy-on-write pages count twice
        cpu = " / ".join(f"{_cpu_seconds(pid):.0f}" for pid in pids)
        process.terminate()
        process.wait(timeout=120)
    return {
        "clients": clients,
        "cpu_s": cpu,
        "spans_per_s": acked / seconds,
        "p50_ms": _percentile(latencies, 0.5),
        "p99_ms": _percentile(latencies, 0.99),
        "refused": sum(r[2] for r in results),
        "peak_rss_mib": peak,
        "segments_after": metrics.get("flowsight_store_segments", -1),
        "compactions": metrics.get("flowsight_store_compactions_total", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, nargs="+", default=[4, 16])
    parser.add_argument("--seconds", type=float, default=20.0, help="Length of each burst.")
    parser.add_argument("--settle", type=float, default=8.0, help="Wait before counting.")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1], help="collect --workers, side by side."
    )
    options = parser.parse_args()
    bodies = [make_body(seed) for seed in range(16)]
    print(
        f"body: {len(bodies[0])} bytes, 512 spans; load average {_load()} (other work shares the cores)"
    )
    floor = decode_floor(bodies)
    print(f"decode floor (opentelemetry-proto, one process): {floor:,.0f} spans/s")
    print(f"flowsight's native decoder to Arrow (one thread): {native_rate(bodies):,.0f} spans/s")
    for clients in options.clients:
        for workers in options.workers:
            _report(clients, workers, floor, options, bodies)


def _report(
    clients: int, workers: int, floor: float, options: argparse.Namespace, bodies: list[bytes]
) -> None:
    row = burst(clients, options.seconds, bodies, options.settle, workers)
    print(
        f"{clients} clients, {workers} worker(s): {row['spans_per_s']:,.0f} acked spans/s "
        f"({row['spans_per_s'] / floor:.1%} of the floor), p50 {row['p50_ms']:.0f} ms, "
        f"p99 {row['p99_ms']:.0f} ms, refused {row['refused']:.0f}, peak RSS (sum over "
        f"the process tree) "
        f"{row['peak_rss_mib']:.0f} MiB, segments {options.settle:.0f} s after the "
        f"{options.seconds:.0f} s burst: {row['segments_after']:.0f} "
        f"({row['compactions']:.0f} compactions); CPU s per process (parent / workers) "
        f"{row['cpu_s']}; load average after {_load()}",
        flush=True,
    )


if __name__ == "__main__":
    main()
