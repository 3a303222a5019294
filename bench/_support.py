"""Shared by the benchmarks that start servers: a free loopback port, and waiting for a server to listen."""
from __future__ import annotations

import socket
import subprocess
import sys
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, proc: subprocess.Popen, tries: int = 300) -> None:
    """Return once ``port`` accepts connections; exit if ``proc`` dies or it never does."""
    for _ in range(tries):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if proc.poll() is not None:
                sys.exit(f"server exited: {proc.returncode}")
            time.sleep(0.1)
    sys.exit("server did not start")
