"""A fresh installation started by gunicorn with several workers: every worker comes up, every time.

The workers start at once; on the embedded SQLite default each would migrate the new database and make its
secret key at the same moment. Run on SQLite only: the embedded default is what it is about.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
STARTS = 10  # as the issue asks: a race that shows once in ten starts is a failed upgrade night
WORKERS = 4

pytestmark = pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                                reason="about the embedded SQLite default; the SQLite run covers it")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_once(instance: Path) -> tuple[bool, str]:
    """Start gunicorn on a fresh instance folder; whether it served /healthz with all workers alive."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "SECRET_KEY")}
    env["PLANBUILDER_INSTANCE_PATH"] = str(instance)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "app:app"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        time.sleep(2)  # a worker that fails to boot takes the arbiter down shortly after
                        break
            except OSError:
                time.sleep(0.2)
        alive = server.poll() is None
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    return alive and "Worker failed to boot" not in output and "Traceback" not in output, output


def test_a_fresh_instance_starts_under_several_workers_every_time(tmp_path):
    for attempt in range(STARTS):
        instance = tmp_path / f"instance-{attempt}"
        started, output = _start_once(instance)
        assert started, f"start {attempt + 1} of {STARTS} failed:\n{output[-3000:]}"
        assert len({(instance / "secret_key").read_text()}) == 1
