"""Build a WTForms form class from a task's JSON Schema and UI schema."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wtforms import FieldList, FormField
from wtforms import Form as RowForm

from webapp.engine.formschema import (
    field_kind,
    has_choices,
    is_field_name,
    is_read_only,
    ordered_names,
)
from webapp.engine.identity import IdentityCache
from webapp.taskforms.convert import data_to_prefill
from webapp.taskforms.fields import FIELD_KINDS, FieldSpec
from webapp.taskforms.form import TaskForm

OptionSources = Mapping[str, Callable[[], list[tuple[str, str]]]]


def humanise(value: str) -> str:
    """``regular_care`` -> ``Regular care``: a label for a value or name without a title."""
    text = str(value).replace("_", " ").replace("-", " ").strip()
    return text[:1].upper() + text[1:]


class _Options:
    """Calls each option source once per form; remembers the allowed values for validation."""

    def __init__(self, sources: OptionSources):
        self._sources = sources
        self.values: dict[str, list[str]] = {}
        self._choices: dict[str, tuple[tuple[str, str], ...]] = {}

    def choices(self, source: str) -> tuple[tuple[str, str], ...]:
        if source not in self._choices:
            load = self._sources.get(source)
            loaded = tuple((str(v), str(label)) for v, label in (load() if load else []))
            self._choices[source] = loaded
            self.values[source] = [value for value, _ in loaded]
        return self._choices[source]


def _enum_choices(schema: Mapping[str, Any], ui: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    if "enum" in schema:
        values = [str(v) for v in schema["enum"]]
        names = ui.get("ui:enumNames") or schema.get("enumNames") or []
        if not isinstance(names, list) or len(names) != len(values):
            names = [humanise(v) for v in values]
        return tuple(zip(values, (str(n) for n in names), strict=True))
    return tuple(
        (str(o["const"]), str(o.get("title") or humanise(str(o["const"]))))
        for o in schema.get("oneOf", [])
    )


def _field_choices(prop: Mapping[str, Any], kind: str, ui: Mapping[str, Any], options: _Options):
    target = prop.get("items", {}) if kind in ("multiselect", "checkboxes") else prop
    source = prop.get("x-options") or target.get("x-options")
    if isinstance(source, str):
        return options.choices(source)
    return _enum_choices(target, ui) if has_choices(target) else ()


def _nested_ui(field_ui: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = field_ui.get(key)
    return value if isinstance(value, Mapping) else {}


def plan_fields(
    schema: Mapping[str, Any], ui: Mapping[str, Any], options: _Options, *,
    in_rows: bool = False, read_only: bool = False,
) -> tuple[FieldSpec, ...]:
    """Describe the supported fields of an object schema, in display order.

    Unsupported fields are skipped here; ``engine.formschema.check_schema`` names them, and
    validation refuses a bundle with such a form. ``read_only``: inside a read-only group.
    """
    properties = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    specs = []
    for name in ordered_names(schema, ui):
        prop = properties[name]
        field_ui = _nested_ui(ui, name)
        kind = field_kind(prop, field_ui) if isinstance(prop, Mapping) else None
        if not is_field_name(name) or kind is None or (kind in ("rows", "list") and in_rows):
            continue
        fixed = read_only or is_read_only(prop, field_ui)
        children: tuple[FieldSpec, ...] = ()
        if kind == "rows":
            children = plan_fields(prop["items"], _nested_ui(field_ui, "items"), options,
                                   in_rows=True, read_only=fixed)
        elif kind == "group":
            children = plan_fields(prop, field_ui, options, in_rows=True, read_only=fixed)
        elif kind == "list":
            item_ui = _nested_ui(field_ui, "items")
            children = (_spec("item", prop["items"], item_ui, str(prop.get("title") or
                              humanise(name)), True, options, fixed),)
        specs.append(_spec(name, prop, field_ui, None, name in required, options, fixed,
                           children))
    return tuple(specs)


def _spec(name: str, prop: Mapping[str, Any], field_ui: Mapping[str, Any], label: str | None,
          required: bool, options: _Options, read_only: bool,
          children: tuple[FieldSpec, ...] = ()) -> FieldSpec:
    kind = field_kind(prop, field_ui)
    return FieldSpec(
        name=name, kind=kind, label=label or str(prop.get("title") or humanise(name)),
        required=required, schema=dict(prop), ui=dict(field_ui),
        help=field_ui.get("ui:help") or prop.get("description"),
        placeholder=field_ui.get("ui:placeholder"),
        choices=_field_choices(prop, kind, field_ui, options), children=children,
        min_rows=int(prop.get("minItems", 0)), max_rows=prop.get("maxItems"),
        read_only=read_only, hidden=field_ui.get("ui:widget") == "hidden",
    )  # fmt: skip


def _unbound(spec: FieldSpec):
    if spec.kind == "rows":
        row_class = type(f"{spec.name}_row", (RowForm,),
                         {c.name: _unbound(c) for c in spec.children})
        return FieldList(FormField(row_class), label=spec.label, min_entries=spec.min_rows)
    if spec.kind == "group":
        group_class = type(f"{spec.name}_group", (RowForm,),
                           {c.name: _unbound(c) for c in spec.children})
        return FormField(group_class, label=spec.label)
    if spec.kind == "list":
        return FieldList(_unbound(spec.children[0]), label=spec.label,
                         min_entries=spec.min_rows)
    return FIELD_KINDS[spec.kind].make(spec)


# Form classes of schemas whose choices never come from the database, by the identity of the
# schema and UI schema objects (a bundle's forms are loaded once and never change).
_CLASSES = IdentityCache(512)


def _form_class(schema: dict, ui_schema: dict | None, option_sources: OptionSources | None):
    known = _CLASSES.get((schema, ui_schema))
    if known is not None:
        return known
    options = _Options(option_sources or {})
    specs = plan_fields(schema, ui_schema or {}, options)
    attrs: dict[str, Any] = {spec.name: _unbound(spec) for spec in specs}
    attrs.update(_schema=schema, _specs=specs, _option_values=options.values)
    form_class = type("BuiltTaskForm", (TaskForm,), attrs)
    if not options.values:  # choices from the database (x-options) are read per form
        _CLASSES.put((schema, ui_schema), (form_class, specs))
    return form_class, specs


def build_task_form(
    schema: dict,
    ui_schema: dict | None,
    *,
    formdata=None,
    data: dict | None = None,
    option_sources: OptionSources | None = None,
) -> TaskForm:
    """Make the form for a user task (a ``FlaskForm``, so CSRF applies when enabled).

    ``formdata`` is ``request.form`` on POST; on GET pass None and the task's ``data``
    to prefill (unknown keys and values of the wrong type are ignored). ``option_sources``
    maps each ``x-options`` source to a callable returning ``(value, label)`` pairs.
    Needs an application and request context (CSRF token).
    """
    form_class, specs = _form_class(schema, ui_schema, option_sources)
    if formdata is not None:
        form = form_class(formdata=formdata)
    else:
        form = form_class(formdata=None, data=data_to_prefill(specs, data))
        form.ensure_one_row()
    form._formdata = formdata
    return form
