"""flask --app webapp retention [--dry-run]: anonymise cases whose retention period ran out.

The worker loop runs the same pass every RETENTION_CHECK_SECONDS (see run_in_worker)."""

import logging

import click
from flask import Flask, current_app

from webapp.services import retention

log = logging.getLogger(__name__)
_schedules: dict[int, retention.RetentionSchedule] = {}


def register(app: Flask) -> None:
    app.cli.add_command(retention_command)


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="List the cases that are due; change nothing.")
def retention_command(dry_run):
    """Anonymise closed cases whose retention period (RETENTION_YEARS) has passed."""
    years = current_app.config["RETENTION_YEARS"]
    codes = retention.run_retention(years, dry_run=dry_run)
    verb = "Due" if dry_run else "Anonymised"
    click.echo(f"{verb}: {len(codes)} case(s) closed more than {years} years ago."
               + "".join(f"\n  {code}" for code in codes))


def run_in_worker(app: Flask) -> None:
    """Called by the worker loop inside an app context; runs at most every
    RETENTION_CHECK_SECONDS per process. Errors are logged, never stop the worker."""
    schedule = _schedules.setdefault(
        id(app), retention.RetentionSchedule(app.config["RETENTION_CHECK_SECONDS"]))
    try:
        codes = schedule.run_if_due(app.config["RETENTION_YEARS"])
        if codes:
            log.info("retention: %d case(s) anonymised", len(codes))
    except Exception:
        log.exception("retention pass failed")
