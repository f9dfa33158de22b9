"""Workflow state (de)serialization that keeps the specs out of every case state.

Specs are serialized once per process version (:func:`dump_specs`); a case state holds only the
task tree and data and is re-attached to the version's already-built spec objects on load.
"""

from __future__ import annotations

import copy
import functools
import json
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from .errors import StateError

FORMAT = "mawflow-state-1"


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Like the default converter, but the specs are passed in instead of stored."""

    def to_dict(self, workflow):
        dct = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["spec_name"] = workflow.spec.name
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, spec=None, subprocess_specs=None):
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


@functools.cache
def _serializer() -> BpmnWorkflowSerializer:
    config = copy.deepcopy(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpeclessWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def dump_specs(spec, subprocess_specs: dict) -> str:
    """Serialize the main process spec and its subprocess specs to JSON."""
    s = _serializer()
    return json.dumps(
        {
            "spec": s.to_dict(spec),
            "subprocess_specs": {k: s.to_dict(v) for k, v in subprocess_specs.items()},
        }
    )


def load_specs(spec_json: str):
    """Rebuild (spec, subprocess_specs) from :func:`dump_specs` output. Raises StateError."""
    s = _serializer()
    try:
        dct = json.loads(spec_json)
        spec = s.from_dict(dct["spec"])
        subs = {k: s.from_dict(v) for k, v in dct["subprocess_specs"].items()}
    except Exception as err:
        raise StateError(f"the stored process specification cannot be loaded: {err}") from err
    return spec, subs


def dump_state(workflow: BpmnWorkflow, bundle_hash: str) -> str:
    """Serialize a workflow without its specs, tagged with the bundle it runs on."""
    s = _serializer()
    dct = s.to_dict(workflow)
    dct[s.VERSION_KEY] = s.VERSION
    dct["format"] = FORMAT
    dct["bundle_hash"] = bundle_hash
    return json.dumps(dct)


def load_state(state: str, spec, subprocess_specs: dict, bundle_hash: str) -> BpmnWorkflow:
    """Restore a workflow from :func:`dump_state` output onto the given specs.

    Raises StateError when the state is unreadable or was saved for another bundle."""
    s = _serializer()
    try:
        dct = json.loads(state)
    except (TypeError, ValueError) as err:
        raise StateError(f"the stored case state is not valid JSON: {err}") from err
    if not isinstance(dct, dict) or dct.get("format") != FORMAT:
        raise StateError("the stored case state has an unknown format")
    if dct.get("bundle_hash") != bundle_hash:
        raise StateError("the stored case state belongs to another process version")
    try:
        s.migrate(dct)
        return s.from_dict(dct, spec=spec, subprocess_specs=subprocess_specs)
    except Exception as err:
        raise StateError(f"the stored case state cannot be loaded: {err}") from err
