"""The field kinds a task form can hold: how each is built, converted and laid out.

``FIELD_KINDS`` is the registry: the kind names come from ``engine.formschema.field_kind``.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FloatField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.widgets import (
    CheckboxInput,
    DateTimeLocalInput,
    EmailInput,
    ListWidget,
    NumberInput,
    Select,
)

from webapp.i18n.dates import LocalDateInput
from webapp.i18n.formatting import format_input_date, parse_input_date

#: Marks a value that is left out of the task data (an empty optional field).
MISSING = object()



@dataclass(frozen=True)
class FieldSpec:
    """One field as the form shows it: everything the builder and the template need."""

    name: str
    kind: str
    label: str
    required: bool
    schema: dict
    ui: dict
    help: str | None = None
    placeholder: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    children: tuple[FieldSpec, ...] = ()
    min_rows: int = 0
    max_rows: int | None = None
    # Shown but never taken from a post (readOnly, a fixed const, ui:readonly); hidden ones
    # are not shown either (ui:widget "hidden").
    read_only: bool = False
    hidden: bool = False

    @property
    def repeats(self) -> bool:
        """Rows and lists: entries added and removed by the person filling in the form."""
        return self.kind in ("rows", "list")

    @property
    def fixed(self) -> Any:
        """The value a read-only field always has (its ``const``), or MISSING."""
        if self.read_only and "const" in self.schema:
            return self.schema["const"]
        return MISSING

    @property
    def layout(self) -> str:
        return FIELD_KINDS[self.kind].layout

    @property
    def multiple(self) -> bool:
        return self.kind == "multiselect"


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class DateStringField(StringField):
    """A date typed and shown the reader's way (``31/12/2026``, ``31-12-2026``), whose data
    stays the ISO string the workflow stores (``2026-12-31``)."""

    widget = LocalDateInput()

    def process_formdata(self, valuelist):
        typed = (valuelist[0] if valuelist else "").strip()
        self.data = typed
        if typed:
            self.data = parse_input_date(typed).isoformat()

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return format_input_date(self.data) if self.data else ""


class WholeNumberField(IntegerField):
    """Integer input where an empty box means "no value", not an error."""

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if raw:
            try:
                self.data = int(raw)
            except ValueError:
                raise ValueError(_("Enter a whole number.")) from None


class DecimalNumberField(FloatField):
    """Number input where an empty box means "no value", not an error."""

    widget = NumberInput(step="any")

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if raw:
            try:
                self.data = float(raw)
            except ValueError:
                raise ValueError(_("Enter a number.")) from None


class DateTimeStringField(StringField):
    """A date-and-time input (the browser's, minutes, no zone) whose data is the RFC 3339
    string JSON Schema's ``date-time`` wants. Times are UTC, as everywhere in the app."""

    widget = DateTimeLocalInput()

    def process_formdata(self, valuelist):
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = raw
        if raw:
            try:
                moment = datetime.fromisoformat(raw)
            except ValueError:
                raise ValueError(_("Enter a valid date and time.")) from None
            moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
            self.data = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _value(self):
        return _local_minutes(self.data) if self.data else ""


def _local_minutes(value: str) -> str:
    """An RFC 3339 string as the browser's datetime-local value (UTC, to the minute)."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M")


# --- constructors: FieldSpec -> unbound WTForms field --------------------------------------


def _common(spec: FieldSpec, **render_kw: Any) -> dict[str, Any]:
    render_kw = {k: v for k, v in render_kw.items() if v is not None}
    if spec.placeholder:
        render_kw["placeholder"] = spec.placeholder
    if spec.required:
        render_kw["aria-required"] = "true"
    if spec.read_only:  # shown, not edited; the server ignores a posted value anyway
        if FIELD_KINDS[spec.kind].layout == "control":
            render_kw["readonly"] = True
        else:
            render_kw["disabled"] = True
    kwargs: dict[str, Any] = {"label": spec.label, "render_kw": render_kw}
    shown = spec.fixed if spec.fixed is not MISSING else spec.schema.get("default", MISSING)
    if shown is not MISSING:
        # A default of the wrong type is ignored, like prefill data of the wrong type.
        with suppress(TypeError):
            kwargs["default"] = FIELD_KINDS[spec.kind].from_json(shown)
    return kwargs


def _make_text(spec: FieldSpec):
    s = spec.schema
    kw = _common(spec, maxlength=s.get("maxLength"), minlength=s.get("minLength"))
    return StringField(filters=[_strip], **kw)


def _make_textarea(spec: FieldSpec):
    # No maxlength attribute: browsers silently cut pasted text there. A counter (static
    # forms.js) shows the limit instead and the server names the problem next to the field.
    kw = _common(spec, rows=spec.ui.get("ui:rows", 4))
    if spec.schema.get("maxLength") is not None:
        kw["render_kw"]["data-maxlength"] = spec.schema["maxLength"]
    return TextAreaField(filters=[_strip], **kw)


def _make_date(spec: FieldSpec):
    return DateStringField(**_common(spec))


def _make_datetime(spec: FieldSpec):
    return DateTimeStringField(**_common(spec))


def _make_email(spec: FieldSpec):
    s = spec.schema
    kw = _common(spec, maxlength=s.get("maxLength"), autocomplete="off")
    return StringField(filters=[_strip], widget=EmailInput(), **kw)


def _choices(spec: FieldSpec, blank: bool = False) -> list[SelectChoice]:
    # Lazy: a form class serves every reader when its schema has no translation (builder).
    first = [SelectChoice("", spec.placeholder or _l("Choose…"))] if blank else []
    return first + [SelectChoice(value, label) for value, label in spec.choices]


def _make_select(spec: FieldSpec):
    blank = not (spec.required and "default" in spec.schema)
    kw = _common(spec)
    kw["render_kw"].pop("placeholder", None)
    return SelectField(choices=_choices(spec, blank), validate_choice=False, **kw)


def _make_radio(spec: FieldSpec):
    kw = _common(spec)
    kw["render_kw"].pop("aria-required", None)
    return RadioField(choices=_choices(spec), validate_choice=False, **kw)


def _make_number(field_class: type, step: str | int) -> Callable[[FieldSpec], Any]:
    def make(spec: FieldSpec):
        s = spec.schema
        kw = _common(spec, min=s.get("minimum"), max=s.get("maximum"))
        kw["render_kw"]["step"] = s.get("multipleOf", step)
        return field_class(**kw)

    return make


def _make_checkbox(spec: FieldSpec):
    kw = _common(spec)
    kw["render_kw"].pop("aria-required", None)
    return BooleanField(**kw)


def _make_multiselect(spec: FieldSpec):
    return SelectMultipleField(
        choices=_choices(spec), validate_choice=False, widget=Select(multiple=True),
        **_common(spec),
    )  # fmt: skip


def _make_checkboxes(spec: FieldSpec):
    kw = _common(spec)
    kw["render_kw"].pop("aria-required", None)
    return SelectMultipleField(
        choices=_choices(spec), validate_choice=False,
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(), **kw,
    )  # fmt: skip


# --- conversions: field data <-> JSON-native values ----------------------------------------


def _str_to_json(value: Any) -> Any:
    return value if isinstance(value, str) and value != "" else MISSING


def _str_from_json(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _int_to_json(value: Any) -> Any:
    return MISSING if value is None else int(value)


def _int_from_json(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not an integer")
    return value


def _number_to_json(value: Any) -> Any:
    if value is None:
        return MISSING
    return int(value) if float(value).is_integer() else float(value)


def _number_from_json(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError("not a number")
    return value


def _bool_from_json(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError("not a boolean")
    return value


def _list_to_json(value: Any) -> Any:
    return list(value) if value else MISSING


def _list_from_json(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("not a list of strings")
    return value


@dataclass(frozen=True)
class FieldKind:
    """How one kind of field is built (``make``), converted and laid out in the template.

    ``layout`` picks the template branch: control, select, check, choice_group or rows.
    ``to_json`` returns MISSING for an empty value; ``from_json`` raises TypeError for a
    value of the wrong type, which prefill then ignores.
    """

    make: Callable[[FieldSpec], Any] | None
    layout: str
    to_json: Callable[[Any], Any] = _str_to_json
    from_json: Callable[[Any], Any] = _str_from_json


FIELD_KINDS: dict[str, FieldKind] = {
    "text": FieldKind(_make_text, "control"),
    "textarea": FieldKind(_make_textarea, "control"),
    "date": FieldKind(_make_date, "control"),
    "datetime": FieldKind(_make_datetime, "control"),
    "email": FieldKind(_make_email, "control"),
    "select": FieldKind(_make_select, "select"),
    "radio": FieldKind(_make_radio, "choice_group"),
    "integer": FieldKind(
        _make_number(WholeNumberField, 1), "control", _int_to_json, _int_from_json
    ),
    "number": FieldKind(
        _make_number(DecimalNumberField, "any"), "control", _number_to_json, _number_from_json
    ),
    "checkbox": FieldKind(_make_checkbox, "check", bool, _bool_from_json),
    "multiselect": FieldKind(_make_multiselect, "select", _list_to_json, _list_from_json),
    "checkboxes": FieldKind(_make_checkboxes, "choice_group", _list_to_json, _list_from_json),
    # Rows, lists and groups are built and converted by the builder and convert modules
    # (they recurse).
    "rows": FieldKind(None, "rows"),
    "list": FieldKind(None, "list"),
    "group": FieldKind(None, "group"),
}
