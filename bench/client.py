"""Timed HTTP requests over keep-alive connections (http.client), with the session cookie
or API token of a bench user: latency percentiles, concurrent throughput and streamed
downloads."""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from collections.abc import Callable

WARMUP = 5


class Client:
    def __init__(self, port: int, *, cookie: str = "", token: str = ""):
        self.port = port
        self.headers = {"Accept-Encoding": "identity"}
        if cookie:
            self.headers["Cookie"] = cookie
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            self.conn.request("GET", path, headers=self.headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            self.conn.request("GET", path, headers=self.headers)
            response = self.conn.getresponse()
        return response.status, response.read()

    def stream_lines(self, path: str) -> tuple[int, int]:
        """(status, number of lines) of a streamed download, read in chunks."""
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        lines = 0
        while chunk := response.read(1 << 16):
            lines += chunk.count(b"\n")
        return response.status, lines


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p95_index = max(int(round(0.95 * len(ordered))) - 1, 0)
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": round(ordered[p95_index], 2),
        "max": round(ordered[-1], 2),
        "n": len(ordered),
    }


def timed(call: Callable[[], object], repeat: int, warmup: int = WARMUP) -> dict[str, float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples)


def timed_get(client: Client, path: str, repeat: int) -> dict[str, float]:
    status, body = client.get(path)
    if status != 200:
        raise SystemExit(f"bench: GET {path} answered {status}: {body[:300]!r}")
    return timed(lambda: client.get(path), repeat)


def throughput(make_client: Callable[[], Client], paths: list[str], clients: int, seconds: float):
    """Requests per second with `clients` threads, each on its own keep-alive connection,
    cycling through `paths` for `seconds`."""
    done = [0] * clients
    failed = [0] * clients
    latencies: list[list[float]] = [[] for _ in range(clients)]
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def work(slot: int) -> None:
        client = make_client()
        for path in paths[:3]:
            client.get(path)
        start.wait()
        index = slot
        while time.perf_counter() < stop_at[0]:
            began = time.perf_counter()
            status, _body = client.get(paths[index % len(paths)])
            latencies[slot].append((time.perf_counter() - began) * 1000)
            index += clients
            if status == 200:
                done[slot] += 1
            else:
                failed[slot] += 1

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + 3600
    start.wait()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    merged = [value for per in latencies for value in per]
    return {
        "requests_per_s": round(sum(done) / elapsed, 1),
        "requests": sum(done),
        "errors": sum(failed),
        "clients": clients,
        "seconds": round(elapsed, 1),
        **percentiles(merged or [0.0]),
    }
