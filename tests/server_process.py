"""A review service in a process of its own, for tests that kill it or measure it under load
(a process of its own does not share the test's GIL, and can be SIGKILLed).

It is uvicorn serving :func:`slow_service.app` (the service with a slow fake screener) on a free
loopback port, configured by the environment as ``clearance serve`` is.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from slow_service import DELAY_ENV

TESTS_DIR = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """``with ServerProcess(...) as server:`` — started and ready on enter, stopped on exit;
    :meth:`kill` SIGKILLs it (and reaps it, so its pid is gone)."""

    def __init__(self, folder: Path, database_url: str, *, secret: str, delay: float,
                 port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"server-{self.port}.log"
        self.env = {**os.environ, "CLEARANCE_DATABASE_URL": database_url,
                    "CLEARANCE_DATA_DIR": str(folder / "data"), "CLEARANCE_SECRET_KEY": secret,
                    "CLEARANCE_ENVIRONMENT": "test", "CLEARANCE_SEMANTIC": "off",
                    DELAY_ENV: str(delay), **(env or {})}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServerProcess:
        cmd = [sys.executable, "-m", "uvicorn", "slow_service:app", "--factory", "--app-dir",
               str(TESTS_DIR), "--host", "127.0.0.1", "--port", str(self.port), "--log-level",
               "warning", "--no-access-log"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(cmd, env=self.env, cwd=self.folder, stdout=log,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}):\n"
                                   + self.log.read_text(errors="replace")[-4000:])
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise RuntimeError("the server did not start:\n" + self.log.read_text()[-4000:])

    def kill(self) -> None:
        """SIGKILL, as a crash or an OOM kill would end it."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()
