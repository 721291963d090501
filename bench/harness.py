"""What the load and resilience scripts share: a scratch PostgreSQL database, gunicorn on a local port, and
a person at a browser driving the app over HTTP (stdlib only). Loopback addresses only."""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "load-test-password"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"


def scratch_database(server: str, name: str) -> str:
    """Drops and creates database `name` on the server; returns its SQLAlchemy URL."""
    from sqlalchemy import create_engine, text
    base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return f"{base}/{name}"


def flask(env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout


def seed(env: dict, editors: int = 0) -> None:
    """Migrated schema, the demo, and `editors` extra editors load00@… in Ekdala kommun."""
    flask(env, "db", "upgrade")
    flask(env, "seed-demo", "--password", PASSWORD)
    for i in range(editors):
        flask(env, "users", "create", "--email", f"load{i:02d}@demo.example", "--municipality", "Ekdala kommun",
              "--role", "editor", "--password", PASSWORD)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving app:app on a free loopback port, in its own process group."""

    def __init__(self, env: dict, workers: int = 3, threads: int = 4):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{self.port}", "app:app"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.wait_until_up()

    def wait_until_up(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(10)


class EditorClient:
    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self.form: dict[str, str] = {}

    def request(self, path: str, data: dict | None = None, headers: dict | None = None,
                timeout: float = 30) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with self.opener.open(req, timeout=timeout) as response:
                return response.status, response.read().decode(errors="replace")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def sign_in(self, email: str, password: str) -> int:
        _, page = self.request("/auth/sign-in")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, _ = self.request("/auth/sign-in", {"csrf_token": token, "email": email, "password": password})
        return status

    def open_section(self, plan_id: int, section: str) -> str:
        """Loads the section page and keeps what its form would send (token, lock counter, page identity)."""
        _, page = self.request(f"/plans/{plan_id}/sections/{section}")
        self.form = {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
                     "lock": re.search(r'name="lock" id="lock" value="(\d+)"', page).group(1),
                     "editor_token": re.search(r'name="editor_token" value="([^"]+)"', page).group(1)}
        return page

    def autosave(self, plan_id: int, section: str, field: str, value: str) -> tuple[int, str]:
        status, body = self.request(f"/plans/{plan_id}/sections/{section}",
                                    {**self.form, "_autosave": field, field: value}, {"HX-Request": "true"})
        if status == 200:
            self.form["lock"] = re.search(r'id="lock" value="(\d+)"', body).group(1)
        return status, body
