"""TaskForm: the base class of every built task form (validation, data, row buttons)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import FieldList

from webapp.engine.formdata import FieldError, validate_data
from webapp.taskforms.convert import form_to_data
from webapp.taskforms.fields import FieldSpec
from webapp.taskforms.messages import field_message

ADD_ROW = "_add_row:"
REMOVE_ROW = "_remove_row:"


def _add_error(field: Any, message: str) -> None:
    """Attach a message unless the field already explains what is wrong with it."""
    if isinstance(field.errors, tuple):
        field.errors = list(field.errors)
    if not any(isinstance(e, str) for e in field.errors):
        field.errors.append(message)


class TaskForm(FlaskForm):
    """Base of the classes ``build_task_form`` makes; the subclass carries the fields.

    No CSRF field of its own: the app's CSRFProtect refuses any POST without a valid token
    before a view runs (errors.py explains it to the user); the page sends the token."""

    class Meta:
        csrf = False

    _schema: dict | None = None
    _specs: tuple[FieldSpec, ...] = ()
    _option_values: dict[str, list[str]] | None = None
    _formdata: Any = None
    _checked: dict | None = None  # the data validate_task found valid

    @property
    def fields_in_order(self) -> list[tuple[Any, FieldSpec]]:
        """``(bound field, FieldSpec)`` pairs in display order, for the template macro."""
        return [(self._fields[spec.name], spec) for spec in self._specs]

    @property
    def has_rows(self) -> bool:
        return any(spec.repeats for spec in self._specs)

    def to_data(self) -> dict:
        """The submitted values as JSON-native task data (empty optional fields left out)."""
        if self._checked is not None:
            return self._checked
        return form_to_data(self._fields, self._specs)[0]

    @property
    def checked_schema(self) -> dict | None:
        """The JSON Schema that ``to_data()`` was validated against (with this form's
        x-options), once ``validate_task`` passed; None before. The task service then need
        not check the same data against the same schema object again."""
        return self._schema if self._checked is not None else None

    def validate_task(self) -> bool:
        """Validate the fields, then the data against the schema.

        Errors end up on the fields they concern (rows included); errors that belong to no
        shown field end up in ``form_errors``.
        """
        fields_valid = self.validate()
        data, kept_rows = form_to_data(self._fields, self._specs)
        data_errors = [e for e in validate_data(self._schema or {}, data,
                                                self._option_values or {})
                       if not _read_only(self._specs, e.path)]
        for error in data_errors:
            self._attach(error, kept_rows)
        valid = fields_valid and not data_errors
        self._checked = data if valid else None
        return valid

    def _attach(self, error: FieldError, kept_rows: dict[str, list[int]]) -> None:
        path, message = error.path, field_message(error)
        spec = next((s for s in self._specs if path and s.name == path[0]), None)
        if spec is None:
            where = " > ".join(str(p) for p in path)
            self.form_errors.append(f"{where}: {message}" if where else message)
            return
        field = self._fields[spec.name]
        rest = path[1:]
        if spec.repeats and rest and isinstance(rest[0], int) and rest[0] < len(
                kept_rows[spec.name]):
            field = field.entries[kept_rows[spec.name][rest[0]]]
            rest = rest[1:]
            if spec.kind == "rows" and rest:
                field = _descend(field.form, rest, field)
        elif spec.kind == "group" and rest:
            field = _descend(field.form, rest, field)
        _add_error(field, message)

    # --- add / remove row buttons (plain submit buttons, no JavaScript) ---

    @staticmethod
    def add_row_name(field_name: str) -> str:
        return f"{ADD_ROW}{field_name}"

    @staticmethod
    def remove_row_name(field_name: str, index: int) -> str:
        return f"{REMOVE_ROW}{field_name}:{index}"

    def row_action(self) -> bool:
        """Apply an "Add row" / "Remove row" button press; True if the submit was one.

        The form then keeps what was entered, with a row more or less, and the view shows it
        again instead of completing the task. Presses beyond minItems/maxItems are ignored.
        """
        for key in self._formdata or ():
            if key.startswith(ADD_ROW):
                self._add_row(key.removeprefix(ADD_ROW))
                return True
            if key.startswith(REMOVE_ROW):
                name, _, index = key.removeprefix(REMOVE_ROW).rpartition(":")
                self._remove_row(name, index)
                return True
        return False

    def _rows_field(self, name: str) -> tuple[FieldList | None, FieldSpec | None]:
        spec = next((s for s in self._specs if s.name == name and s.repeats), None)
        return (self._fields[name], spec) if spec else (None, None)

    def entry_prototype(self, spec: FieldSpec):
        """An empty entry of a rows or list field named with the placeholder ``__index__``:
        the page keeps it in a <template> and forms.js adds it as a new row without a
        round trip (the "Add row" button still posts the form when scripts do not run)."""
        field = self._fields[spec.name]
        options = {"name": f"{field.name}{field._separator}__index__",
                   "id": f"{field.id}{field._separator}__index__",
                   "_meta": field.meta, "translations": field._translations}
        entry = field.meta.bind_field(field._form, field.unbound_field, options)
        entry.process(None)
        return entry

    def _add_row(self, name: str) -> None:
        field, spec = self._rows_field(name)
        if field is not None and (spec.max_rows is None or len(field.entries) < spec.max_rows):
            field.append_entry()

    def _remove_row(self, name: str, index: str) -> None:
        field, spec = self._rows_field(name)
        if field is None or not index.isdigit() or len(field.entries) <= spec.min_rows:
            return
        if int(index) < len(field.entries):
            field.pop_entry(int(index))

    def ensure_one_row(self) -> None:
        """A new form shows at least one row of each repeatable-rows field."""
        for field, spec in self.fields_in_order:
            if spec.repeats and not field.entries and spec.max_rows != 0 and not spec.read_only:
                field.append_entry()


def _read_only(specs: tuple[FieldSpec, ...], path: tuple) -> bool:
    """The error concerns a field shown read-only (its value is not the person's to give)."""
    for step in path:
        if isinstance(step, int):
            continue
        spec = next((s for s in specs if s.name == step), None)
        if spec is None:
            return False
        if spec.read_only:
            return True
        specs = spec.children
    return False


def _descend(form: Any, path: tuple, field: Any) -> Any:
    """The bound field at ``path`` (names) inside a row's or group's form; the deepest one
    found when the path goes further than the fields do (``field`` when none is)."""
    for step in path:
        if isinstance(step, int) or form is None:
            break
        found = form._fields.get(step)
        if found is None:
            break
        field, form = found, getattr(found, "form", None)
    return field
