"""flask commands. The names are stable: other tools and checks rely on them."""
from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import NoReturn

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .extensions import db
from .locales import ui_languages
from .models import ROLES, Municipality, Plan, PlanVersion
from .notify_cli import notify_cli
from .plan_templates import TemplateError, load_template_file, load_templates
from .services.data import backup, backup_mac, demo, file_format, plan_export
from .services.documents import rendering as documents
from .services.jobs import queue as job_queue
from .services.jobs import runner as job_runner
from .services.mail import outbox
from .services.people import accounts, admin
from .services.plans import plans, versions

templates_cli = AppGroup("templates", help="Plan templates in plan_templates/.")
plans_cli = AppGroup("plans", help="Plans and their versions.")
municipalities_cli = AppGroup("municipalities", help="Municipalities.")
users_cli = AppGroup("users", help="User accounts.")
backup_cli = AppGroup("backup", help="Backup and restore of a whole municipality (docs/backup.md).")


def register(app: Flask) -> None:
    for command in (seed_demo, worker, jobs_cli, mail_cli, notify_cli, templates_cli, plans_cli, municipalities_cli,
                    users_cli, backup_cli):
        refuse_unstorable_input(command)
        app.cli.add_command(command)


def refuse_unstorable_input(command: click.Command) -> None:
    """Every command's arguments, options and prompted answers checked once, here, for the null character:
    PostgreSQL cannot store it, and a name or password typed at a prompt would otherwise end in a traceback."""
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            refuse_unstorable_input(sub)
        return
    callback = command.callback

    @functools.wraps(callback)
    def checked(*args, **kwargs):
        for name, value in kwargs.items():
            if isinstance(value, str) and "\x00" in value:
                fail(f"{name.replace('_', '-')} contains a character that cannot be stored (a null byte)")
        return callback(*args, **kwargs)

    command.callback = checked


def fail(message: str) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Make documents in the background: the job queue's worker (RQ on the Redis at QUEUE_URL)."""
    app = current_app._get_current_object()
    if app.config["JOB_QUEUE"] != "redis":
        fail("QUEUE_URL is not set: without it, each app process runs its own worker and this command is not "
             "needed (set QUEUE_URL=redis://… on the app and on the worker to use a separate worker)")
    from redis.exceptions import RedisError

    try:
        job_queue.work_on_redis(app, burst=burst)
    except RedisError as exc:
        fail(f"the Redis at QUEUE_URL does not answer: {exc}")


jobs_cli = AppGroup("jobs", help="Documents made in the background.")


@jobs_cli.command("run")
def jobs_run() -> None:
    """Make every document that is waiting, here and now, then stop."""
    done = job_runner.run_due()
    click.echo(f"ran {done} job(s)")


@jobs_cli.command("list")
def jobs_list() -> None:
    """The jobs that are waiting, running or failed."""
    for job in job_runner.unfinished():
        click.echo(f"{job.id}\t{job.state}\t{job.kind}\tversion {job.version_id}\t{job.edition or ''}\t"
                   f"{job.format or ''}\tattempts {job.attempts}\t{job.error or ''}")


mail_cli = AppGroup("mail", help="E-mail to people (sent by the worker; this is for cron and for checks).")


@mail_cli.command("send")
def mail_send() -> None:
    """Send the e-mail that is due now (waiting, or failed and due for another attempt), then stop."""
    delivered = outbox.deliver_due()
    click.echo(f"sent {delivered.sent} mail(s), {delivered.failed} failed")


@click.command("seed-demo")
@click.option("--password", help="Password for the demo users (default: generated and printed).")
def seed_demo(password: str | None) -> None:
    """Create a fictional municipality, its users and a complete demo plan (safe to run twice)."""
    if password is not None:
        try:
            accounts.check_new_password(password)
        except accounts.AccountError as exc:
            fail(str(exc))
    result = demo.seed(password)
    for item in result.created:
        click.echo(f"created {item}")
    if not result.created:
        click.echo("the demo data is already there; nothing created")
    if result.password:
        click.echo(f"password for the demo users: {result.password}")


