"""Date fields typed the reader's way: ``31/12/2026`` in Belgium, ``31-12-2026`` in the
Netherlands, ISO ``2026-12-31`` everywhere. A text input, not ``type="date"``: the browser's
date picker follows the browser's language, not the one chosen here."""

from __future__ import annotations

from wtforms import Field
from wtforms.widgets import TextInput

from webapp.i18n.formatting import date_placeholder, format_input_date, parse_input_date


class LocalDateInput(TextInput):
    """A text input whose placeholder shows the reader's date pattern (``dd/mm/jjjj``),
    worked out when the page is drawn, so one form class serves every language."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("placeholder", date_placeholder())
        kwargs.setdefault("autocomplete", "off")
        kwargs.setdefault("data-date-input", "")
        return super().__call__(field, **kwargs)


class LocalDateField(Field):
    """A date (``datetime.date``) typed and shown the reader's way; for forms of the app."""

    widget = LocalDateInput()

    def process_formdata(self, valuelist):
        typed = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if typed:
            self.data = parse_input_date(typed)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_input_date(self.data) if self.data else ""
