"""A Streamlit script served on a free local port (127.0.0.1 only), and the memory its server uses.

The benchmark starts the app and the floor page with it, each a new process, so cold start is measured from
the moment the process is launched.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from hiap_geo.core import settings
from hiap_geo.render.maps import install_map_assets

LOGS = settings.PROJECT_ROOT / "test-artifacts"


class ServerDidNotStart(RuntimeError):
    """The Streamlit server did not open its port in time; its log says why."""


@dataclass(frozen=True)
class Server:
    url: str
    pid: int
    started: float
    """``time.perf_counter()`` just before the process was launched."""
    listening: float
    """Seconds from launch until the port accepted a connection."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(script: Path, cache_dir: Path, env: dict[str, str] | None = None, timeout_s: float = 60,
                     cwd: Path = settings.PROJECT_ROOT) -> Iterator[Server]:
    """``streamlit run script`` on a free port of 127.0.0.1 reading ``cache_dir``; stopped on exit.

    ``cwd`` holds the ``.streamlit/config.toml`` the server reads (the project's: static files served)."""
    install_map_assets(script.parent / "static")  # Streamlit serves the static folder beside the script
    port = free_port()
    # As `make run` starts the app (the Makefile's MALLOC_ARENA_MAX: one arena per session thread holds memory).
    full_env = {**os.environ, "MALLOC_ARENA_MAX": "2", "HIAP_CACHE_DIR": str(cache_dir), **(env or {})}
    LOGS.mkdir(exist_ok=True)
    with (LOGS / f"bench-streamlit-{port}.log").open("w") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=cwd, env=full_env, stdout=out, stderr=subprocess.STDOUT,
        )
        try:
            deadline = started + timeout_s
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    if time.perf_counter() > deadline or proc.poll() is not None:
                        raise ServerDidNotStart(f"streamlit did not start; see {out.name}") from None
                    time.sleep(0.05)
            yield Server(f"http://127.0.0.1:{port}", proc.pid, started, time.perf_counter() - started)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def server_rss_mb(pid: int) -> float:
    """Resident memory of the server process and all its children, in MB."""
    root = psutil.Process(pid)
    total = 0
    for proc in [root, *root.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total / 1e6


def server_cpu_s(pid: int) -> float:
    """CPU seconds (user and system) the server process and its children have used: steadier than wall time
    on a machine shared with other work."""
    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *root.children(recursive=True)]:
        try:
            times = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total