@templates_cli.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
def templates_check(files: tuple[Path, ...]) -> None:
    """Validate every plan template (or the given files); exit 1 with precise messages if any is broken."""
    try:
        if files:
            found = [load_template_file(path) for path in files]
        else:
            found = list(load_templates(current_app.config["PLAN_TEMPLATES_DIR"]).values())
    except TemplateError as exc:
        for problem in exc.problems:
            click.echo(problem, err=True)
        sys.exit(1)
    for template in found:
        click.echo(f"ok  {template.id} (revision {template.revision}, {template.country}, {template.language}): "
                   f"{len(template.sections)} sections")


@plans_cli.command("list")
def plans_list() -> None:
    """One line per plan: id, municipality, template, title, latest version and status."""
    for plan in plans.all_plans():
        latest = plans.latest_version(plan)
        version = f"{latest.label}\t{latest.status}" if latest else "-\t-"
        click.echo(f"{plan.id}\t{plan.municipality.name}\t{plan.template_id}\t{plan.title}\t{version}")


@plans_cli.command("versions")
@click.argument("plan_id", type=int)
def plans_versions(plan_id: int) -> None:
    """One line per version of a plan: id, label, status, created, updated, adopted."""
    plan = db.session.get(Plan, plan_id)
    if plan is None:
        fail(f"there is no plan with id {plan_id}")
    for version in plans.versions_of(plan):
        adopted = version.decision_date.isoformat() if version.decision_date else "-"
        click.echo(f"{version.id}\t{version.label}\t{version.status}\t"
                   f"created {version.created_at:%Y-%m-%d %H:%M}\tupdated {version.updated_at:%Y-%m-%d %H:%M}\t"
                   f"adopted {adopted}")


@municipalities_cli.command("create")
@click.argument("name")
@click.option("--country", required=True, help="Two-letter code of a country some plan template is for (SE, NO, DK …).")
@click.option("--language", help="Interface language (default: the country's plan language, if the interface has it).")
def municipalities_create(name: str, country: str, language: str | None) -> None:
    """Create a municipality. Its country needs a plan template; its language may be any interface language
    (a Swedish-speaking municipality in Finland: --country FI --language sv)."""
    try:
        municipality = accounts.create_municipality(name, country, language)
    except accounts.AccountError as exc:
        fail(str(exc))
    click.echo(f"created municipality {municipality.id}: {municipality.name} ({municipality.country}, "
               f"{municipality.language})")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--municipality", "municipality_ref", required=True,
              help="Name (in any letter case) or id of the municipality.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", "display_name", default="", help="Display name of a new account (default: the e-mail "
              "address).")
@click.option("--password", help="Initial password of a new account (default: asked for, in a terminal). An "
              "existing account keeps its password.")
def users_create(email: str, municipality_ref: str, role: str, display_name: str, password: str | None) -> None:
    """Create a user with a role in one municipality (use it to make the first admin), or give an existing
    account a role in one more municipality, as the admin page does."""
    municipality = accounts.find_municipality(municipality_ref)
    if municipality is None:
        known = sorted(db.session.scalars(select(Municipality)), key=lambda m: (m.name.casefold(), m.id))
        if not known:
            fail(f"there is no municipality '{municipality_ref}': there are none yet. Create one first with "
                 "flask --app app municipalities create NAME --country CC")
        _refused(f"there is no municipality '{municipality_ref}'; give the name or id of one of these",
                 [f"{m.name} (id {m.id})" for m in known])
    try:
        email = accounts.check_email(email)
    except accounts.AccountError as exc:
        fail(str(exc))
    user = accounts.find_user(email)
    if user is not None:
        current = admin.membership_of(municipality.id, user.id)
        if current is not None:
            fail(f"{user.email} already has the role {current.role} in {municipality.name}; nothing was changed")
        try:
            # The admin page's way to add a known e-mail; audited with no signed-in actor, as create_user is.
            admin.add_membership(municipality, None, user, role)
        except admin.AdminError as exc:
            fail(str(exc))
        click.echo(f"added existing user {user.id}: {user.email} ({role} in {municipality.name})")
        if password is not None:
            click.echo("the existing password is kept: --password only sets the password of a new account")
        if display_name.strip() and display_name.strip() != user.display_name:
            click.echo(f"the existing name '{user.display_name}' is kept")
        if not user.active:
            click.echo("note: this account is deactivated; it cannot sign in until an admin reactivates it")
        return
    if password is None:
        if sys.stdin is None or not sys.stdin.isatty():
            fail(f"no password given for the new account {email}: pass --password PW, or run this in a terminal "
                 "to be asked for one")
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts.create_user(email, display_name, password, municipality, role)
    except accounts.AccountError as exc:
        fail(str(exc))
    click.echo(f"created user {user.id}: {user.email} ({role} in {municipality.name})")


