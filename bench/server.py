"""The application under test as a separate process: gunicorn on 127.0.0.1 and a free port,
2 workers × 4 threads (gthread, so keep-alive connections are served), and the peak
resident memory of its processes read from /proc."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .environment import ROOT, Target

WORKERS = 2
THREADS = 4


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    def __init__(self, target: Target):
        self.target = target
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = target.data_dir / "server.log"

    def __enter__(self) -> Server:
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "kartoteka.config.wsgi:application",
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={WORKERS}",
            f"--threads={THREADS}",
            "--worker-class=gthread",
            "--keep-alive=30",
            "--timeout=600",
            "--log-level=warning",
        ]
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                command, env=self.target.env(), cwd=ROOT, stdout=log, stderr=log
            )
        self._wait_ready()
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"bench: the server stopped; see {self.log}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/accounts/login/")
                conn.getresponse().read()
                conn.close()
                if len(self.worker_pids()) >= WORKERS:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"bench: the server did not answer in {timeout} s; see {self.log}")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(entry))
        return pids

    def peak_rss_mb(self) -> dict[str, float]:
        """VmHWM (peak resident set) of each worker and of the master, in MiB."""
        peaks = {}
        for pid in [self.process.pid, *self.worker_pids()]:
            try:
                with open(f"/proc/{pid}/status") as status:
                    for line in status:
                        if line.startswith("VmHWM:"):
                            peaks[str(pid)] = round(int(line.split()[1]) / 1024, 1)
            except OSError:
                continue
        return peaks

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
