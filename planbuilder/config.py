"""Configuration defaults, read from the environment; secrets and the SQLite file live in instance/."""
from __future__ import annotations

import os
import secrets
import tempfile
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigurationError(Exception):
    """Raised for settings the app cannot start with; the message is meant for the operator."""


def database_uri(instance_path: str) -> str:
    """DATABASE_URL when set (PostgreSQL in production), else a SQLite file in instance/."""
    raw = os.environ.get("DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{Path(instance_path) / 'planbuilder.sqlite3'}"
    return normalise_database_url(raw)


def normalise_database_url(raw: str) -> str:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigurationError(
            "DATABASE_URL is not a valid database URL; expected for example "
            "postgresql://user:password@host:5432/planbuilder"
        ) from None
    if url.drivername in ("postgres", "postgresql"):
        # psycopg 3 is the driver we ship; SQLAlchemy's bare "postgresql" means psycopg2.
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("postgresql", "sqlite"):
        raise ConfigurationError(
            f"DATABASE_URL uses '{url.get_backend_name()}'; Planbuilder runs on PostgreSQL or SQLite"
        )
    return url.render_as_string(hide_password=False)


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated on first start and kept in instance/."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        _create_once(key_file, secrets.token_hex(32))
    return key_file.read_text().strip()


BACKUP_KEY_FILE = "backup.key"


def backup_key(instance_path: str) -> str | None:
    """BACKUP_KEY from the environment, else the key kept in instance/backup.key, else None.

    Unlike the secret key it is not made at start: a server that restores backups must be given the key they
    were made with, and one of its own would only turn that mistake into a confusing refusal later."""
    from_env = os.environ.get("BACKUP_KEY")
    if from_env:
        return from_env
    key_file = Path(instance_path) / BACKUP_KEY_FILE
    return key_file.read_text().strip() if key_file.exists() else None


def new_backup_key(instance_path: str) -> Path:
    """Make instance/backup.key (0600) with a random key, unless another process just did; its path."""
    key_file = Path(instance_path) / BACKUP_KEY_FILE
    _create_once(key_file, secrets.token_hex(32))
    return key_file


def _create_once(path: Path, content: str) -> None:
    """Write the file whole, unless another process (a sibling gunicorn worker) got there first: written
    beside it and linked into place, so nobody reads it half-written and the first one wins."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:  # mkstemp makes it 0600
            handle.write(content)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
    finally:
        os.unlink(draft)


def queue_url() -> str:
    """QUEUE_URL: the Redis that carries jobs to `flask --app app worker`; empty for the embedded worker."""
    raw = os.environ.get("QUEUE_URL", "").strip()
    if raw and not raw.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigurationError(f"QUEUE_URL must be a Redis URL such as redis://127.0.0.1:6379/1, not '{raw[:60]}'")
    return raw


MAIL_URL_EXAMPLE = "smtp://user:password@mail.example.org:587?starttls=1 or smtps://user:password@mail.example.org"


@dataclass(frozen=True)
class MailServer:
    """Where mail goes, read from MAIL_URL: smtp:// (STARTTLS with ?starttls=1) or smtps:// (TLS from the start)."""
    host: str
    port: int
    ssl: bool
    starttls: bool
    user: str | None
    password: str | None
    timeout: float


def mail_server(raw: str) -> MailServer | None:
    """MAIL_URL parsed, or None when it is empty (mails are then written to the outbox folder).

    The message never repeats the URL: it may hold the mail account's password."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        url = urlsplit(raw)
        query = parse_qs(url.query, keep_blank_values=True, strict_parsing=bool(url.query))
        port = url.port
    except ValueError as exc:
        raise ConfigurationError(f"MAIL_URL does not parse ({exc}); expected for example {MAIL_URL_EXAMPLE}") from None
    problem = _mail_url_problem(url, query)
    if problem:
        raise ConfigurationError(f"MAIL_URL {problem}; expected for example {MAIL_URL_EXAMPLE}")
    starttls = query.get("starttls", ["0"])[-1] in ("1", "true", "yes")
    ssl = url.scheme == "smtps"
    return MailServer(host=url.hostname, port=port or (465 if ssl else 587 if starttls else 25), ssl=ssl,
                      starttls=starttls, user=unquote(url.username) if url.username else None,
                      password=unquote(url.password) if url.password is not None else None,
                      timeout=float(query.get("timeout", ["10"])[-1]))


def _mail_url_problem(url, query: dict[str, list[str]]) -> str | None:
    if url.scheme not in ("smtp", "smtps"):
        return f"must start with smtp:// or smtps://, not '{url.scheme or 'nothing'}'"
    if not url.hostname:
        return "names no mail server"
    unknown = sorted(set(query) - {"starttls", "timeout"})
    if unknown:
        return f"has an unknown setting '{unknown[0]}' (known: starttls, timeout)"
    if url.scheme == "smtps" and query.get("starttls", ["0"])[-1] not in ("0", ""):
        return "asks for STARTTLS on smtps://, which is TLS from the start"
    timeout = query.get("timeout", ["10"])[-1]
    if not timeout.isdigit() or int(timeout) == 0:
        return f"timeout must be a whole number of seconds, not '{timeout}'"
    return None


def mail_from(raw: str, server: MailServer | None) -> str:
    """MAIL_FROM, the sender's address; required with a mail server (it would refuse a made-up one)."""
    raw = (raw or "").strip()
    if not raw:
        if server is not None:
            raise ConfigurationError("MAIL_URL is set but MAIL_FROM is not: set MAIL_FROM to the address mails "
                                     "come from, for example 'Planbuilder <planbuilder@example.org>'")
        return "Planbuilder <planbuilder@localhost>"
    if "@" not in parseaddr(raw)[1]:
        raise ConfigurationError(f"MAIL_FROM must be an e-mail address such as planbuilder@example.org, not '{raw}'")
    return raw


def _proxy_hops() -> int:
    return _whole_number_env("PLANBUILDER_PROXY_HOPS", 0, "proxies")


def _whole_number_env(name: str, default: int, unit: str = "") -> int:
    raw = os.environ.get(name, "").strip() or str(default)
    if not raw.isdigit():
        raise ConfigurationError(f"{name} must be a whole number{' of ' + unit if unit else ''}, not '{raw}'")
    return int(raw)


def _default_timezone() -> str:
    """The clock for pages that belong to no municipality (signed out, the command line)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    raw = os.environ.get("PLANBUILDER_TIMEZONE", "").strip() or "Europe/Stockholm"
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"PLANBUILDER_TIMEZONE must name a time zone such as Europe/Oslo, not '{raw}'"
                                 " (is the tzdata package installed?)") from None
    return raw


def defaults(instance_path: str) -> dict:
    """The base layer of configuration; instance/config.py and the test mapping override it."""
    https = os.environ.get("PLANBUILDER_HTTPS", "").lower() in ("1", "true", "yes")
    return {
        "SQLALCHEMY_DATABASE_URI": database_uri(instance_path),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "PLAN_TEMPLATES_DIR": str(REPO_ROOT / "plan_templates"),
        "BABEL_DEFAULT_LOCALE": "en",
        # Times are stored in UTC and shown on the clock of the reader's municipality (i18n.select_timezone).
        "BABEL_DEFAULT_TIMEZONE": _default_timezone(),
        "WTF_CSRF_TIME_LIMIT": None,  # a coordinator may keep a section open all afternoon
        # A signed-in session ends after this long without a request (an autosave counts), and at the latest
        # this long after signing in (ASVS L2: 30 minutes idle, 12 hours absolute).
        "SESSION_IDLE_MINUTES": _whole_number_env("PLANBUILDER_SESSION_IDLE_MINUTES", 30),
        "SESSION_MAX_HOURS": _whole_number_env("PLANBUILDER_SESSION_MAX_HOURS", 12),
        # Under HTTPS the __Host- prefix tells the browser the cookie is this host's alone, sent over HTTPS only.
        "SESSION_COOKIE_NAME": "__Host-session" if https else "session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "HTTPS": https,
        # Behind a reverse proxy, the number of proxies whose X-Forwarded-For/-Proto to trust: the sign-in
        # rate limit must count the visitor's address, not the proxy's. 0 (the default): trust none.
        "PROXY_HOPS": _proxy_hops(),
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # If Redis goes away, keep limiting per process rather than failing every sign-in with an error.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": "planbuilder",
        "RATELIMIT_HEADERS_ENABLED": True,
        # Sign-in attempts, counted per IP address and e-mail, and per IP address alone.
        "SIGN_IN_LIMIT_PER_ACCOUNT": "5 per minute",
        "SIGN_IN_LIMIT_PER_IP": "20 per minute",
        # Opening share links and one-time sign-in links, per IP address.
        "LINK_LIMIT_PER_IP": "60 per minute",
        # Asking for a new password by mail: per IP address, and per address asked for (nobody's inbox flooded).
        "PASSWORD_RESET_LIMIT_PER_IP": "10 per minute",
        "PASSWORD_RESET_LIMIT_PER_EMAIL": "3 per minute",
        # Made documents are also kept as files here, so downloads are sent by the operating system rather than
        # read through the database (services/documents/document_files.py); at most this many MB, 0 turns it off.
        "DOCUMENT_FILES_DIR": (os.environ.get("PLANBUILDER_DOCUMENT_FILES_DIR")
                               or str(Path(instance_path) / "documents")),
        "DOCUMENT_FILES_MB": _whole_number_env("PLANBUILDER_DOCUMENT_FILES_MB", 1000),
        # With the queue on Redis no worker sweeps this machine's copies: each app process prunes them this often
        # (0: never; the tests' default, where a thread outliving its test would prune another test's folder).
        "DOCUMENT_FILES_PRUNE_SECONDS": 300,
        # None: decided once every configuration layer is read (planbuilder.create_app): the embedded SQLite
        # database migrates itself; a server database is migrated as a release step, never by every process.
        "AUTO_MIGRATE": None,
        # Documents are made by a worker: RQ on the Redis at QUEUE_URL, else a thread in each app process.
        "QUEUE_URL": queue_url(),
        "JOB_QUEUE": "redis" if queue_url() else "embedded",
        # How much lower the document worker's priority is than the web requests' (0-19, as `nice`): the lowest by
        # default, documents are made ahead of time and people typing come first (docs/performance.md).
        "JOB_WORKER_NICE": _whole_number_env("PLANBUILDER_WORKER_NICE", 19),
        # A worker process of its own (`flask --app app worker`) runs only when a core is idle (Linux SCHED_IDLE).
        "JOB_WORKER_IDLE": os.environ.get("PLANBUILDER_WORKER_IDLE", "1") != "0",
        "JOB_SWEEP_SECONDS": 30,        # how often the embedded worker looks for jobs that lost their worker
        "JOB_HEARTBEAT_SECONDS": 5,     # a running job's sign of life
        "JOB_STALE_SECONDS": 60,        # no sign of life for this long: the worker died, the job is handed out again
        "JOB_RESUBMIT_SECONDS": 120,    # queued this long without starting: handed to the queue again
        "JOB_STALL_SECONDS": 20,        # queued this long without starting: the progress page says the worker is late
        # A draft's PDFs are made again once nobody has saved it for this long.
        "JOB_SETTLE_SECONDS": _whole_number_env("PLANBUILDER_SETTLE_SECONDS", 60, "seconds"),
        # /healthz answers 503 when the instance folder has less room than this.
        "HEALTH_MIN_FREE_MB": _whole_number_env("PLANBUILDER_HEALTH_MIN_FREE_MB", 100),
        # Mail: sent through the SMTP server at MAIL_URL, else written as .eml files to MAIL_OUTBOX_DIR.
        # Both are checked once every configuration layer is read (planbuilder.create_app).
        "MAIL_URL": os.environ.get("MAIL_URL", ""),
        "MAIL_FROM": os.environ.get("MAIL_FROM", ""),
        "MAIL_OUTBOX_DIR": str(Path(instance_path) / "outbox"),
        "MAIL_MAX_ATTEMPTS": 8,          # then the mail stays failed, for an admin to see
        "MAIL_RETRY_SECONDS": 60,        # the first retry's pause; each next one waits twice as long, at most an hour
        # Where people reach Planbuilder: links in mail sent by a command (no request to take the address from).
        "BASE_URL": os.environ.get("BASE_URL", "").strip() or "http://127.0.0.1:5000",  # the Quick start
    }
