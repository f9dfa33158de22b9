"""flask --app webapp <command>: deploy, accounts, cases, the timer worker and a dev server."""

import logging
import threading

import click
from flask import Flask, current_app
from sqlalchemy import select
from werkzeug.serving import run_simple

from webapp import retention_cli, timer_worker
from webapp.extensions import db
from webapp.models import Case
from webapp.reports import cli as report_cli
from webapp.services import accounts, bundles
from webapp.services.audit import Actor
from webapp.services.errors import ServiceError

log = logging.getLogger(__name__)


def register_commands(app: Flask) -> None:
    for command in (deploy, create_org, create_user, list_cases, worker, mail_worker, seed_demo,
                    serve):
        app.cli.add_command(command)
    retention_cli.register(app)
    report_cli.register(app)


def _done(message: str) -> None:
    db.session.commit()
    click.echo(message)


@click.command("deploy")
@click.option("--path", default=None, help="Folder with processes/, rules/ and forms/.")
@click.option("--process", "process_id", default=None,
              help="The process to publish and start new cases with (\"Register a case\" and "
                   "\"Report a signal\"), e.g. maw_case.")
def deploy(path, process_id):
    """Validate and publish the process bundle (nothing when it is the newest version)."""
    from webapp.engine import BundleInvalid, read_bundle_dir
    from webapp.engine.catalogs import translation_warnings
    from webapp.services.designer.drafts import bundle_warnings

    root = path or current_app.config["BUNDLE_DIR"]
    try:
        published = bundles.deploy(Actor.system(), root, process_id)
        chosen = bundles.latest_version(bundles.case_process_id())
    except BundleInvalid as error:
        raise click.ClickException("The bundle is not valid:\n" + str(error)) from error
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    cfg = current_app.config
    for warning in bundle_warnings(published.bundle, published.previous):
        click.echo(f"warning: {warning}", err=True)
    for warning in translation_warnings(read_bundle_dir(root), cfg["LANGUAGES"],
                                        cfg["DEFAULT_LANGUAGE"]):
        click.echo(f"warning: {warning}", err=True)
    version = published.version
    done = "Published" if published.changed else "Nothing changed, still"
    _done(f"{done}: {version.label} ({version.bundle_hash[:12]}). New cases start on "
          f"{chosen.label}.")


@click.command("create-org")
@click.argument("code")
@click.argument("name")
@click.option("--name-in", "names", multiple=True, metavar="LANG=NAME",
              help='The name in another language, e.g. --name-in nl="Lokale politie".')
def create_org(code, name, names):
    """Create an organisation, e.g. create-org police "Local police"."""
    translated = {}
    for item in names:
        language, _, value = item.partition("=")
        if not value:
            raise click.BadParameter(f"'{item}' is not LANG=NAME", param_hint="--name-in")
        translated[language.strip()] = value
    try:
        org = accounts.create_organisation(Actor.system(), code, name, names=translated)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    _done(f"Created organisation {org.code}.")


@click.command("create-user")
@click.argument("username")
@click.option("--name", "display_name", default="", help="Full name shown in the app.")
@click.option("--role", "roles", multiple=True, required=True,
              help="ORG_CODE:ROLE, e.g. municipality:coordinator (repeatable).")
@click.option("--email", default=None, help="Where notifications go (none: no mail).")
@click.password_option()
def create_user(username, display_name, roles, password, email):
    """Create a user with one or more ORG_CODE:ROLE memberships."""
    pairs = []
    for item in roles:
        org, _, role = item.partition(":")
        if not role:
            raise click.BadParameter(f"'{item}' is not ORG_CODE:ROLE", param_hint="--role")
        pairs.append((org, role))
    try:
        user = accounts.create_user(Actor.system(), username, display_name, password, pairs,
                                    email=email)
    except ServiceError as error:
        raise click.ClickException(error.message) from error
    _done(f"Created user {user.username}.")


@click.command("list-cases")
@click.option("--status", default=None)
def list_cases(status):
    """List cases by code (no personal details)."""
    query = select(Case).order_by(Case.created_at)
    if status:
        query = query.where(Case.status == status)
    for case in db.session.scalars(query):
        click.echo(f"{case.code}\t{case.status}\t{case.current_step or '-'}\t"
                   f"{case.process_version.label}")


def run_worker_loop(app: Flask, stop: threading.Event, once: bool = False) -> None:
    """Fire timers when due, and every TIMER_POLL_SECONDS send mail and run retention and
    the evaluation's totals, until `stop` is set (webapp.timer_worker)."""
    timer_worker.run(app, stop, once=once)


def run_mail_loop(app: Flask, stop: threading.Event, once: bool = False) -> None:
    """Only the mail: notices, digests and sending, every TIMER_POLL_SECONDS."""
    timer_worker.run_mail_loop(app, stop, once=once)


@click.command("mail-worker")
@click.option("--once", is_flag=True, help="One pass, then exit.")
def mail_worker(once):
    """Send e-mail notifications (several may run side by side on PostgreSQL; the timer
    worker sends them too)."""
    logging.basicConfig(level=logging.INFO)
    run_mail_loop(current_app._get_current_object(), threading.Event(), once=once)


@click.command("worker")
@click.option("--once", is_flag=True, help="One pass, then exit.")
def worker(once):
    """Run the timer worker (several may run side by side on PostgreSQL)."""
    logging.basicConfig(level=logging.INFO)
    run_worker_loop(current_app._get_current_object(), threading.Event(), once=once)


@click.command("seed-demo")
def seed_demo():
    """Create demo organisations and users (only into an empty database)."""
    from webapp.demo import seed

    lines = seed(Actor.system())
    db.session.commit()
    click.echo("\n".join(lines))


@click.command("serve")
@click.option("--port", default=5000)
def serve(port):
    """Development server on 127.0.0.1 with the timer worker in a background thread."""
    app = current_app._get_current_object()
    stop = threading.Event()
    threading.Thread(target=run_worker_loop, args=(app, stop), daemon=True).start()
    try:
        run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)
    finally:
        stop.set()
