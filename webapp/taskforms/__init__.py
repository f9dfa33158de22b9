"""Task forms: web forms built from a user task's JSON Schema (+ UI schema)."""

from webapp.taskforms.builder import build_task_form
from webapp.taskforms.form import TaskForm
from webapp.taskforms.messages import field_message

__all__ = ["TaskForm", "build_task_form", "field_message"]