@plans_cli.command("render")
@click.argument("version_id", type=int)
@click.option("--format", "fmt", type=click.Choice(("pdf", "docx", "html")), default="pdf", show_default=True)
@click.option("--edition", type=click.Choice(("internal", "public")), default="internal", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="File to write.")
def plans_render(version_id: int, fmt: str, edition: str, output: Path) -> None:
    """Write a version's plan document (the same bytes a download gives) to a file."""

    version = db.session.get(PlanVersion, version_id)
    if version is None:
        fail(f"there is no plan version with id {version_id}")
    try:
        body = documents.document_for_download(version, edition, fmt)
        file_format.write_private(output, body)
    except (plans.PlanError, OSError) as exc:
        fail(str(exc))
    click.echo(f"wrote {output} ({len(body)} bytes, {edition} edition)")


@plans_cli.command("diff")
@click.argument("version_a", type=int)
@click.argument("version_b", type=int)
@click.option("--format", "fmt", type=click.Choice(("text", "html", "pdf")), default="text", show_default=True)
@click.option("--edition", type=click.Choice(("internal", "public")), default="internal", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="File to write (default: standard output; required for pdf).")
@click.option("--language", help="Language of the text (default: the plan's).")
def plans_diff(version_a: int, version_b: int, fmt: str, edition: str, output: Path | None, language: str) -> None:
    """What changed from VERSION_A to VERSION_B (two versions of the same plan)."""

    first, second = db.session.get(PlanVersion, version_a), db.session.get(PlanVersion, version_b)
    for number, found in ((version_a, first), (version_b, second)):
        if found is None:
            fail(f"there is no plan version with id {number}")
    if first.plan_id != second.plan_id:
        fail(f"versions {version_a} and {version_b} belong to different plans; only versions of the same plan "
             "can be compared")
    if fmt == "pdf" and output is None:
        fail("a PDF needs a file: add -o FILE")
    if language and language not in ui_languages():
        fail(f"there is no language {language!r}; choose one of {', '.join(ui_languages())}")
    if fmt == "text":
        body = versions.changes_text(first, second, edition, language).encode("utf-8")
    elif fmt == "html":
        body = versions.changes_html(first, second, edition).encode("utf-8")
    else:
        body = versions.changes_pdf(first, second, edition)
    if output is None:
        click.echo(body.decode("utf-8"), nl=False)
        return
    try:
        file_format.write_private(output, body)
    except OSError as exc:
        fail(str(exc))
    click.echo(f"wrote {output} ({len(body)} bytes)")


