"""flask --app webapp report-totals: rebuild the evaluation's monthly totals now.

The worker loop does the same every REPORT_ROLLUP_SECONDS (see run_in_worker)."""

import logging
import time

import click
from flask import Flask
from flask_babel import gettext as _

from webapp.services.evaluation import rollup

log = logging.getLogger(__name__)
_last: dict[int, float] = {}


def register(app: Flask) -> None:
    app.cli.add_command(report_totals)


@click.command("report-totals")
def report_totals():
    """Rebuild the monthly totals of every month with new case history."""
    months = rollup.roll_up()
    click.echo(_("Monthly totals rebuilt: %(months)s.", months=", ".join(months)) if months
               else _("No monthly totals needed rebuilding."))


def run_in_worker(app: Flask) -> None:
    """Called by the worker loop in an app context, at most every REPORT_ROLLUP_SECONDS per
    process. Errors are logged and never stop the worker; reports stay exact without it."""
    now = time.monotonic()
    if now - _last.get(id(app), -1e9) < float(app.config["REPORT_ROLLUP_SECONDS"]):
        return
    _last[id(app)] = now
    try:
        months = rollup.roll_up()
        if months:
            log.info("evaluation: monthly totals of %s rebuilt", ", ".join(months))
    except Exception:
        log.exception("evaluation totals pass failed")
