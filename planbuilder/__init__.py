"""Planbuilder: write, adopt and revise a municipality's local action plan."""
from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import text

from . import extensions as ext
from .config import REPO_ROOT, ConfigurationError, defaults, mail_from, mail_server, secret_key
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .plan_templates import TemplateError, load_templates
from .services.jobs.queue import MODES

log = logging.getLogger(__name__)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        # Where the secret key, the embedded database and config.py live (default: instance/ in the checkout).
        instance_path=os.environ.get("PLANBUILDER_INSTANCE_PATH") or None,
        template_folder=str(REPO_ROOT / "templates"),
        static_folder=str(REPO_ROOT / "static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    try:
        _configure(app, test_config)
        app.extensions["plan_templates"] = load_templates(app.config["PLAN_TEMPLATES_DIR"])
    except (ConfigurationError, TemplateError) as exc:
        # An operator's mistake: say exactly what is wrong and stop, without a traceback.
        raise SystemExit(f"Planbuilder cannot start:\n{exc}") from None

    _init_extensions(app)
    _register_blueprints(app)
    from . import cli, security, templating
    security.register(app)
    templating.register(app)
    cli.register(app)
    if app.config["AUTO_MIGRATE"] and not app.config.get("TESTING"):
        _migrate_embedded_database(app)
    return app


def _configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_pyfile("config.py", silent=True)
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(app.instance_path)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(app.instance_path) / "translations"))
    if app.config["JOB_QUEUE"] not in MODES or (app.config["JOB_QUEUE"] == "redis" and not app.config["QUEUE_URL"]):
        raise ConfigurationError(f"JOB_QUEUE must be one of {', '.join(MODES)} (redis needs QUEUE_URL), "
                                 f"not '{app.config['JOB_QUEUE']}'")
    # A MAIL_URL that does not parse stops the start here, not at the first mail.
    app.config["MAIL_FROM"] = mail_from(app.config["MAIL_FROM"], mail_server(app.config["MAIL_URL"]))
    if app.config.get("AUTO_MIGRATE") is None:
        app.config["AUTO_MIGRATE"] = str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite")


def _init_extensions(app: Flask) -> None:
    from . import i18n
    from .services.people.accounts import load_session_user

    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    if app.config.get("PROXY_HOPS"):
        # The rate limiter keys on the client's address; behind a proxy that comes from X-Forwarded-For.
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
    limiter.init_app(app)
    # via the module: the name "htmx" on this package is the planbuilder.htmx submodule once imported
    ext.htmx.init_app(app)
    i18n.compile_catalogues(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.sign_in"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_session_user)
    login_manager.unauthorized_handler(_unauthorized)
    _tune_sqlite(app)


def _tune_sqlite(app: Flask) -> None:
    """The embedded SQLite file in WAL mode: readers never wait for the writer, and a commit costs no fsync
    of the whole database (synchronous=NORMAL keeps it crash-safe for the app; PostgreSQL is for production)."""
    from sqlalchemy import event

    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _on_connect(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()


def _unauthorized():
    from .views.auth import unauthorized

    return unauthorized()


def _register_blueprints(app: Flask) -> None:
    from .views import (
        admin,
        assets,
        auth,
        documents,
        errors,
        follow_up,
        health,
        plans,
        public,
        review,
        versions,
        wizard,
    )

    app.register_blueprint(assets.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp, url_prefix="/auth")
    app.register_blueprint(plans.bp)
    app.register_blueprint(wizard.bp, url_prefix="/plans")
    app.register_blueprint(documents.bp, url_prefix="/versions")
    app.register_blueprint(versions.bp, url_prefix="/versions")
    app.register_blueprint(review.bp, url_prefix="/review")
    app.register_blueprint(follow_up.bp, url_prefix="/follow-up")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    # Share links open without an account; this blueprint serves nothing but their PDFs.
    app.register_blueprint(review.shared_bp, url_prefix="/shared")
    # The municipalities' published plans, for anyone (no account, no cookie).
    app.register_blueprint(public.bp, url_prefix="/public")
    errors.register(app)


def _migrate_embedded_database(app: Flask) -> None:
    """On the embedded SQLite default, bring the schema up to date at start so the Quick start just works.

    gunicorn starts its workers at once, so one process migrates at a time (a file lock in instance/; on
    PostgreSQL, where auto-migration is only on when asked for, an advisory lock, which also holds across
    machines); the others then find the schema up to date. PostgreSQL deployments normally run
    `flask --app app db upgrade` as a release step instead.
    """
    with app.app_context(), _migration_lock(app):
        upgrade()


MIGRATION_LOCK_KEY = 0x706C616E  # any fixed number; "plan" in ASCII


@contextmanager
def _migration_lock(app: Flask) -> Iterator[None]:
    with open(Path(app.instance_path) / "migrate.lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            if db.engine.dialect.name != "postgresql":
                yield
                return
            with db.engine.connect() as connection:
                connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
                try:
                    yield
                finally:
                    connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
