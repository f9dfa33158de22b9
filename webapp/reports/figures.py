"""The evaluation's tables turned into the charts' plain values (see pictures/charts)."""

from __future__ import annotations

from flask_babel import gettext as _

from webapp.i18n.bundletext import org_name
from webapp.models.evaluation import LIFE_DOMAINS
from webapp.pictures import charts
from webapp.pictures.routes import reader_words
from webapp.services.evaluation import Evaluation
from webapp.services.evaluation import conventions as cv
from webapp.services.network import CaseGaps, Coverage


def _points(rows) -> list[tuple[str, int | None, str]]:
    return [(str(label), count.value, count.text()) for label, count, *_rest in rows]


def funnel(evaluation: Evaluation) -> str:
    tables = evaluation.tables
    signals = tables["signals"]
    return charts.bars(
        _("From signal to closure, %(period)s", period=evaluation.period.label()),
        [(_("Signals received"), _points([signals.total])),
         (_("Intake decision"), _points(tables["intake"].rows)),
         (_("Closure"), _points(tables["closures"].rows))],
        ident="funnel-chart", words=reader_words())


def trends(evaluation: Evaluation) -> str:
    table = evaluation.tables["trends"]
    series = []
    for index, name in enumerate(table.columns[1:], start=1):
        series.append((str(name), [(row[0], row[index].value, row[index].text())
                                   for row in table.rows]))
    return charts.months(_("Month by month, %(period)s", period=evaluation.period.label()),
                         series, ident="trends-chart", words=reader_words())


def coverage(result: Coverage) -> str:
    domains = [str(cv.LIFE_DOMAIN_LABELS[d]) for d in LIFE_DOMAINS]
    cells = {}
    for i, domain in enumerate(LIFE_DOMAINS):
        for j, org in enumerate(result.organisations):
            count = result.did[(domain, org.id)]
            cells[(i, j)] = (bool(result.says.get((domain, org.id))),
                             count.value if count.shown else None, count.text())
    nobody = {LIFE_DOMAINS.index(d) for d in result.nobody}
    return charts.coverage(_("Who covers which life domain, %(period)s",
                             period=result.period.label()),
                           domains, [org_name(o) for o in result.organisations], cells,
                           nobody, ident="coverage-chart", words=reader_words())


def gaps(code: str, result: CaseGaps) -> str:
    rows = [(str(cv.LIFE_DOMAIN_LABELS[d]), d in result.vulnerable, d in result.covered)
            for d in LIFE_DOMAINS]
    return charts.gaps(_("Life domains of %(code)s: screening and action plan", code=code),
                       rows, ident="gaps-chart", words=reader_words())
