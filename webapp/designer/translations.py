"""The workbench's translation page: each text of the draft beside its translation."""

from collections import Counter
from dataclasses import asdict

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext, pgettext

from webapp.engine.catalogs import catalog_warnings, missing_translations
from webapp.extensions import db
from webapp.i18n.locale import endonym, language_in_reader_words
from webapp.services.designer import drafts
from webapp.services.designer import translations as service
from webapp.services.errors import InvalidInput
from webapp.web import current_actor

from .common import bp, owner_only


def _kind(kind: str) -> str | None:
    """What a text of a diagram or decision table is (engine.texts: "<id> (<kind>)")."""
    return {"name": pgettext("what a text of an element is", "name"),
            "text": pgettext("what a text of an element is", "text"),
            "instructions": pgettext("what a text of an element is", "instructions"),
            "label": pgettext("what a text of an element is", "label"),
            "description": pgettext("what a text of an element is", "description"),
            "output": pgettext("what a text of an element is", "output")}.get(kind)


def where(element: str) -> str:
    """Where a text is, with what it is in the reader's words: ``check (naam)``."""
    ident, _sep, kind = element.rpartition(" (")
    said = _kind(kind[:-1]) if ident and kind.endswith(")") else None
    return f"{ident} ({said})" if said else element


def _languages() -> tuple[list[str], str]:
    return current_app.config["LANGUAGES"], current_app.config["DEFAULT_LANGUAGE"]


@bp.route("/<process_id>/translations", methods=["GET", "POST"])
@owner_only
def translations(process_id: str):
    """GET: the texts in one language (``?language=nl``; ``missing=1``: only those without a
    translation). POST: save what was typed, then show the page again."""
    languages, default = _languages()
    draft = drafts.open_draft(current_actor(), process_id)
    files = dict(draft.files)
    others = [code for code in languages
              if code != service.source_of(files, default)]
    language = request.values.get("language") or (others[0] if others else "")
    if request.method == "POST":
        if language not in languages:
            abort(400)
        entries = [(key, request.form.get(f"text-{n}", ""))
                   for n, key in enumerate(request.form.getlist("key"))]
        try:
            draft = service.save_sheet(current_actor(), process_id, language, default, entries)
            db.session.commit()
        except InvalidInput as error:
            db.session.rollback()
            flash(error.message, "danger")
            return redirect(url_for("designer.translations", process_id=process_id,
                                    language=language))
        missing = service.sheet(dict(draft.files), language, default).missing
        flash(ngettext("Translations saved. %(num)d text has no translation yet.",
                       "Translations saved. %(num)d texts have no translation yet.", missing)
              if missing else _("Translations saved. Every text has a translation."),
              "success" if not draft.problems else "warning")
        return redirect(url_for("designer.translations", process_id=process_id,
                                language=language, missing=request.args.get("missing")))
    db.session.commit()
    if language not in others:
        abort(404)
    sheet = service.sheet(files, language, default)
    only_missing = request.args.get("missing") == "1"
    counts = {code: service.sheet(files, code, default).missing for code in others}
    return render_template(
        "designer/translations.html", draft=draft, sheet=sheet, language=language,
        tabs=[(code, endonym(code), counts[code]) for code in others],
        rows=[r for r in sheet.rows if not (only_missing and r.translation)],
        only_missing=only_missing, where=where,
        source_name=language_in_reader_words(sheet.source_language),
        problems=[p for p in draft.problems if p["file"].startswith("i18n/")]
        + [asdict(w) for w in catalog_warnings(files)])


def translation_gaps(files) -> list[tuple[str, str, int]]:
    """(language, its name, texts without a translation) for each offered language that
    lacks some: the warnings of validation, summed up on the draft page."""
    languages, default = _languages()
    counts = Counter(m.language for m in missing_translations(files, languages, default))
    return [(code, language_in_reader_words(code), counts[code]) for code in languages
            if counts[code]]