@plans_cli.command("export")
@click.argument("plan_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="File to write (default: standard output).")
def plans_export(plan_id: int, output: Path | None) -> None:
    """Write a plan with all its versions, adoption data and frozen PDFs as JSON (docs/export-format.md)."""

    plan = db.session.get(Plan, plan_id)
    if plan is None:
        fail(f"there is no plan with id {plan_id}")
    text = plan_export.export_json(plan)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        file_format.write_private(output, text.encode("utf-8"))
    except OSError as exc:
        fail(str(exc))
    click.echo(f"wrote {output} ({len(plan.versions)} versions)")


@plans_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--municipality", "municipality_ref", required=True, help="Name or id of the municipality.")
def plans_import(file: Path, municipality_ref: str) -> None:
    """Recreate an exported plan (with new ids) in a municipality; refuses a file that is wrong in any way."""

    municipality = accounts.find_municipality(municipality_ref)
    if municipality is None:
        fail(f"there is no municipality '{municipality_ref}'")
    try:
        data = file_format.read_limited(file)
    except file_format.UnreadableFile as exc:
        fail(str(exc))
    try:
        plan = plan_export.import_plan(data, municipality)
    except plan_export.ImportRefused as exc:
        _refused("nothing was imported", exc.problems)
    click.echo(f"imported plan {plan.id}: {plan.title} ({len(plan.versions)} versions) into {municipality.name}")


def _refused(heading: str, problems: list[str]) -> NoReturn:
    click.echo(f"Error: {heading}:", err=True)
    for problem in problems:
        click.echo(f"  {problem}", err=True)
    sys.exit(1)


def _read_backup(file: Path, accept_unsigned: bool) -> dict:

    try:
        return backup.read_file(file, accept_unsigned=accept_unsigned)
    except backup.BackupRefused as exc:
        _refused("not a usable backup", exc.problems)


# Nothing shows that a backup without a MAC this server can check was not edited: reading one is the operator's
# decision, taken per command.
accept_unsigned_option = click.option(
    "--accept-unsigned", is_flag=True,
    help="Also read a backup whose MAC this server cannot check (format version 1, which has none, or one made "
         "with a backup key that is lost); only for a file nobody can have changed.")


@backup_cli.command("export")
@click.argument("municipality_ref", metavar="MUNICIPALITY")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              help="File to write; gzipped when it ends in .gz. Readable by you only: it holds password hashes.")
def backup_export(municipality_ref: str, output: Path) -> None:
    """Write everything of one municipality (users, plans, versions, comments, share links, audit, frozen PDFs)."""

    municipality = accounts.find_municipality(municipality_ref)
    if municipality is None:
        fail(f"there is no municipality '{municipality_ref}'")
    try:
        key = backup_mac.key_for_writing()
    except backup_mac.BackupKeyError as exc:
        fail(str(exc))
    if key.made_now:
        click.echo(f"made a new backup key in {key.made_now} (key id {key.id}). Keep a copy outside this server, "
                   "in your password manager: a restore needs it (docs/backup.md).")
    document = backup.export_municipality(municipality, key)
    try:
        backup.save_export(municipality, document, output)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    counts = ", ".join(f"{count} {name}" for name, count in backup.row_counts(document).items())
    click.echo(f"wrote {output}: {municipality.name}: {counts}")
    click.echo(f"sealed with {backup_mac.ALGORITHM}, backup key id {key.id}")


@backup_cli.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@accept_unsigned_option
def backup_restore(file: Path, accept_unsigned: bool) -> None:
    """Recreate a backed-up municipality, ids and all, in an instance that does not hold it yet."""

    document = _read_backup(file, accept_unsigned)
    try:
        restored = backup.restore(document)
    except backup.BackupRefused as exc:
        _refused("nothing was restored", exc.problems)
    counts = ", ".join(f"{count} {name}" for name, count in restored.rows.items())
    click.echo(f"restored {restored.municipality.name} (id {restored.municipality.id}): {counts}")
    if restored.reused_users:
        click.echo(f"already here, kept as they are: {', '.join(restored.reused_users)}")
    if restored.accepted_unsigned:
        click.echo("the file's MAC was not checked; the audit trail records that you accepted it")


@backup_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@accept_unsigned_option
def backup_verify(file: Path, accept_unsigned: bool) -> None:
    """Compare this instance's rows of the municipality with a backup, row by row; exit 1 on any difference."""

    document = _read_backup(file, accept_unsigned)
    found = backup.differences(document)
    if found:
        _refused(f"{len(found)} differences from the backup", found)
    counts = backup.row_counts(document)
    frozen = counts.get("frozen_document", 0)
    click.echo(f"equal: {sum(counts.values())} rows in {len(counts)} tables match the backup, "
               f"{frozen} frozen PDFs byte for byte")
