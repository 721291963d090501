"""What the load and resilience scripts share: a scratch PostgreSQL database, gunicorn on a local port, and
a person at a browser driving the app over HTTP (stdlib only). Loopback addresses only."""
from __future__ import annotations

import datetime
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


def flush_redis(url: str) -> None:
    """Empty the Redis database of `url` (its number after the last slash): rate limits, queued jobs."""
    subprocess.run(["redis-cli", "-n", url.rsplit("/", 1)[1], "FLUSHDB"], capture_output=True, check=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving app:app on a free loopback port, in its own process group. With `access_log`, every
    request is logged there as "METHOD PATH STATUS MICROSECONDS" (the server's own time; see server_times)."""

    ACCESS_FORMAT = "%(m)s %(U)s %(s)s %(D)s"

    def __init__(self, env: dict, workers: int = 3, threads: int = 4, access_log: Path | None = None):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        logging = ["--access-logfile", str(access_log), "--access-logformat", self.ACCESS_FORMAT] if access_log else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
             "--bind", f"127.0.0.1:{self.port}", *logging, "app:app"],
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


def server_times(access_log: Path, method: str, path: str, start: int = 0, end: int | None = None) -> list[float]:
    """Milliseconds the server took for the 200 answers to `method` on paths matching the regular expression
    `path`, logged between byte offsets start and end of a Gunicorn access log."""
    with access_log.open("rb") as log:
        log.seek(start)
        text = log.read(None if end is None else end - start).decode(errors="replace")
    pattern = re.compile(rf"^{method} ({path}) 200 (\d+)$", re.MULTILINE)
    return [int(match.group(2)) / 1000 for match in pattern.finditer(text)]


class Worker:
    """`flask --app app worker` (the document worker on the QUEUE_URL in env), in its own process group."""

    def __init__(self, env: dict, log: Path | None = None):
        output = log.open("ab") if log else subprocess.DEVNULL
        self.process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "worker"], cwd=REPO, env=env,
                                        stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        if log:
            output.close()

    def kill(self) -> None:
        """SIGKILL, as the out-of-memory killer or a lost machine would: no chance to tidy up."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        """RQ's warm shutdown (the job in hand is finished), killed if that takes more than half a minute."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.kill()


class EditorClient:
    def __init__(self, base: str):
        self.base = base
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies)
        self.staying = urllib.request.build_opener(cookies, _NoRedirect())  # answers a 303 as it comes
        self.form: dict[str, str] = {}

    def fetch(self, path: str, data: dict | None = None, headers: dict | None = None, timeout: float = 30,
              follow: bool = True) -> tuple[int, bytes, str]:
        """Status, body as bytes and content type (a PDF is not decoded); `follow=False` keeps a redirect."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {})
        try:
            with (self.opener if follow else self.staying).open(req, timeout=timeout) as response:
                return response.status, response.read(), response.headers.get("Content-Type", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read(), error.headers.get("Content-Type", "")

    def request(self, path: str, data: dict | None = None, headers: dict | None = None,
                timeout: float = 30) -> tuple[int, str]:
        status, body, _ = self.fetch(path, data, headers, timeout)
        return status, body.decode(errors="replace")

    def download(self, path: str, until: float | None = None) -> tuple[int, bytes, int]:
        """A document as a browser without JavaScript gets it: a progress page (202) is asked again, naming its
        job, after as many seconds as its meta refresh says, until the document comes or until `until`
        (time.monotonic()). Returns the last status, its body and how many progress pages."""
        status, body, _ = self.fetch(path)
        pages = 0
        while status == 202 and (until is None or time.monotonic() < until):
            pages += 1
            job = re.search(rb"job=(\d+)", body).group(1).decode()
            time.sleep(int(re.search(rb'http-equiv="refresh" content="(\d+);', body).group(1)))
            status, body, _ = self.fetch(f"{path}{'&' if '?' in path else '?'}job={job}")
        return status, body, pages

    def adopt(self, version_id: int, csrf_token: str | None = None, step: str = "confirm") -> int:
        """The adoption form of a council decision two days ago, sent for its "check" (the confirmation page, 200)
        or by the confirmation page's final button, "confirm" (303 when the adoption is recorded; the page it
        leads to is not fetched). Given a token, this is the one POST and nothing else."""
        decided_on = (datetime.date.today() - datetime.timedelta(days=2)).isoformat()
        status, _, _ = self.fetch(f"/versions/{version_id}/adopt", {
            "decision_body": "Kommunfullmäktige", "decision_date": decided_on, "decision_paragraph": "KF § 12",
            "case_number": "KS 2026/12", "step": step, "csrf_token": csrf_token or self.csrf_token()},
            follow=False)
        return status

    def csrf_token(self) -> str:
        """The session's CSRF token, as every page of the app carries it for htmx."""
        _, page = self.request("/")
        return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)

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
                     "editor_token": re.search(r'name="editor_token" value="([^"]+)"', page).group(1),
                     **dict(BASE_INPUT.findall(page))}
        return page

    def autosave(self, plan_id: int, section: str, field: str, value: str) -> tuple[int, str]:
        status, body = self.request(f"/plans/{plan_id}/sections/{section}",
                                    {**self.form, "_autosave": field, field: value}, {"HX-Request": "true"})
        if status == 200:
            self.form["lock"] = re.search(r'id="lock" value="(\d+)"', body).group(1)
            self.form.update(BASE_INPUT.findall(body))  # the saved field's new base, as the page takes it
        return status, body


# What each field held when the page loaded it (field-level merge): sent back with every save, as the page does.
BASE_INPUT = re.compile(r'name="(_base-[^"]+)" id="base-[^"]+" value="([0-9a-f]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 303 itself
